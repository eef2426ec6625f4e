import type { CountLift, DidLift, MetricName, RatioLift, Unavailable } from '../../../shared/src/read-contract.ts';
import { bootstrapDays, ratioOfSums, type DayRatio } from './statistics/day-bootstrap.ts';
import { compareRates, contrastRateRatios, poissonDispersion } from './statistics/poisson-rate-test.ts';

/** One store-day of the metrics a promotion report compares (filters for shelf/zone already applied). */
export interface DayMetrics {
  date: string;
  isoDow: number;
  footfall: number;
  interactions: number;
  shelfDwellSeconds: number;
  zoneEntries: number;
  zoneDwellSeconds: number;
  queueWaits: number;
  queueWaitSeconds: number;
  /** The day's sales and footfall over its hours that pair both sides (sales-measures.ts); all 0 without sales. */
  pairedTransactions: number;
  pairedSalesAmount: number;
  pairedFootfall: number;
}

export interface PeriodPair {
  promo: readonly DayMetrics[];
  baseline: readonly DayMetrics[];
}

// The lift shapes are declared once, in the read contract shared with the web dashboard.
export type { CountLift, DidLift, MetricName, RatioLift } from '../../../shared/src/read-contract.ts';

export interface PromotionLift {
  metrics: Record<MetricName, CountLift | RatioLift | Unavailable>;
  did: Record<MetricName, DidLift | Unavailable> | null;
}

const COUNTS: { name: MetricName; value: (d: DayMetrics) => number }[] = [
  { name: 'footfall', value: (d) => d.footfall },
  { name: 'shelf_interactions', value: (d) => d.interactions },
];

/**
 * `sales`: made only from the days with paired sales hours — a day without sales data (POS not connected yet, feed
 * down) is missing for these, not a day on which nobody bought.
 */
const RATIOS: { name: MetricName; num: (d: DayMetrics) => number; den: (d: DayMetrics) => number; sales?: true }[] = [
  { name: 'interactions_per_visitor', num: (d) => d.interactions, den: (d) => d.footfall },
  { name: 'avg_dwell_seconds', num: (d) => d.zoneDwellSeconds, den: (d) => d.zoneEntries },
  { name: 'avg_shelf_dwell_seconds', num: (d) => d.shelfDwellSeconds, den: (d) => d.interactions },
  { name: 'avg_queue_wait_seconds', num: (d) => d.queueWaitSeconds, den: (d) => d.queueWaits },
  { name: 'conversion_rate', num: (d) => d.pairedTransactions, den: (d) => d.pairedFootfall, sales: true },
  { name: 'sales_per_visitor', num: (d) => d.pairedSalesAmount, den: (d) => d.pairedFootfall, sales: true },
];

const pct = (ratio: number) => (ratio - 1) * 100;
const sum = (days: readonly DayMetrics[], f: (d: DayMetrics) => number) => days.reduce((a, d) => a + f(d), 0);

/** Overdispersion of a count, from the baseline days grouped by weekday. */
function dispersionOf(days: readonly DayMetrics[], f: (d: DayMetrics) => number): number {
  const groups = new Map<number, number[]>();
  for (const d of days) groups.set(d.isoDow, [...(groups.get(d.isoDow) ?? []), f(d)]);
  return poissonDispersion([...groups.values()]);
}

/**
 * The promotion period against its baseline, per metric: counts per day with a (quasi-)Poisson rate test,
 * means (ratios of daily sums) with a day-level bootstrap; with control stores also a difference-in-differences
 * estimate. Pure: the same input and seed give the same numbers.
 */
export function estimatePromotionLift(target: PeriodPair, control: PeriodPair | null, opts: { resamples: number; seed: number }): PromotionLift {
  const metrics = {} as PromotionLift['metrics'];
  const did = control ? ({} as NonNullable<PromotionLift['did']>) : null;

  for (const { name, value } of COUNTS) {
    const promoTotal = sum(target.promo, value);
    const baseTotal = sum(target.baseline, value);
    if (baseTotal === 0) {
      metrics[name] = { available: false, reason: 'no events in the baseline period' };
      if (did) did[name] = { available: false, reason: 'no events in the baseline period' };
      continue;
    }
    const dispersion = dispersionOf(target.baseline, value);
    const test = compareRates({ count: promoTotal, exposure: target.promo.length }, { count: baseTotal, exposure: target.baseline.length }, dispersion);
    const [lo, hi] = test.ci95 ?? [NaN, NaN];
    metrics[name] = {
      kind: 'count',
      unit: 'per_day',
      promo: test.rate,
      baseline: test.baselineRate,
      promo_total: promoTotal,
      baseline_total: baseTotal,
      lift_abs: test.rate - test.baselineRate,
      lift_pct: test.rateRatio === null ? null : pct(test.rateRatio),
      ci95_pct: test.ci95 ? [pct(lo), Number.isFinite(hi) ? pct(hi) : null] : null,
      p_value: test.pValue,
      method: test.method,
      dispersion: test.dispersion,
      significant: test.ci95 !== null && (lo > 1 || hi < 1),
    };
    if (did && control) {
      const c = contrastRateRatios(
        { test: { count: promoTotal, exposure: target.promo.length }, baseline: { count: baseTotal, exposure: target.baseline.length }, dispersion },
        {
          test: { count: sum(control.promo, value), exposure: control.promo.length },
          baseline: { count: sum(control.baseline, value), exposure: control.baseline.length },
          dispersion: dispersionOf(control.baseline, value),
        },
      );
      did[name] =
        c.ratioOfRatios === null
          ? { available: false, reason: 'a period of the target or the control stores has no events' }
          : {
              lift_pct: pct(c.ratioOfRatios),
              ci95_pct: [pct(c.ci95![0]), pct(c.ci95![1])],
              p_value: c.pValue,
              method: 'log_rate_ratio_contrast',
              significant: c.ci95![0] > 1 || c.ci95![1] < 1,
            };
    }
  }

  for (const { name, num, den, sales } of RATIOS) {
    const days = (ds: readonly DayMetrics[]): DayRatio[] => ds.flatMap((d) => (sales && den(d) === 0 ? [] : [{ num: num(d), den: den(d) }]));
    const p = days(target.promo);
    const b = days(target.baseline);
    const rp = ratioOfSums(p);
    const rb = ratioOfSums(b);
    if (!Number.isFinite(rp) || !Number.isFinite(rb) || rb === 0) {
      const what = sales ? 'no sales beside complete footfall' : 'no data';
      const reason = !Number.isFinite(rb) || rb === 0 ? `${what} in the baseline period` : `${what} in the promotion period`;
      metrics[name] = { available: false, reason };
      if (did) did[name] = { available: false, reason };
      continue;
    }
    // One seed for both statistics: the same resampled days give the absolute and the relative interval.
    const abs = bootstrapDays([p, b], ([x, y]) => x - y, opts);
    const rel = bootstrapDays([p, b], ([x, y]) => pct(x / y), opts);
    metrics[name] = {
      kind: 'ratio',
      promo: rp,
      baseline: rb,
      lift_abs: rp - rb,
      lift_pct: pct(rp / rb),
      ci95_abs: abs.ci95,
      ci95_pct: rel.ci95,
      method: 'bootstrap_days',
      resamples: opts.resamples,
      seed: opts.seed,
      significant: abs.ci95 ? abs.ci95[0] > 0 || abs.ci95[1] < 0 : null,
    };
    if (did && control) {
      const cp = days(control.promo);
      const cb = days(control.baseline);
      if (!(ratioOfSums(cp) > 0) || !(ratioOfSums(cb) > 0)) {
        did[name] = { available: false, reason: 'the control stores have no data for this metric in one of the periods' };
        continue;
      }
      const d = bootstrapDays([p, b, cp, cb], ([tp, tb, xp, xb]) => pct(tp / tb / (xp / xb)), opts);
      did[name] = {
        lift_pct: d.estimate,
        ci95_pct: d.ci95,
        p_value: null,
        method: 'bootstrap_days',
        significant: d.ci95 ? d.ci95[0] > 0 || d.ci95[1] < 0 : null,
      };
    }
  }
  return { metrics, did };
}
