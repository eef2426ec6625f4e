import { estimatePromotionLift, type CountLift, type DayMetrics, type DidLift, type RatioLift } from './promotion-lift.estimator.ts';
import { seededRandom } from '../common/seeded-random.ts';
import { addDays, isoDow } from '../common/store-clock.ts';

const BOOT = { resamples: 2000, seed: 7 };

function day(date: string, m: Partial<DayMetrics>): DayMetrics {
  return {
    date,
    isoDow: isoDow(date),
    footfall: 0,
    interactions: 0,
    shelfDwellSeconds: 0,
    zoneEntries: 0,
    zoneDwellSeconds: 0,
    queueWaits: 0,
    queueWaitSeconds: 0,
    pairedTransactions: 0,
    pairedSalesAmount: 0,
    pairedFootfall: 0,
    ...m,
  };
}

describe('PromotionLiftEstimator', () => {
  // Promo: two days; baseline: the same two weekdays of the two previous weeks.
  const promo = [
    day('2024-03-18', { footfall: 100, interactions: 50, zoneEntries: 10, zoneDwellSeconds: 600 }),
    day('2024-03-19', { footfall: 120, interactions: 60, zoneEntries: 10, zoneDwellSeconds: 1200 }),
  ];
  const baseline = ['2024-03-04', '2024-03-05', '2024-03-11', '2024-03-12'].map((d) =>
    day(d, { footfall: 100, interactions: 40, zoneEntries: 10, zoneDwellSeconds: 600 }),
  );

  it('hand-worked counts: 110 vs 100 visitors a day, exact conditional test', () => {
    const r = estimatePromotionLift({ promo, baseline }, null, BOOT);
    const f = r.metrics.footfall as CountLift;
    expect(f).toMatchObject({ kind: 'count', promo: 110, baseline: 100, promo_total: 220, baseline_total: 400, method: 'poisson_exact', dispersion: 1 });
    expect(f.lift_abs).toBeCloseTo(10, 12);
    expect(f.lift_pct).toBeCloseTo(10, 12);
    // 220 of 620 visitors fell in the promo's 2 of 6 days; p0 = 1/3. SciPy: p = 0.2746, CI of the share [0.31714, 0.39393]
    expect(f.p_value).toBeCloseTo(0.27462274603733067, 8);
    expect(f.ci95_pct![0]).toBeCloseTo((0.9288537617354058 - 1) * 100, 5);
    expect(f.ci95_pct![1]).toBeCloseTo((1.2999407080486725 - 1) * 100, 5);
    expect(f.significant).toBe(false);
  });

  it('hand-worked means: interactions per visitor 0.5 vs 0.4, every resample agrees', () => {
    const r = estimatePromotionLift({ promo, baseline }, null, BOOT);
    const ipv = r.metrics.interactions_per_visitor as RatioLift;
    expect(ipv.promo).toBeCloseTo(0.5, 12); // 110/220 (both days are 0.5)
    expect(ipv.baseline).toBeCloseTo(0.4, 12);
    expect(ipv.lift_pct).toBeCloseTo(25, 10);
    expect(ipv.ci95_abs![0]).toBeCloseTo(0.1, 12);
    expect(ipv.ci95_abs![1]).toBeCloseTo(0.1, 12);
    expect(ipv.significant).toBe(true);
  });

  it('hand-worked dwell: days of 60 s and 120 s average 90 s, but two days cannot rule out no lift', () => {
    const r = estimatePromotionLift({ promo, baseline }, null, BOOT);
    const dwell = r.metrics.avg_dwell_seconds as RatioLift;
    expect(dwell.promo).toBe(90);
    expect(dwell.baseline).toBe(60);
    expect(dwell.lift_pct).toBeCloseTo(50, 12);
    // Resampling 2 days: both the 60 s day with probability ¼, so the 2.5% quantile of the lift is 0 and the 97.5% is 60.
    expect(dwell.ci95_abs).toEqual([0, 60]);
    expect(dwell.significant).toBe(false);
  });

  it('metrics without data say so instead of inventing a number', () => {
    const r = estimatePromotionLift({ promo, baseline }, null, BOOT);
    expect(r.metrics.avg_queue_wait_seconds).toEqual({ available: false, reason: 'no data in the baseline period' });
    expect(r.did).toBeNull();
  });

  it('conversion and sales per visitor: only days with sales count; none at all is unavailable, with a reason', () => {
    const r = estimatePromotionLift({ promo, baseline }, null, BOOT);
    expect(r.metrics.conversion_rate).toEqual({ available: false, reason: 'no sales beside complete footfall in the baseline period' });
    expect(r.metrics.sales_per_visitor).toEqual({ available: false, reason: 'no sales beside complete footfall in the baseline period' });
    // Sales from two baseline days (20% and 20%) and both promo days (25%); the other baseline days have no POS data.
    const sold = (d: DayMetrics, rate: number) => ({ ...d, pairedTransactions: rate * 100, pairedSalesAmount: rate * 1000, pairedFootfall: 100 });
    const withSales = {
      promo: promo.map((d) => sold(d, 0.25)),
      baseline: baseline.map((d, i) => (i < 2 ? sold(d, 0.2) : d)),
    };
    const s = estimatePromotionLift(withSales, null, BOOT);
    const conv = s.metrics.conversion_rate as RatioLift;
    // Were the days without sales counted as zero, the baseline would be 0.1 and the lift +150%.
    expect(conv).toMatchObject({ kind: 'ratio', promo: 0.25, baseline: 0.2, method: 'bootstrap_days' });
    expect(conv.lift_pct).toBeCloseTo(25, 10);
    expect(conv.ci95_pct![0]).toBeCloseTo(25, 10); // every resampled day has the same rate
    expect((s.metrics.sales_per_visitor as RatioLift).promo).toBeCloseTo(2.5, 12);
    expect(estimatePromotionLift({ promo, baseline: withSales.baseline }, null, BOOT).metrics.conversion_rate).toEqual({
      available: false,
      reason: 'no sales beside complete footfall in the promotion period',
    });
  });

  it('is reproducible: same input and seed, same intervals', () => {
    expect(estimatePromotionLift({ promo, baseline }, null, BOOT)).toEqual(estimatePromotionLift({ promo, baseline }, null, BOOT));
  });

  it('recovers a known +25% interaction lift, and no footfall lift, in synthetic data; DiD nets out a shared trend', () => {
    const random = seededRandom(11);
    const poisson = (lambda: number) =>
      Math.max(0, Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
    const binomial = (n: number, p: number) =>
      Math.max(0, Math.min(n, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()))));
    const mk = (date: string, trend: number, interactionRate: number): DayMetrics => {
      const footfall = poisson(500 * trend);
      const interactions = binomial(footfall, interactionRate);
      return day(date, {
        footfall,
        interactions,
        shelfDwellSeconds: interactions * 12,
        zoneEntries: footfall,
        zoneDwellSeconds: footfall * (95 + 10 * (random() - 0.5)),
      });
    };
    const promoDates = Array.from({ length: 7 }, (_, i) => addDays('2024-04-01', i));
    const baseDates = promoDates.flatMap((d) => [1, 2, 3, 4].map((w) => addDays(d, -7 * w)));
    // Everyone saw 10% more traffic in the promo week (school holidays); only the target had the promotion.
    const target = { promo: promoDates.map((d) => mk(d, 1.1, 0.3 * 1.25)), baseline: baseDates.map((d) => mk(d, 1, 0.3)) };
    const control = { promo: promoDates.map((d) => mk(d, 1.1, 0.3)), baseline: baseDates.map((d) => mk(d, 1, 0.3)) };
    const r = estimatePromotionLift(target, control, BOOT);

    const ipv = r.metrics.interactions_per_visitor as RatioLift;
    expect(ipv.ci95_pct![0]).toBeLessThan(25);
    expect(ipv.ci95_pct![1]).toBeGreaterThan(25);
    expect(ipv.significant).toBe(true);

    const inter = r.metrics.shelf_interactions as CountLift; // 1.1 × 1.25 = +37.5% raw
    expect(inter.ci95_pct![0]).toBeLessThan(37.5);
    expect(inter.ci95_pct![1]).toBeGreaterThan(37.5);

    const foot = r.metrics.footfall as CountLift; // +10% raw: the shared trend
    expect(foot.ci95_pct![0]).toBeLessThan(10);
    expect(foot.ci95_pct![1]).toBeGreaterThan(10);

    const didFoot = r.did!.footfall as DidLift; // net of the trend: no lift
    expect(didFoot.ci95_pct![0]).toBeLessThan(0);
    expect(didFoot.ci95_pct![1]).toBeGreaterThan(0);
    expect(didFoot.significant).toBe(false);
    const didInter = r.did!.shelf_interactions as DidLift; // net of the trend: +25%
    expect(didInter.ci95_pct![0]).toBeLessThan(25);
    expect(didInter.ci95_pct![1]).toBeGreaterThan(25);
    expect(didInter.significant).toBe(true);
    const didDwell = r.did!.avg_dwell_seconds as DidLift; // dwell did not move anywhere
    expect(didDwell.ci95_pct![0]).toBeLessThan(0);
    expect(didDwell.ci95_pct![1]).toBeGreaterThan(0);
  });
});
