// Conversion, average transaction value and sales per visitor of one bucket: pure, table-tested.
import type { SalesMeasures } from '../../../shared/src/read-contract.ts';

export type { SalesMeasures } from '../../../shared/src/read-contract.ts';

export interface BucketSales {
  transactions: number;
  salesAmount: number;
  currency: string;
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * The measures of a bucket from its footfall, its sales (null: none sent) and whether its footfall is
 * under-covered (data-completeness.ts). A bucket without sales and without footfall (a closed hour) is simply
 * empty; one with footfall but no sales, transactions but no footfall, or under-covered footfall is left out of
 * the ratios and says why, so an average over buckets never mixes in a broken hour.
 */
export function salesMeasures(footfall: number, sales: BucketSales | null, incomplete: boolean): SalesMeasures {
  const atv = sales && sales.transactions > 0 ? round(sales.salesAmount / sales.transactions, 2) : null;
  const base = {
    transactions: sales?.transactions ?? null,
    sales_amount: sales ? round(sales.salesAmount, 2) : null,
    currency: sales?.currency ?? null,
    atv,
  };
  const leftOut = !sales
    ? footfall > 0
      ? 'no_sales'
      : null
    : incomplete
      ? 'incomplete'
      : footfall === 0
        ? sales.transactions > 0
          ? 'no_footfall'
          : null
        : null;
  if (leftOut || !sales || footfall === 0) return { ...base, conversion_rate: null, sales_per_visitor: null, left_out: leftOut };
  return { ...base, conversion_rate: round(sales.transactions / footfall, 3), sales_per_visitor: round(sales.salesAmount / footfall, 2), left_out: null };
}
