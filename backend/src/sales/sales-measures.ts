// Conversion, average transaction value and sales per visitor of one bucket or of a span of hours: pure, table-tested.
import type { SalesLeftOut, SalesMeasures } from '../../../shared/src/read-contract.ts';

export type { SalesMeasures } from '../../../shared/src/read-contract.ts';

export interface BucketSales {
  transactions: number;
  salesAmount: number;
  currency: string;
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * Why a bucket is left out of conversion: footfall but no sales sent, transactions but no footfall, or
 * under-covered footfall beside sales; null when it counts, or when it is simply empty (a closed hour).
 */
export function salesLeftOut(footfall: number, sales: BucketSales | null, incomplete: boolean): SalesLeftOut | null {
  if (!sales) return footfall > 0 ? 'no_sales' : null;
  if (incomplete) return 'incomplete';
  return footfall === 0 && sales.transactions > 0 ? 'no_footfall' : null;
}

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
  const leftOut = salesLeftOut(footfall, sales, incomplete);
  if (leftOut || !sales || footfall === 0) return { ...base, conversion_rate: null, sales_per_visitor: null, left_out: leftOut };
  return { ...base, conversion_rate: round(sales.transactions / footfall, 3), sales_per_visitor: round(sales.salesAmount / footfall, 2), left_out: null };
}

/** One store-local hour: its footfall, its sales (null: none sent) and whether its footfall is under-covered. */
export interface SalesHourPair {
  footfall: number;
  sales: BucketSales | null;
  incomplete: boolean;
}

/**
 * A span of hours summed: every sale (for the totals and ATV), and apart the sales and footfall of the hours that
 * pair both sides (complete footfall beside sent sales) — the only ones conversion and sales per visitor are made
 * from, so an hour whose sales are not in yet never counts its visitors as non-buyers.
 */
export interface SalesTotals {
  transactions: number;
  salesAmount: number;
  currency: string | null;
  /** Hours with sales. */
  salesHours: number;
  paired: { transactions: number; salesAmount: number; footfall: number };
  leftOut: Record<SalesLeftOut, number>;
}

export function sumSalesHours(hours: Iterable<SalesHourPair>): SalesTotals {
  const out: SalesTotals = {
    transactions: 0,
    salesAmount: 0,
    currency: null,
    salesHours: 0,
    paired: { transactions: 0, salesAmount: 0, footfall: 0 },
    leftOut: { no_sales: 0, no_footfall: 0, incomplete: 0 },
  };
  for (const h of hours) {
    const reason = salesLeftOut(h.footfall, h.sales, h.incomplete);
    if (reason) out.leftOut[reason] += 1;
    if (!h.sales) continue;
    out.salesHours += 1;
    out.transactions += h.sales.transactions;
    out.salesAmount += h.sales.salesAmount;
    out.currency ??= h.sales.currency;
    if (!reason && h.footfall > 0) {
      out.paired.transactions += h.sales.transactions;
      out.paired.salesAmount += h.sales.salesAmount;
      out.paired.footfall += h.footfall;
    }
  }
  return out;
}

/**
 * The measures of a span of hours (a store's day so far): totals and ATV over every sale, conversion and sales
 * per visitor over the paired hours only; `left_out` (when no hour pairs) the most frequent reason. Null when
 * no hour has sales: no POS connected, nothing is missing.
 */
export function spanSalesMeasures(hours: Iterable<SalesHourPair>): SalesMeasures | null {
  const s = sumSalesHours(hours);
  if (s.salesHours === 0) return null;
  const p = s.paired;
  const reasons = (['incomplete', 'no_footfall', 'no_sales'] as const).filter((r) => s.leftOut[r] > 0).sort((a, b) => s.leftOut[b] - s.leftOut[a]);
  return {
    transactions: s.transactions,
    sales_amount: round(s.salesAmount, 2),
    currency: s.currency,
    conversion_rate: p.footfall > 0 ? round(p.transactions / p.footfall, 3) : null,
    atv: s.transactions > 0 ? round(s.salesAmount / s.transactions, 2) : null,
    sales_per_visitor: p.footfall > 0 ? round(p.salesAmount / p.footfall, 2) : null,
    left_out: p.footfall > 0 ? null : (reasons[0] ?? null),
  };
}

/**
 * Hours (UTC starts of store-local hours) summed per local date with {@link sumSalesHours}: what a report over
 * days needs. `incomplete[i]` belongs to `starts[i]`.
 */
export function salesTotalsByDate(
  starts: readonly number[],
  localDateOf: (utcMs: number) => string,
  footfall: ReadonlyMap<number, number>,
  sales: ReadonlyMap<number, BucketSales>,
  incomplete: readonly boolean[],
): Map<string, SalesTotals> {
  const byDate = new Map<string, SalesHourPair[]>();
  starts.forEach((utc, i) => {
    const date = localDateOf(utc);
    let list = byDate.get(date);
    if (!list) byDate.set(date, (list = []));
    list.push({ footfall: footfall.get(utc) ?? 0, sales: sales.get(utc) ?? null, incomplete: incomplete[i] });
  });
  return new Map([...byDate].map(([date, hours]) => [date, sumSalesHours(hours)]));
}
