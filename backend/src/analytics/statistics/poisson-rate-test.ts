import { binomialCdf, binomialUpperTail, inverseRegularizedBeta, normalCdf, Z_975 } from './special-functions.ts';

/** A count observed over an exposure (here: days), e.g. 1 250 visitors in 7 days. */
export interface CountOverExposure {
  count: number;
  exposure: number;
}

export interface RateComparison {
  /** count/exposure of the period under test and of the baseline. */
  rate: number;
  baselineRate: number;
  /** rate / baselineRate; null when the baseline rate is 0. */
  rateRatio: number | null;
  /** 95% interval of the rate ratio; the upper end is Infinity when the baseline count is 0. */
  ci95: [number, number] | null;
  pValue: number;
  method: 'poisson_exact' | 'quasi_poisson';
  /** Overdispersion factor φ used (1 = pure Poisson). */
  dispersion: number;
}

/**
 * Compares two Poisson rates. With φ = 1: the exact conditional test — given n = c₁ + c₂ events,
 * c₁ ~ Binomial(n, t₁/(t₁+t₂)) under "same rate" — with a two-sided p-value (twice the smaller tail) and the
 * Clopper–Pearson interval mapped to the rate ratio. With φ > 1 (day-to-day variation beyond Poisson, the
 * usual case for footfall) an exact Poisson test would be far too confident, so the quasi-Poisson Wald test
 * on log(rate ratio) with variance φ·(1/c₁ + 1/c₂) is used instead.
 */
export function compareRates(test: CountOverExposure, baseline: CountOverExposure, dispersion = 1): RateComparison {
  const rate = test.count / test.exposure;
  const baselineRate = baseline.count / baseline.exposure;
  const rateRatio = baselineRate > 0 ? rate / baselineRate : null;
  const phi = Math.max(1, dispersion);
  if (phi > 1 && test.count > 0 && baseline.count > 0) {
    const logRr = Math.log(rateRatio!);
    const se = Math.sqrt(phi * (1 / test.count + 1 / baseline.count));
    return {
      rate,
      baselineRate,
      rateRatio,
      method: 'quasi_poisson',
      dispersion: phi,
      ci95: [Math.exp(logRr - Z_975 * se), Math.exp(logRr + Z_975 * se)],
      pValue: 2 * (1 - normalCdf(Math.abs(logRr) / se)),
    };
  }
  const n = test.count + baseline.count;
  if (n === 0) return { rate, baselineRate, rateRatio, ci95: null, pValue: 1, method: 'poisson_exact', dispersion: 1 };
  const p0 = test.exposure / (test.exposure + baseline.exposure);
  const k = test.count;
  const pValue = Math.min(1, 2 * Math.min(binomialCdf(k, n, p0), binomialUpperTail(k, n, p0)));
  const [pLo, pHi] = clopperPearson(k, n);
  // p = share of events in the test period; RR = p/(1−p) · t₂/t₁.
  const toRatio = (p: number) => (p >= 1 ? Infinity : (p / (1 - p)) * (baseline.exposure / test.exposure));
  return { rate, baselineRate, rateRatio, ci95: [toRatio(pLo), toRatio(pHi)], pValue, method: 'poisson_exact', dispersion: 1 };
}

/** Exact (Clopper–Pearson) 95% interval of a binomial proportion k/n. */
export function clopperPearson(k: number, n: number): [number, number] {
  const lo = k === 0 ? 0 : inverseRegularizedBeta(0.025, k, n - k + 1);
  const hi = k === n ? 1 : inverseRegularizedBeta(0.975, k + 1, n - k);
  return [lo, hi];
}

/**
 * Pearson estimate of overdispersion from daily counts grouped by weekday: φ = Σ (x − x̄_g)²/x̄_g / (N − G).
 * Grouping by weekday keeps the weekly pattern (Saturdays are busier) out of the noise estimate. Never below 1:
 * under-dispersed data keeps the exact Poisson test.
 */
export function poissonDispersion(groups: readonly (readonly number[])[]): number {
  let chi2 = 0;
  let n = 0;
  let g = 0;
  for (const xs of groups) {
    if (xs.length === 0) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    n += xs.length;
    g += 1;
    if (mean > 0) for (const x of xs) chi2 += ((x - mean) * (x - mean)) / mean;
  }
  const df = n - g;
  return df >= 1 ? Math.max(1, chi2 / df) : 1;
}

export interface RateRatioContrast {
  /** RR_treated / RR_control: the lift net of the trend the control stores saw. */
  ratioOfRatios: number | null;
  ci95: [number, number] | null;
  pValue: number | null;
}

/**
 * Difference-in-differences on the log scale: log RR_treated − log RR_control, with the variances of the two
 * (quasi-)Poisson log rate ratios added (the stores are independent).
 */
export function contrastRateRatios(
  treated: { test: CountOverExposure; baseline: CountOverExposure; dispersion: number },
  control: { test: CountOverExposure; baseline: CountOverExposure; dispersion: number },
): RateRatioContrast {
  const counts = [treated.test.count, treated.baseline.count, control.test.count, control.baseline.count];
  if (counts.some((c) => c <= 0)) return { ratioOfRatios: null, ci95: null, pValue: null };
  const logRr = (s: typeof treated) => Math.log(s.test.count / s.test.exposure) - Math.log(s.baseline.count / s.baseline.exposure);
  const variance = (s: typeof treated) => Math.max(1, s.dispersion) * (1 / s.test.count + 1 / s.baseline.count);
  const did = logRr(treated) - logRr(control);
  const se = Math.sqrt(variance(treated) + variance(control));
  return {
    ratioOfRatios: Math.exp(did),
    ci95: [Math.exp(did - Z_975 * se), Math.exp(did + Z_975 * se)],
    pValue: 2 * (1 - normalCdf(Math.abs(did) / se)),
  };
}
