import { sumSalesHours, type BucketSales } from '../sales/sales-measures.ts';
import { compareStores, hourSpans, periodMeasures, ranks, salesTotalsFromSums, type ComparisonDay } from './store-comparison.ts';

const sale = (transactions: number, salesAmount: number): BucketSales => ({ transactions, salesAmount, currency: 'EUR' });
/** A day from its hours: [footfall, sales | null, incomplete?]. */
const day = (hours: [number, BucketSales | null, boolean?][], recorded = true): ComparisonDay => ({
  footfall: recorded ? hours.reduce((a, [f]) => a + f, 0) : null,
  incomplete: hours.some(([, , inc]) => inc),
  sales: sumSalesHours(hours.map(([footfall, sales, incomplete]) => ({ footfall, sales, incomplete: incomplete ?? false }))),
});

describe('periodMeasures', () => {
  it.each([
    ['no days', [], { footfall: null, conversion_rate: null, sales_per_visitor: null, days_with_data: 0, left_out_hours: 0, currency: null }],
    [
      'two full days: footfall per day, conversion over all their hours',
      [
        day([
          [100, sale(20, 400)],
          [50, sale(10, 100)],
        ]),
        day([[150, sale(15, 300)]]),
      ],
      { footfall: 150, conversion_rate: 45 / 300, sales_per_visitor: 800 / 300, days_with_data: 2, left_out_hours: 0, currency: 'EUR' },
    ],
    [
      'a day with an under-covered hour: out of footfall per day; only its complete hours count for conversion',
      [
        day([[100, sale(20, 400)]]),
        day([
          [10, sale(5, 50), true],
          [100, sale(10, 100)],
        ]),
      ],
      { footfall: 100, conversion_rate: 30 / 200, days_with_data: 1, left_out_hours: 1 },
    ],
    [
      'an hour of visitors without sales: not non-buyers',
      [
        day([
          [100, sale(20, 400)],
          [80, null],
        ]),
      ],
      { footfall: 180, conversion_rate: 0.2, sales_per_visitor: 4, left_out_hours: 0 },
    ],
    [
      'sales on a day without footfall: left out, counted',
      [day([[0, sale(7, 70)]], false), day([[100, sale(25, 250)]])],
      { footfall: 100, conversion_rate: 0.25, days_with_data: 1, left_out_hours: 1 },
    ],
    ['no POS: footfall only', [day([[120, null]])], { footfall: 120, conversion_rate: null, sales_per_visitor: null, currency: null, left_out_hours: 0 }],
  ])('%s', (_what, days, expected) => {
    expect(periodMeasures(days)).toMatchObject(expected);
  });
});

describe('ranks', () => {
  it.each([
    [
      [3, 1, 2],
      [1, 3, 2],
    ],
    [
      [5, 7, 7, 1],
      [3, 1, 1, 4],
    ],
    [
      [null, 2, null, 4],
      [null, 2, null, 1],
    ],
    [[], []],
  ])('%j → %j', (values, expected) => {
    expect(ranks(values)).toEqual(expected);
  });
});

describe('compareStores', () => {
  const pm = (footfall: number | null, conversion_rate: number | null, sales_per_visitor: number | null) => ({
    footfall,
    conversion_rate,
    sales_per_visitor,
    days_with_data: 1,
    left_out_hours: 0,
    currency: null,
  });
  it('ranks each measure among the stores and sets it against the store’s own baseline', () => {
    const out = compareStores([
      { period: pm(200, 0.2, 5), baseline: pm(100, 0.25, 5) },
      { period: pm(150.04, 0.31234, 7.456), baseline: pm(150.04, 0.3, 0) },
      { period: pm(80, null, null), baseline: pm(null, null, null) },
    ]);
    expect(out[0]).toEqual({
      footfall: { period: 200, baseline: 100, change_pct: 100, rank: 1 },
      conversion_rate: { period: 0.2, baseline: 0.25, change_pct: -20, rank: 2 },
      sales_per_visitor: { period: 5, baseline: 5, change_pct: 0, rank: 2 },
    });
    expect(out[1]).toEqual({
      footfall: { period: 150, baseline: 150, change_pct: 0, rank: 2 },
      conversion_rate: { period: 0.312, baseline: 0.3, change_pct: 4.1, rank: 1 },
      // A baseline of 0 has no relative change.
      sales_per_visitor: { period: 7.46, baseline: 0, change_pct: null, rank: 1 },
    });
    expect(out[2]).toEqual({
      footfall: { period: 80, baseline: null, change_pct: null, rank: 3 },
      conversion_rate: { period: null, baseline: null, change_pct: null, rank: null },
      sales_per_visitor: { period: null, baseline: null, change_pct: null, rank: null },
    });
  });
});

describe('salesTotalsFromSums (the fast path) agrees with pairing hour by hour, or declines', () => {
  /** hours: [footfall, sales | null] at hour index i after midnight. */
  const sums = (hours: [number, BucketSales | null][], incomplete = false) => {
    const mask = (keep: (h: [number, BucketSales | null]) => boolean) => hours.reduce((m, h, i) => (keep(h) ? m | (1 << i) : m), 0);
    const sold = hours.filter(([, s]) => s) as [number, BucketSales][];
    return {
      footfall: hours.some(([f]) => f > 0) ? { footfall: hours.reduce((a, [f]) => a + f, 0), mask: mask(([f]) => f > 0) } : undefined,
      sales: sold.length
        ? {
            transactions: sold.reduce((a, [, s]) => a + s.transactions, 0),
            salesAmount: sold.reduce((a, [, s]) => a + s.salesAmount, 0),
            currency: 'EUR',
            hours: sold.length,
            mask: mask(([, s]) => s !== null),
          }
        : undefined,
      incomplete,
    };
  };
  const byHours = (hours: [number, BucketSales | null][], incomplete = false) =>
    sumSalesHours(hours.map(([footfall, sales]) => ({ footfall, sales, incomplete })));
  it.each([
    [
      'sales in every hour with footfall',
      [
        [0, null],
        [30, sale(6, 60)],
        [50, sale(0, 0)],
        [20, sale(5, 75)],
      ],
      false,
      'exact',
    ],
    [
      'no sales at all',
      [
        [30, null],
        [50, null],
      ],
      false,
      'none',
    ],
    [
      'an hour of visitors without sales',
      [
        [30, sale(6, 60)],
        [50, null],
      ],
      false,
      'declines',
    ],
    [
      'a sale at an hour without footfall',
      [
        [30, sale(6, 60)],
        [0, sale(1, 10)],
      ],
      false,
      'declines',
    ],
    ['an under-covered day', [[30, sale(6, 60)]], true, 'declines'],
  ] as [string, [number, BucketSales | null][], boolean, string][])('%s', (_what, hours, incomplete, outcome) => {
    const fast = salesTotalsFromSums(sums(hours, incomplete));
    if (outcome === 'exact') expect(fast).toEqual(byHours(hours));
    if (outcome === 'none') expect(fast).toBeUndefined();
    if (outcome === 'declines') expect(fast).toBeNull();
  });
});

describe('hourSpans', () => {
  const H = 3_600_000;
  it.each([
    ['none', [], []],
    ['one hour', [5 * H], [[5 * H, 6 * H]]],
    ['consecutive hours make one span', [5 * H, 6 * H, 7 * H], [[5 * H, 8 * H]]],
    [
      'a gap starts a new span',
      [5 * H, 6 * H, 9 * H, 10 * H, 20 * H],
      [
        [5 * H, 7 * H],
        [9 * H, 11 * H],
        [20 * H, 21 * H],
      ],
    ],
    ['a half-hour zone’s hours (starts at :30)', [5.5 * H, 6.5 * H], [[5.5 * H, 7.5 * H]]],
  ] as [string, number[], [number, number][]][])('%s', (_, starts, spans) => {
    expect(hourSpans(starts, H)).toEqual(spans);
  });
});
