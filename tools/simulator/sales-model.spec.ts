import { conversionProbability, SALES_MODEL, synthesizeStoreDaySales } from './sales-model.ts';
import { layoutFromCameras, SIMULATED_CAMERAS, simulatedStoreProfile } from './store-layout.ts';
import { planDay, type Promotion } from './traffic-model.ts';
import { synthesizeStoreDay } from './visitor-journey.ts';
import { addDays, localMinuteAt } from '../../backend/src/common/store-clock.ts';

const profile = simulatedStoreProfile(0); // London, Mon–Sat 09–20, Sun 11–17
const layout = layoutFromCameras(SIMULATED_CAMERAS);
const plan = (date: string, promotion: Promotion | null = null) =>
  planDay({
    seed: 'sales',
    storeId: 'sim_store_001',
    timezone: profile.timezone,
    date,
    peakVisitorsPerHour: 60,
    openingHours: profile.openingHours,
    promotion,
    spikeProbability: 0,
  });
const TUESDAY = '2024-03-12';
const SATURDAY = '2024-03-16';

/** Receipts ÷ visitors over whole days, overall and per store-local hour the visitors came in. */
function conversionOver(dates: string[], promotion: Promotion | null = null, storeConversion = 1) {
  let visitors = 0;
  let buyers = 0;
  const byHour = new Map<number, { visitors: number; buyers: number }>();
  for (const date of dates) {
    const p = plan(date, promotion);
    const day = synthesizeStoreDay(p, layout);
    const receipts = synthesizeStoreDaySales(p, day.events, storeConversion);
    const paid = new Set(receipts.map((r) => r.receipt_id.replace(/_r$/, '')));
    for (const e of day.events) {
      if (e.event.type !== 'entrance' || e.event.direction !== 'in') continue;
      const hour = Math.floor(localMinuteAt(e.atMs, p.timezone) / 60);
      const h = byHour.get(hour) ?? { visitors: 0, buyers: 0 };
      const bought = paid.has(e.event.person_key!);
      h.visitors++;
      h.buyers += bought ? 1 : 0;
      byHour.set(hour, h);
      visitors++;
      buyers += bought ? 1 : 0;
    }
  }
  const rate = (h?: { visitors: number; buyers: number }) => (h && h.visitors ? h.buyers / h.visitors : Number.NaN);
  return { visitors, rate: buyers / visitors, hour: (h: number) => rate(byHour.get(h)) };
}

describe('simulated sales', () => {
  it.each([
    ['lunch beats mid-afternoon', TUESDAY, 12, TUESDAY, 15],
    ['after work beats mid-afternoon', TUESDAY, 18, TUESDAY, 14],
    ['a Tuesday converts better than a Saturday, same hour', TUESDAY, 11, SATURDAY, 11],
  ])('conversion varies: %s', (_what, d1, h1, d2, h2) => {
    expect(conversionProbability(plan(d1), h1)).toBeGreaterThan(conversionProbability(plan(d2), h2));
  });

  it('lifts conversion by half of a promotion’s footfall lift, and never past the cap', () => {
    const promo = { first: TUESDAY, last: TUESDAY, lift: 1.3 };
    expect(conversionProbability(plan(TUESDAY, promo), 12) / conversionProbability(plan(TUESDAY), 12)).toBeCloseTo(1.15, 10);
    expect(conversionProbability(plan(TUESDAY, { ...promo, lift: 20 }), 12)).toBe(SALES_MODEL.maxConversion);
  });

  it('a store’s own conversion factor scales its buyers: the same visitors, more or fewer receipts', () => {
    expect(conversionProbability(plan(TUESDAY), 12, 1.25) / conversionProbability(plan(TUESDAY), 12)).toBeCloseTo(1.25, 10);
    const dates = Array.from({ length: 14 }, (_, i) => addDays('2024-03-04', i));
    const [low, usual, high] = [0.7, 1, 1.25].map((f) => conversionOver(dates, null, f));
    expect(low.visitors).toBe(usual.visitors);
    expect(low.rate / usual.rate).toBeGreaterThan(0.6);
    expect(low.rate / usual.rate).toBeLessThan(0.8);
    expect(high.rate / usual.rate).toBeGreaterThan(1.15);
    expect(high.rate / usual.rate).toBeLessThan(1.35);
  });

  it('a simulated fortnight converts within a plausible band, higher at lunch than mid-afternoon', () => {
    const dates = Array.from({ length: 14 }, (_, i) => addDays('2024-03-04', i));
    const c = conversionOver(dates);
    expect(c.visitors).toBeGreaterThan(5000);
    expect(c.rate).toBeGreaterThan(0.18);
    expect(c.rate).toBeLessThan(0.3);
    for (const h of [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]) {
      expect(c.hour(h)).toBeGreaterThan(0.12);
      expect(c.hour(h)).toBeLessThan(0.4);
    }
    expect(c.hour(12)).toBeGreaterThan(c.hour(15) * 1.2);
  });

  it('a promotion raises the simulated conversion (and footfall) against the same days without it', () => {
    const dates = Array.from({ length: 14 }, (_, i) => addDays('2024-03-04', i));
    const promo = { first: dates[0], last: dates.at(-1)!, lift: 1.3 };
    const without = conversionOver(dates);
    const withPromo = conversionOver(dates, promo);
    expect(withPromo.visitors).toBeGreaterThan(without.visitors * 1.2);
    expect(withPromo.rate / without.rate).toBeGreaterThan(1.08);
    expect(withPromo.rate / without.rate).toBeLessThan(1.22);
  });

  it('pays between walking in and walking out, with plausible baskets, the same receipts every time', () => {
    const p = plan(TUESDAY);
    const day = synthesizeStoreDay(p, layout);
    const receipts = synthesizeStoreDaySales(p, day.events);
    expect(synthesizeStoreDaySales(p, day.events)).toEqual(receipts);
    const visit = new Map<string, { in: number; out: number }>();
    for (const e of day.events) {
      if (e.event.type !== 'entrance') continue;
      const v = visit.get(e.event.person_key!) ?? { in: 0, out: 0 };
      v[e.event.direction] = e.atMs;
      visit.set(e.event.person_key!, v);
    }
    for (const r of receipts) {
      const v = visit.get(r.receipt_id.replace(/_r$/, ''))!;
      expect(r.atMs).toBeGreaterThan(v.in);
      expect(r.atMs).toBeLessThan(v.out);
      expect(r.amount).toBeGreaterThanOrEqual(1);
      expect(r.amount).toBeLessThanOrEqual(SALES_MODEL.maxBasket);
    }
    const median = [...receipts.map((r) => r.amount)].sort((a, b) => a - b)[Math.floor(receipts.length / 2)];
    expect(median).toBeGreaterThan(SALES_MODEL.basketMedian * 0.8);
    expect(median).toBeLessThan(SALES_MODEL.basketMedian * 1.25);
    expect(new Set(receipts.map((r) => r.receipt_id)).size).toBe(receipts.length);
  });
});
