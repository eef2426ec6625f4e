import { bootstrapDays, ratioOfSums } from './day-bootstrap.ts';
import { clopperPearson, compareRates, contrastRateRatios, poissonDispersion } from './poisson-rate-test.ts';
import { median, medianAbsoluteDeviation, quantile } from './robust-baseline.ts';
import { seededRandom } from '../../common/seeded-random.ts';
import { binomialCdf, binomialUpperTail, inverseRegularizedBeta, logGamma, normalCdf, poissonUpperTail, regularizedBeta, Z_975 } from './special-functions.ts';

// Reference values: closed forms worked by hand where they exist, otherwise the figures R / SciPy print
// for the same call (noted beside each).

describe('special functions', () => {
  it('ln Γ matches factorials', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('Poisson upper tail: P(X ≥ 3 | λ = 1) = 1 − 2.5/e', () => {
    expect(poissonUpperTail(3, 1)).toBeCloseTo(1 - 2.5 / Math.E, 12);
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 12);
    expect(poissonUpperTail(0, 5)).toBe(1);
    // scipy.stats.poisson.sf(2099, 2000): large counts stay accurate.
    expect(poissonUpperTail(2100, 2000)).toBeCloseTo(0.013534943503812485, 9);
  });

  it('binomial tails: P(X ≥ 7 | n = 10, p = ½) = (120 + 45 + 10 + 1)/1024', () => {
    expect(binomialUpperTail(7, 10, 0.5)).toBeCloseTo(176 / 1024, 12);
    expect(binomialCdf(3, 10, 0.5)).toBeCloseTo(176 / 1024, 12);
    expect(binomialCdf(10, 10, 0.3)).toBe(1);
    // scipy.stats.binom.cdf(50123, 100000, 0.5)
    expect(binomialCdf(50123, 100_000, 0.5)).toBeCloseTo(0.7826229625844192, 8);
  });

  it('incomplete beta and its inverse', () => {
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12); // I_x(1,1) = x
    expect(regularizedBeta(0.5, 2, 2)).toBeCloseTo(0.5, 12); // symmetric
    expect(regularizedBeta(0.3, 2.5, 3.5)).toBeCloseTo(0.29675298929566646, 10); // scipy.special.betainc
    expect(inverseRegularizedBeta(0.025, 30, 40)).toBeCloseTo(0.3157646466739023, 10); // scipy.special.betaincinv
  });

  it('normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 12);
    expect(normalCdf(Z_975)).toBeCloseTo(0.975, 12);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 10);
  });
});

describe('robust baseline', () => {
  it('median and MAD ignore one wild value', () => {
    expect(median([1, 2, 3, 4, 100])).toBe(3);
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1); // |x − 3| = 2,1,0,1,97
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('quantiles interpolate between order statistics (type 7)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30], 0.25)).toBe(15);
    expect(quantile([10, 20, 30], 1)).toBe(30);
  });
});

describe('Poisson rate test', () => {
  it('7 vs 3 events over equal exposure: exact p = 0.34375 and the Clopper–Pearson interval of R binom.test(7, 10)', () => {
    const r = compareRates({ count: 7, exposure: 1 }, { count: 3, exposure: 1 });
    expect(r.method).toBe('poisson_exact');
    expect(r.rateRatio).toBeCloseTo(7 / 3, 12);
    expect(r.pValue).toBeCloseTo(0.34375, 10); // 2 · 176/1024
    const [lo, hi] = clopperPearson(7, 10);
    expect(lo).toBeCloseTo(0.3475471499399921, 9);
    expect(hi).toBeCloseTo(0.9332604888222655, 9);
    expect(r.ci95![0]).toBeCloseTo(lo / (1 - lo), 8); // p/(1−p) · t₂/t₁ with t₁ = t₂
    expect(r.ci95![1]).toBeCloseTo(13.983627874302119, 6);
  });

  it('accounts for unequal exposure: 20 events in 2 days vs 30 in 6 days is rate 10 vs 5', () => {
    const r = compareRates({ count: 20, exposure: 2 }, { count: 30, exposure: 6 });
    expect(r.rate).toBe(10);
    expect(r.baselineRate).toBe(5);
    expect(r.rateRatio).toBe(2);
    // Under H0 the 50 events split with p0 = 2/8; 20 or more of them in the test period is rare.
    expect(r.pValue).toBeCloseTo(2 * binomialUpperTail(20, 50, 0.25), 12);
    expect(r.ci95![0]).toBeGreaterThan(1);
  });

  it('1200 vs 1000 visitors: significant (SciPy binomtest p = 2.18e-5)', () => {
    const r = compareRates({ count: 1200, exposure: 7 }, { count: 1000, exposure: 7 });
    expect(r.pValue).toBeCloseTo(2.1817026407914194e-5, 8);
    const [lo, hi] = [0.5243715705627718, 0.5664162769115156];
    expect(r.ci95![0]).toBeCloseTo(lo / (1 - lo), 6);
    expect(r.ci95![1]).toBeCloseTo(hi / (1 - hi), 6);
  });

  it('switches to quasi-Poisson when days vary more than Poisson: log RR ± 1.96·√(φ(1/c₁ + 1/c₂))', () => {
    const r = compareRates({ count: 200, exposure: 1 }, { count: 100, exposure: 1 }, 2);
    expect(r.method).toBe('quasi_poisson');
    const se = Math.sqrt(2 * (1 / 200 + 1 / 100));
    expect(r.ci95![0]).toBeCloseTo(Math.exp(Math.log(2) - Z_975 * se), 10); // 1.42429
    expect(r.ci95![1]).toBeCloseTo(2.808422396017275, 10);
    expect(r.pValue).toBeCloseTo(6.283928008301495e-5, 8);
  });

  it('no events at all: nothing to test', () => {
    const r = compareRates({ count: 0, exposure: 3 }, { count: 0, exposure: 3 });
    expect(r).toMatchObject({ pValue: 1, ci95: null, rateRatio: null });
  });

  it('dispersion: Pearson χ² within weekday groups over its degrees of freedom, at least 1', () => {
    // means 10 and 20: (25 + 25)/10 + (100 + 100)/20 = 15 over 4 − 2 df
    expect(
      poissonDispersion([
        [5, 15],
        [10, 30],
      ]),
    ).toBeCloseTo(7.5, 12);
    expect(
      poissonDispersion([
        [10, 14],
        [20, 20],
      ]),
    ).toBe(1); // 0.33 → floored
    expect(poissonDispersion([[7]])).toBe(1); // no degrees of freedom
  });

  it('difference-in-differences of log rate ratios', () => {
    const c = contrastRateRatios(
      { test: { count: 300, exposure: 7 }, baseline: { count: 200, exposure: 7 }, dispersion: 1 },
      { test: { count: 220, exposure: 7 }, baseline: { count: 200, exposure: 7 }, dispersion: 1 },
    );
    expect(c.ratioOfRatios).toBeCloseTo(1.5 / 1.1, 12);
    const se = Math.sqrt(1 / 300 + 1 / 200 + 1 / 220 + 1 / 200);
    expect(c.ci95![0]).toBeCloseTo((1.5 / 1.1) * Math.exp(-Z_975 * se), 10);
    expect(
      contrastRateRatios(
        { test: { count: 0, exposure: 7 }, baseline: { count: 1, exposure: 7 }, dispersion: 1 },
        { test: { count: 1, exposure: 7 }, baseline: { count: 1, exposure: 7 }, dispersion: 1 },
      ).ratioOfRatios,
    ).toBeNull();
  });
});

describe('day bootstrap', () => {
  it('the PRNG is reproducible and uniform enough', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('ratio of sums weights days by their denominator', () => {
    expect(
      ratioOfSums([
        { num: 10, den: 1 },
        { num: 30, den: 3 },
      ]),
    ).toBe(10);
    expect(ratioOfSums([{ num: 1, den: 0 }])).toBeNaN();
  });

  it('identical days give a zero-width interval at the point estimate', () => {
    const days = Array.from({ length: 7 }, () => ({ num: 60, den: 2 }));
    const base = Array.from({ length: 7 }, () => ({ num: 40, den: 2 }));
    const r = bootstrapDays([days, base], ([p, b]) => p - b, { resamples: 500, seed: 1 });
    expect(r.estimate).toBe(10);
    expect(r.ci95).toEqual([10, 10]);
  });

  it('the same seed gives the same interval, and the interval covers the estimate', () => {
    const random = seededRandom(7);
    const mk = (mu: number) => Array.from({ length: 14 }, () => ({ num: mu * 50 + (random() - 0.5) * 200, den: 50 }));
    const p = mk(12);
    const b = mk(10);
    const run = () => bootstrapDays([p, b], ([x, y]) => x / y, { resamples: 1000, seed: 99 });
    const r1 = run();
    expect(run()).toEqual(r1);
    expect(r1.ci95![0]).toBeLessThan(r1.estimate);
    expect(r1.ci95![1]).toBeGreaterThan(r1.estimate);
    expect(r1.ci95![0]).toBeGreaterThan(1); // 12 vs 10 with noise ±2 per day over 14 days: clearly above
  });
});
