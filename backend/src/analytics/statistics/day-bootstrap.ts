import { quantile } from './robust-baseline.ts';
import { seededRandom } from '../../common/seeded-random.ts';

/** One day's contribution to a ratio metric, e.g. dwell seconds (num) over zone entries (den). */
export interface DayRatio {
  num: number;
  den: number;
}

export interface BootstrapResult {
  /** The statistic on the observed days. */
  estimate: number;
  /** Percentile 95% interval; null when too few resamples gave a finite value. */
  ci95: [number, number] | null;
  resamples: number;
  seed: number;
}

/** Σnum / Σden; NaN when the denominator is 0. */
export function ratioOfSums(days: readonly DayRatio[]): number {
  let num = 0;
  let den = 0;
  for (const d of days) {
    num += d.num;
    den += d.den;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * Percentile bootstrap over days. Each group (e.g. promo days, baseline days, and for a
 * difference-in-differences the control stores' days) is resampled with replacement on its own; the
 * statistic gets each group's ratio of sums. Resampling whole days keeps the correlation between visits
 * of the same day (weather, events) inside the interval, which a per-visit bootstrap would ignore.
 */
export function bootstrapDays(
  groups: readonly (readonly DayRatio[])[],
  statistic: (groupRatios: number[]) => number,
  opts: { resamples: number; seed: number },
): BootstrapResult {
  const estimate = statistic(groups.map(ratioOfSums));
  const random = seededRandom(opts.seed);
  const values: number[] = [];
  const scratch: DayRatio[] = [];
  for (let r = 0; r < opts.resamples; r++) {
    const ratios = groups.map((days) => {
      scratch.length = 0;
      for (let i = 0; i < days.length; i++) scratch.push(days[Math.floor(random() * days.length)]);
      return ratioOfSums(scratch);
    });
    const v = statistic(ratios);
    if (Number.isFinite(v)) values.push(v);
  }
  // A resample whose denominator came out 0 has no value; if many do, the interval would be biased.
  if (values.length < opts.resamples * 0.9) return { estimate, ci95: null, resamples: opts.resamples, seed: opts.seed };
  values.sort((a, b) => a - b);
  return { estimate, ci95: [quantile(values, 0.025), quantile(values, 0.975)], resamples: opts.resamples, seed: opts.seed };
}
