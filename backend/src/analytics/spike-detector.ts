import { MAD_TO_SIGMA, median, medianAbsoluteDeviation } from './statistics/robust-baseline.ts';
import { regularizedBeta } from './statistics/special-functions.ts';
import { addDays } from '../common/store-clock.ts';

/** One store-local hour of footfall. */
export interface HourCount {
  /** UTC instant (ms) at which the store-local hour starts. */
  utc: number;
  localDate: string;
  localHour: number;
  /** null: the store recorded nothing at all that day (cameras off, or before its history starts) — unknown, not 0. */
  count: number | null;
  /**
   * The hour was not really analysed (its store completeness below MIN_COMPLETENESS, from heartbeats): its count
   * undercounts, so it is left out of every baseline and is not judged itself.
   */
  incomplete?: boolean;
}

export interface SpikeDetectorOptions {
  /** Robust threshold: a spike exceeds median + k·1.4826·MAD of its baseline. */
  k: number;
  /**
   * Count-aware floor: the count must also be improbable as Poisson noise around the expected count,
   * P(X ≥ count) < alpha. Per hour: 1e-4 is about one false alarm per store in 14 months of hours.
   */
  alpha: number;
  /** And exceed the expected count by at least this many visitors. */
  minExcess: number;
  /** Expected counts below this are raised to it for the Poisson floor (a closed-hours median of 0 is not "never"). */
  lambdaFloor: number;
  /** Weeks of history for the same weekday and hour. */
  baselineWeeks: number;
  /** Fewer same-weekday points than this → fall back to the same hour on the previous `fallbackDays` days. */
  minBaselinePoints: number;
  fallbackDays: number;
  /**
   * Hours expecting fewer visitors than this are "sparse": eight weekly points of 0–2 visitors can be low by
   * chance, so such an hour must also be improbable against the same hour of the previous fallbackDays days.
   */
  sparseBelow: number;
}

export const SPIKE_DEFAULTS: SpikeDetectorOptions = {
  k: 3,
  alpha: 0.0001,
  minExcess: 3,
  lambdaFloor: 0.5,
  baselineWeeks: 8,
  minBaselinePoints: 3,
  fallbackDays: 14,
  sparseBelow: 5,
};

export type BaselineKind = 'same_weekday_hour' | 'same_hour_recent_days';

export interface HourAssessment {
  /** The count this hour usually has: max(median, trimmed mean) of its baseline. */
  expected: number | null;
  /** Smallest count that would have been flagged. */
  threshold: number | null;
  /** (count − expected) / max(1.4826·MAD, √expected): noise units above normal, Poisson noise being the least. */
  score: number | null;
  /** P(X ≥ count) under the baseline's predictive distribution (see predictiveUpperTail); the larger of the two baselines'. */
  pValue: number | null;
  spike: boolean;
  baseline: BaselineKind | null;
  baselinePoints: number;
}

/**
 * Judges one hour's count against its baseline counts. `guard`, when given, is a second baseline (the same
 * hour on recent days, whatever the weekday) that a sparse hour's count must also be improbable against:
 * with a few visitors an hour, eight weekly points can be low by chance, and a quiet store must not flag
 * noise because of that. Busier hours are judged by their weekday alone (weekends would inflate the guard).
 */
export function assessHour(
  count: number,
  baseline: readonly number[],
  opts: SpikeDetectorOptions = SPIKE_DEFAULTS,
  guard: readonly number[] = [],
): Omit<HourAssessment, 'baseline' | 'baselinePoints'> {
  const center = median(baseline);
  const sigma = MAD_TO_SIGMA * medianAbsoluteDeviation(baseline);
  // The median of a few Poisson counts often lands below their mean; the trimmed mean is the better
  // estimate of the rate, and using the larger keeps ordinary busy hours from looking improbable.
  const expected = Math.max(center, trimmedMean(baseline));
  const lambda = Math.max(expected, opts.lambdaFloor);
  let threshold = Math.max(
    Math.floor(center + opts.k * sigma) + 1, // strictly above median + k·σ
    Math.ceil(expected + opts.minExcess),
    smallestImprobableCount(lambda, baseline.length, opts.alpha),
  );
  let pValue = predictiveUpperTail(count, lambda, baseline.length);
  if (expected < opts.sparseBelow && guard.length >= opts.minBaselinePoints) {
    const guardLambda = Math.max(median(guard), trimmedMean(guard), opts.lambdaFloor);
    threshold = Math.max(threshold, smallestImprobableCount(guardLambda, guard.length, opts.alpha));
    pValue = Math.max(pValue, predictiveUpperTail(count, guardLambda, guard.length));
  }
  return {
    expected,
    threshold,
    score: (count - expected) / Math.max(sigma, Math.sqrt(lambda)),
    pValue,
    spike: count >= threshold,
  };
}

/** Mean without the lowest and highest value (from 5 values up): one past spike or outage cannot move it much. */
export function trimmedMean(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const kept = s.length >= 5 ? s.slice(1, -1) : s;
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/**
 * P(X ≥ c) for the next hour's count when its n baseline hours averaged λ: the Poisson–Gamma posterior
 * predictive (Jeffreys prior), a negative binomial with r = nλ + ½, p = n/(n+1). It is Poisson(λ) widened by
 * the uncertainty of λ itself — which matters with the 3–8 baseline points a spike report has.
 */
export function predictiveUpperTail(c: number, lambda: number, n: number): number {
  if (c <= 0) return 1;
  return regularizedBeta(1 / (n + 1), c, n * lambda + 0.5);
}

/** Smallest c with predictive P(X ≥ c) < alpha, by bisection (the tail falls monotonically in c). */
export function smallestImprobableCount(lambda: number, n: number, alpha: number): number {
  let lo = Math.floor(lambda); // P(X ≥ ⌊λ⌋) is near 1/2: never improbable
  let hi = Math.ceil(lambda + 10 * Math.sqrt(lambda) + 20);
  while (predictiveUpperTail(hi, lambda, n) >= alpha) hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (predictiveUpperTail(mid, lambda, n) < alpha) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Flags spikes in the hours at or after `fromUtc`. Each hour's baseline is the same store-local weekday and
 * hour in the previous `baselineWeeks` weeks; with fewer than `minBaselinePoints` of those (a young store),
 * the same hour on the previous `fallbackDays` days. Days without data are left out of baselines, so an
 * outage does not drag the expected count down; so are hours marked `incomplete` (under-covered). `history` must
 * include the baseline period.
 */
export function detectSpikes(history: readonly HourCount[], fromUtc: number, opts: SpikeDetectorOptions = SPIKE_DEFAULTS): (HourCount & HourAssessment)[] {
  // The repeated hour of a DST fall-back day keys to its first occurrence: one baseline point out of many.
  const byLocal = new Map<string, number | null>();
  for (const h of history) {
    const key = `${h.localDate}|${h.localHour}`;
    if (!byLocal.has(key)) byLocal.set(key, h.incomplete ? null : h.count);
  }
  const pick = (date: string, hour: number, offsets: number[]) =>
    offsets.map((o) => byLocal.get(`${addDays(date, -o)}|${hour}`)).filter((v): v is number => typeof v === 'number');
  const weekly = Array.from({ length: opts.baselineWeeks }, (_, i) => 7 * (i + 1));
  const daily = Array.from({ length: opts.fallbackDays }, (_, i) => i + 1);

  return history
    .filter((h) => h.utc >= fromUtc)
    .map((h) => {
      const none: HourAssessment = { expected: null, threshold: null, score: null, pValue: null, spike: false, baseline: null, baselinePoints: 0 };
      const recent = pick(h.localDate, h.localHour, daily);
      let baseline = pick(h.localDate, h.localHour, weekly);
      let kind: BaselineKind = 'same_weekday_hour';
      if (baseline.length < opts.minBaselinePoints) {
        baseline = recent;
        kind = 'same_hour_recent_days';
      }
      if (baseline.length < opts.minBaselinePoints) return { ...h, ...none };
      if (h.count === null || h.incomplete)
        return { ...h, ...none, baseline: kind, baselinePoints: baseline.length, expected: Math.max(median(baseline), trimmedMean(baseline)) };
      const guard = kind === 'same_weekday_hour' ? recent : [];
      return { ...h, ...assessHour(h.count, baseline, opts, guard), baseline: kind, baselinePoints: baseline.length };
    });
}
