import { SeededRandom } from '../../backend/src/common/seeded-random.ts';
import { datesBetween, isoDow, localDate, localMinuteAt } from '../../backend/src/common/store-clock.ts';
import { SIMULATED_CAMERAS, SIMULATED_STORE_PROFILES, layoutFromCameras, type StoreProfile } from './store-layout.ts';
import {
  HOURLY_FACTORS,
  LAST_ENTRY_MINUTES_BEFORE_CLOSE,
  SPIKE_MULTIPLIER_RANGE,
  WEEKDAY_FACTORS,
  arrivals,
  expectedVisitors,
  hoursOf,
  planDay,
  visitorsPerHour,
  weeklyHours,
  type DayPlanInput,
  type Promotion,
} from './traffic-model.ts';
import { synthesizeStoreDay } from './visitor-journey.ts';

const LONDON = SIMULATED_STORE_PROFILES[0];
const layout = layoutFromCameras(SIMULATED_CAMERAS);

function input(profile: StoreProfile, date: string, over: Partial<DayPlanInput> = {}): DayPlanInput {
  return {
    seed: 'test',
    storeId: 'sim_store_001',
    timezone: profile.timezone,
    date,
    peakVisitorsPerHour: 60,
    openingHours: profile.openingHours,
    spikeProbability: 0,
    ...over,
  };
}

/** Arrivals counted by store-local weekday and hour over a span of days. */
function arrivalsByWeekdayHour(profile: StoreProfile, dates: string[]): number[][] {
  const counts = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const date of dates) {
    const plan = planDay(input(profile, date));
    for (const a of arrivals(plan, new SeededRandom(`arrivals|${date}`))) counts[plan.weekday][Math.floor(localMinuteAt(a.atMs, plan.timezone) / 60)]++;
  }
  return counts;
}

describe('traffic model: seasonality', () => {
  it('peaks at the configured rate on Saturday at 17:00 and nowhere higher', () => {
    const saturday = planDay(input(LONDON, '2024-03-09'));
    expect(saturday.weekday).toBe(6);
    expect(visitorsPerHour(saturday, 17 * 60)).toBe(60);
    let max = 0;
    for (const date of datesBetween('2024-03-04', '2024-03-10')) {
      const plan = planDay(input(LONDON, date));
      for (let m = 0; m < 1440; m += 15) max = Math.max(max, visitorsPerHour(plan, m));
    }
    expect(max).toBe(60);
    expect(Math.max(...WEEKDAY_FACTORS)).toBe(1);
    expect(Math.max(...HOURLY_FACTORS)).toBe(1);
  });

  it('brings more visitors on Saturday afternoons than on Monday mornings', () => {
    const counts = arrivalsByWeekdayHour(LONDON, datesBetween('2024-01-01', '2024-02-25')); // 8 full weeks
    const saturdayAfternoons = [14, 15, 16, 17].reduce((s, h) => s + counts[6][h], 0);
    const mondayMornings = [9, 10, 11, 12].reduce((s, h) => s + counts[1][h], 0);
    // Expected per week: Saturday 60·1.0·(0.72+0.8+0.95+1.0) ≈ 208, Monday 60·0.7·(0.35+0.5+0.65+0.85) ≈ 99.
    expect(saturdayAfternoons).toBeGreaterThan(8 * 180);
    expect(mondayMornings).toBeLessThan(8 * 120);
    expect(saturdayAfternoons / mondayMornings).toBeGreaterThan(1.7);
  });

  it('matches the expected daily count of the Poisson process over many days', () => {
    let observed = 0;
    let expected = 0;
    for (const date of datesBetween('2024-01-01', '2024-01-28')) {
      const plan = planDay(input(LONDON, date));
      observed += arrivals(plan, new SeededRandom(date)).length;
      expected += expectedVisitors(plan);
    }
    expect(Math.abs(observed / expected - 1)).toBeLessThan(0.03);
  });
});

describe('traffic model: opening hours in store-local time', () => {
  // The days around the 2024 daylight-saving changes of London (31 Mar, 27 Oct) and Los Angeles (10 Mar, 3 Nov).
  const dates = [
    '2024-03-09',
    '2024-03-10',
    '2024-03-11',
    '2024-03-30',
    '2024-03-31',
    '2024-04-01',
    '2024-10-26',
    '2024-10-27',
    '2024-10-28',
    '2024-11-02',
    '2024-11-03',
    '2024-11-04',
  ];

  it.each(SIMULATED_STORE_PROFILES.map((p) => [p.timezone, p] as const))("%s: every event lies within that day's opening hours", (_tz, profile) => {
    let stamps = 0;
    const outside: string[] = [];
    for (const date of dates) {
      const plan = planDay(input(profile, date, { spikeProbability: 0.5, peakVisitorsPerHour: 30 }));
      const hours = profile.openingHours[isoDow(date) % 7]!;
      for (const { event } of synthesizeStoreDay(plan, layout).events) {
        for (const stamp of [event.ts, ...('enter_ts' in event ? [event.enter_ts, event.exit_ts] : [])]) {
          const ms = Date.parse(stamp);
          const minute = localMinuteAt(ms, profile.timezone);
          if (localDate(ms, profile.timezone) !== date || minute < hours.open || minute > hours.close) outside.push(`${date}: ${event.type} at ${stamp}`);
          stamps++;
        }
      }
    }
    expect(outside).toEqual([]);
    expect(stamps).toBeGreaterThan(5000);
  });

  it('lets nobody in during the last minutes before closing, and nobody at all on a closed day', () => {
    const plan = planDay(input(LONDON, '2024-03-05'));
    expect(visitorsPerHour(plan, 20 * 60 - LAST_ENTRY_MINUTES_BEFORE_CLOSE)).toBe(0);
    expect(visitorsPerHour(plan, 9 * 60 - 1)).toBe(0);
    const closedSundays: StoreProfile = { ...LONDON, openingHours: weeklyHours(hoursOf('09:00', '20:00'), hoursOf('09:00', '18:00'), null) };
    const sunday = planDay(input(closedSundays, '2024-03-10'));
    expect(sunday.hours).toBeNull();
    expect(synthesizeStoreDay(sunday, layout)).toEqual({ visitors: 0, events: [] });
  });
});

describe('traffic model: promotion lift', () => {
  const promotion: Promotion = { first: '2024-02-05', last: '2024-03-03', lift: 1.3 }; // weeks 5-8 of 12

  it('recovers the lift on footfall and on shelf interactions per visitor over a long window', () => {
    const totals = { in: { arrivals: 0, base: 0, visitors: 0, shelf: 0 }, out: { arrivals: 0, base: 0, visitors: 0, shelf: 0 } };
    for (const date of datesBetween('2024-01-08', '2024-03-31')) {
      // Footfall from the arrival process alone at a high rate (little Poisson noise); shelves from whole journeys.
      const busy = planDay(input(LONDON, date, { promotion, peakVisitorsPerHour: 200 }));
      const side = busy.promoLift > 1 ? totals.in : totals.out;
      side.arrivals += arrivals(busy, new SeededRandom(`lift|${date}`)).length;
      side.base += expectedVisitors({ ...busy, promoLift: 1 });
      const day = synthesizeStoreDay(planDay(input(LONDON, date, { promotion, peakVisitorsPerHour: 40 })), layout);
      side.visitors += day.visitors;
      side.shelf += day.events.filter((e) => e.event.type === 'shelf').length;
    }
    const footfallLift = totals.in.arrivals / totals.in.base / (totals.out.arrivals / totals.out.base);
    const shelfLift = totals.in.shelf / totals.in.visitors / (totals.out.shelf / totals.out.visitors);
    expect(Math.abs(footfallLift - 1.3)).toBeLessThan(0.03);
    // Shelf stops that would overrun the department visit are cut, so the recovered lift sits a little under 1.3.
    expect(shelfLift).toBeGreaterThan(1.3 - 0.07);
    expect(shelfLift).toBeLessThan(1.3 + 0.04);
  });

  it("applies only on the promotion's store-local dates, inclusive", () => {
    expect(planDay(input(LONDON, '2024-02-04', { promotion })).promoLift).toBe(1);
    expect(planDay(input(LONDON, '2024-02-05', { promotion })).promoLift).toBe(1.3);
    expect(planDay(input(LONDON, '2024-03-03', { promotion })).promoLift).toBe(1.3);
    expect(planDay(input(LONDON, '2024-03-04', { promotion })).promoLift).toBe(1);
  });
});

describe('traffic model: spikes', () => {
  it('plants one spike hour inside opening hours on store-days drawn with the given probability', () => {
    const dates = datesBetween('2024-01-01', '2024-12-31');
    const spikes = dates.map((d) => planDay(input(LONDON, d, { spikeProbability: 0.05 })).spike).filter((s) => s !== null);
    expect(spikes.length).toBeGreaterThan(366 * 0.05 - 3 * Math.sqrt(366 * 0.05 * 0.95));
    expect(spikes.length).toBeLessThan(366 * 0.05 + 3 * Math.sqrt(366 * 0.05 * 0.95));
    for (const d of dates) {
      const plan = planDay(input(LONDON, d, { spikeProbability: 1 }));
      const hours = plan.hours!;
      expect(plan.spike!.hour * 60).toBeGreaterThanOrEqual(hours.open);
      expect(plan.spike!.hour * 60 + 60).toBeLessThanOrEqual(hours.close);
      expect(plan.spike!.multiplier).toBeGreaterThanOrEqual(SPIKE_MULTIPLIER_RANGE[0]);
      expect(plan.spike!.multiplier).toBeLessThanOrEqual(SPIKE_MULTIPLIER_RANGE[1]);
    }
    expect(planDay(input(LONDON, '2024-03-09', { spikeProbability: 0 })).spike).toBeNull();
  });

  it('multiplies the arrivals of the spike hour', () => {
    const plan = planDay(input(LONDON, '2024-03-06', { spikeProbability: 1 }));
    const calm = { ...plan, spike: null };
    const h = plan.spike!.hour;
    expect(visitorsPerHour(plan, h * 60 + 30) / visitorsPerHour(calm, h * 60 + 30)).toBeCloseTo(plan.spike!.multiplier, 10);
    expect(visitorsPerHour(plan, (h + 1) * 60 + 30)).toBe(visitorsPerHour(calm, (h + 1) * 60 + 30));
  });

  it('plants spikes on a fixed rhythm of dates: at least one in any 7 days, the same whatever the run day, none on a closed day', () => {
    const planted = { everyDays: 6, hour: 15, multiplier: 3 };
    const dates = datesBetween('2024-01-01', '2024-12-31');
    const spiked = dates.filter((d) => planDay(input(LONDON, d, { plantedSpikes: planted })).spike !== null);
    expect(spiked).toEqual(dates.filter((d) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000) % 6 === 0));
    for (let i = 0; i + 7 <= dates.length; i++) expect(dates.slice(i, i + 7).some((d) => spiked.includes(d))).toBe(true);
    expect(planDay(input(LONDON, spiked[0], { plantedSpikes: planted, spikeProbability: 1 })).spike).toEqual({ hour: 15, multiplier: 3 });
    // Outside the day's opening hours nothing is planted (22:00 is after closing).
    expect(planDay(input(LONDON, spiked[0], { plantedSpikes: { ...planted, hour: 22 } })).spike).toBeNull();
  });

  it("keeps a day's spike when only the rate changes", () => {
    const a = planDay(input(LONDON, '2024-05-17', { spikeProbability: 1, peakVisitorsPerHour: 10 }));
    const b = planDay(input(LONDON, '2024-05-17', { spikeProbability: 1, peakVisitorsPerHour: 500 }));
    expect(b.spike).toEqual(a.spike);
  });
});

describe('traffic model: determinism', () => {
  const day = (seed: string, date = '2024-03-09') => synthesizeStoreDay(planDay(input(LONDON, date, { seed, spikeProbability: 0.3 })), layout);

  it('gives the same events, ids included, for the same seed', () => {
    const a = day('alpha');
    expect(a.events.length).toBeGreaterThan(500);
    expect(day('alpha')).toEqual(a);
  });

  it('gives other events and other ids for another seed', () => {
    const a = day('alpha');
    const b = day('beta');
    expect(b.events.map((e) => e.event.ts)).not.toEqual(a.events.map((e) => e.event.ts));
    const ids = new Set(a.events.map((e) => e.event.event_id));
    expect(b.events.some((e) => ids.has(e.event.event_id))).toBe(false);
  });

  it('makes each store-day on its own: another day does not change this one', () => {
    // A run over 2 days and a run over 7 days agree on the days they share, so re-runs de-duplicate.
    expect(day('alpha', '2024-03-09')).toEqual(day('alpha', '2024-03-09'));
    const other = day('alpha', '2024-03-10');
    const ids = new Set(day('alpha', '2024-03-09').events.map((e) => e.event.event_id));
    expect(other.events.some((e) => ids.has(e.event.event_id))).toBe(false);
  });
});
