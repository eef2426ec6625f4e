import { salesMeasures, spanSalesMeasures, sumSalesHours } from './sales-measures.ts';

const sale = (transactions: number, salesAmount: number) => ({ transactions, salesAmount, currency: 'GBP' });

describe('salesMeasures', () => {
  it.each([
    ['an ordinary hour', 200, sale(50, 1250), false, { conversion_rate: 0.25, atv: 25, sales_per_visitor: 6.25, left_out: null }],
    ['rounding', 3, sale(1, 10), false, { conversion_rate: 0.333, atv: 10, sales_per_visitor: 3.33, left_out: null }],
    ['no sales sent for a busy hour', 120, null, false, { transactions: null, conversion_rate: null, atv: null, left_out: 'no_sales' }],
    ['a closed hour (nothing either side)', 0, null, false, { conversion_rate: null, left_out: null }],
    ['transactions with no footfall', 0, sale(4, 40), false, { conversion_rate: null, sales_per_visitor: null, atv: 10, left_out: 'no_footfall' }],
    ['an under-covered hour', 80, sale(20, 200), true, { conversion_rate: null, sales_per_visitor: null, atv: 10, left_out: 'incomplete' }],
    ['no transactions, zero footfall', 0, sale(0, 0), false, { conversion_rate: null, atv: null, left_out: null }],
    ['visitors who bought nothing', 40, sale(0, 0), false, { conversion_rate: 0, atv: null, sales_per_visitor: 0, left_out: null }],
  ])('%s', (_what, footfall, sales, incomplete, expected) => {
    expect(salesMeasures(footfall, sales, incomplete)).toMatchObject(expected);
  });
});

describe('spanSalesMeasures (a day so far)', () => {
  const h = (footfall: number, sales: ReturnType<typeof sale> | null, incomplete = false) => ({ footfall, sales, incomplete });
  it.each([
    ['no sales at all: null (no POS)', [h(20, null), h(0, null)], null],
    [
      'conversion over paired hours only; totals and ATV over every sale',
      // 10:00 paired; 11:00 visitors, sales not in yet; 09:00 sales before any footfall; 12:00 under-covered
      [h(20, sale(5, 125)), h(10, null), h(0, sale(2, 30)), h(40, sale(8, 85), true)],
      { transactions: 15, sales_amount: 240, currency: 'GBP', conversion_rate: 0.25, atv: 16, sales_per_visitor: 6.25, left_out: null },
    ],
    [
      'nothing pairs: the most frequent reason',
      [h(0, sale(2, 20)), h(5, sale(1, 10), true), h(6, sale(1, 10), true)],
      { transactions: 4, sales_amount: 40, conversion_rate: null, sales_per_visitor: null, atv: 10, left_out: 'incomplete' },
    ],
    [
      'sales of zero beside visitors: conversion 0',
      [h(30, sale(0, 0))],
      { transactions: 0, conversion_rate: 0, atv: null, sales_per_visitor: 0, left_out: null },
    ],
  ])('%s', (_what, hours, expected) => {
    const got = spanSalesMeasures(hours);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatchObject(expected);
  });

  it('counts the hours left out by reason', () => {
    const s = sumSalesHours([h(20, sale(5, 125)), h(10, null), h(0, sale(2, 30)), h(40, sale(8, 85), true), h(0, null)]);
    expect(s).toMatchObject({
      salesHours: 3,
      paired: { transactions: 5, salesAmount: 125, footfall: 20 },
      leftOut: { no_sales: 1, no_footfall: 1, incomplete: 1 },
    });
  });
});
