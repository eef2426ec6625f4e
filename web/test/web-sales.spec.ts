import type { ComparisonStore, SalesMeasures } from '../../shared/src/read-contract.ts';
import { fmtMoney, fmtRate } from '../src/format.ts';
import { describeUploadError, leftOutByReason, rangeSalesMeasures } from '../src/sales.ts';
import { hasNoPos, rankedBy } from '../src/comparison.ts';

const sales = (transactions: number | null, amount: number | null, conversion: number | null, left_out: SalesMeasures['left_out'] = null): SalesMeasures => ({
  transactions,
  sales_amount: amount,
  currency: amount === null ? null : 'GBP',
  conversion_rate: conversion,
  atv: transactions ? Math.round(((amount ?? 0) / transactions) * 100) / 100 : null,
  sales_per_visitor: null,
  left_out,
});

describe('sales formatting', () => {
  it.each([
    [0.234, '23.4 %'],
    [0.2345, '23.5 %'],
    [1, '100.0 %'],
    [0, '0.0 %'],
    [null, '—'],
  ])('conversion %p reads %p', (rate, text) => expect(fmtRate(rate)).toBe(text));

  it.each([
    [1234.5, 'GBP', '£1,234.50'],
    [28.4, 'EUR', '€28.40'],
    [7, null, '7.00'],
    [null, 'GBP', '—'],
    [3.5, 'GB', '3.50'], // not a currency code Intl takes: the number alone, no exception
  ])('amount %p %p reads %p', (amount, currency, text) => expect(fmtMoney(amount, currency)).toBe(text));
});

describe('sales beside footfall', () => {
  const buckets = [
    { bucket: '2026-12-01T09:00', footfall: 40, sales: sales(10, 300, 0.25) },
    { bucket: '2026-12-01T10:00', footfall: 60, sales: sales(12, 240, 0.2) },
    { bucket: '2026-12-01T11:00', footfall: 50, sales: sales(null, null, null, 'no_sales') },
    { bucket: '2026-12-01T12:00', footfall: 5, sales: sales(9, 100, null, 'incomplete') },
    { bucket: '2026-12-01T13:00', footfall: 0, sales: sales(2, 20, null, 'no_footfall') },
    { bucket: '2026-12-01T14:00', footfall: 0, sales: sales(null, null, null) },
  ];

  it('groups the buckets left out of conversion by reason', () => {
    expect(leftOutByReason(buckets)).toEqual({ no_sales: ['2026-12-01T11:00'], no_footfall: ['2026-12-01T13:00'], incomplete: ['2026-12-01T12:00'] });
    expect(leftOutByReason([{ bucket: 'x', footfall: 3, sales: null }])).toEqual({ no_sales: [], no_footfall: [], incomplete: [] });
  });

  it("measures a range by the backend's span rule: every sale in the totals, only paired buckets in conversion", () => {
    const withCompleteness = buckets.map((b) => ({ ...b, completeness: { incomplete: b.sales?.left_out === 'incomplete' } }));
    expect(rangeSalesMeasures(withCompleteness)).toEqual({
      transactions: 33,
      sales_amount: 660,
      currency: 'GBP',
      conversion_rate: 0.22, // (10 + 12) / (40 + 60): the incomplete, no-footfall and no-sales hours left out
      atv: 20,
      sales_per_visitor: 5.4,
      left_out: null,
    });
    expect(rangeSalesMeasures([{ bucket: 'x', footfall: 3, sales: null, completeness: { incomplete: false } }])).toBeNull();
  });

  it.each([
    ['rows[3].sales_amount', 'rows[3].sales_amount: (line 5) must be a number ≥ 0', 'Row 4 (line 5 of the file), column “sales_amount”: must be a number ≥ 0'],
    ['rows[0].hour', "rows[0].hour: (line 2) repeats rows[0]'s hour", "Row 1 (line 2 of the file), column “hour”: repeats rows[0]'s hour"],
    ['rows[2].hour', 'rows[2].hour: is in the future', 'Row 3, column “hour”: is in the future'],
    ['header.price', 'header.price: is not a known column (hour, …)', 'Header, column “price”: is not a known column (hour, …)'],
    ['body', 'body: is not valid CSV (line 3): bad quote', 'The file is not valid CSV (line 3): bad quote'],
    ['currency', 'currency: must be an ISO 4217 currency code such as GBP or EUR', 'Currency: must be an ISO 4217 currency code such as GBP or EUR'],
    [null, 'HTTP 413', 'HTTP 413'],
  ])('explains a refused file (%s)', (field, message, text) => expect(describeUploadError(field, message)).toBe(text));
});

describe('store comparison', () => {
  const measure = (period: number | null, rank: number | null) => ({ period, baseline: null, change_pct: null, rank });
  const store = (id: string, footfallRank: number, conversionRank: number | null, currency: string | null): ComparisonStore => ({
    store_id: id,
    name: id.toUpperCase(),
    timezone: 'UTC',
    currency,
    days_with_data: 7,
    left_out_hours: 0,
    measures: {
      footfall: measure(100 / footfallRank, footfallRank),
      conversion_rate: measure(conversionRank === null ? null : 0.3 / conversionRank, conversionRank),
      sales_per_visitor: measure(conversionRank === null ? null : 9 / conversionRank, conversionRank),
    },
  });
  const stores = [store('a', 2, 1, 'GBP'), store('b', 1, 2, 'GBP'), store('c', 3, null, null)];

  it('orders the stores by the rank of the chosen measure, unranked stores last', () => {
    expect(rankedBy(stores, 'footfall').map((s) => s.store_id)).toEqual(['b', 'a', 'c']);
    expect(rankedBy(stores, 'conversion_rate').map((s) => s.store_id)).toEqual(['a', 'b', 'c']);
  });

  it('marks a store without sales as having no POS', () => {
    expect(stores.map(hasNoPos)).toEqual([false, false, true]);
  });
});
