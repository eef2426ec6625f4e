import { salesMeasures } from './sales-measures.ts';

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
