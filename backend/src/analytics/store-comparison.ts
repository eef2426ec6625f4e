// The multi-store comparison's arithmetic: a store's measures over a set of days, and the ranking. Pure, table-tested.
import type { ComparisonMeasure, ComparisonMetricName } from '../../../shared/src/read-contract.ts';
import type { BucketSales, SalesTotals } from '../sales/sales-measures.ts';

/** One local day of a store: its footfall (null: nothing recorded), whether an hour of it was under-covered, its sales. */
export interface ComparisonDay {
  footfall: number | null;
  incomplete: boolean;
  sales: SalesTotals | undefined;
}

export interface PeriodMeasures {
  /** Footfall per day over the complete days with data. */
  footfall: number | null;
  /** Transactions ÷ footfall over the hours with sales beside complete footfall. */
  conversion_rate: number | null;
  sales_per_visitor: number | null;
  days_with_data: number;
  /** Hours with sales left out of conversion: under-covered footfall, or transactions without footfall. */
  left_out_hours: number;
  currency: string | null;
}

/**
 * A store's measures over some days. Footfall per day leaves out days without data and days with an under-covered
 * hour (a partial count would pass for a quiet day); conversion and sales per visitor are made hour by hour
 * (sales-measures.ts), so an hour whose sales never came does not count its visitors as non-buyers.
 */
export function periodMeasures(days: Iterable<ComparisonDay>): PeriodMeasures {
  let footfall = 0;
  let complete = 0;
  let transactions = 0;
  let salesAmount = 0;
  let pairedFootfall = 0;
  let leftOut = 0;
  let currency: string | null = null;
  for (const d of days) {
    if (d.footfall !== null && !d.incomplete) {
      footfall += d.footfall;
      complete += 1;
    }
    if (!d.sales) continue;
    transactions += d.sales.paired.transactions;
    salesAmount += d.sales.paired.salesAmount;
    pairedFootfall += d.sales.paired.footfall;
    leftOut += d.sales.leftOut.incomplete + d.sales.leftOut.no_footfall;
    currency ??= d.sales.currency;
  }
  return {
    footfall: complete > 0 ? footfall / complete : null,
    conversion_rate: pairedFootfall > 0 ? transactions / pairedFootfall : null,
    sales_per_visitor: pairedFootfall > 0 ? salesAmount / pairedFootfall : null,
    days_with_data: complete,
    left_out_hours: leftOut,
    currency,
  };
}

/** A local day summed by the database: totals, and a bitmask of the hours with footfall (or with a sales row). */
export interface DaySums {
  footfall: { footfall: number; mask: number } | undefined;
  sales: (BucketSales & { hours: number; mask: number }) | undefined;
  incomplete: boolean;
}

/**
 * A day's {@link SalesTotals} from its sums alone, when that is exact: no sales at all, or sales in exactly the
 * hours that had footfall, none of them under-covered — then every sales hour pairs and the day's totals are the
 * paired ones. Otherwise null: the day's hours must be paired one by one (sumSalesHours).
 */
export function salesTotalsFromSums(day: DaySums): SalesTotals | undefined | null {
  const s = day.sales;
  if (!s) return undefined;
  if (day.incomplete || !day.footfall || s.mask !== day.footfall.mask) return null;
  return {
    transactions: s.transactions,
    salesAmount: s.salesAmount,
    currency: s.currency,
    salesHours: s.hours,
    paired: { transactions: s.transactions, salesAmount: s.salesAmount, footfall: day.footfall.footfall },
    leftOut: { no_sales: 0, no_footfall: 0, incomplete: 0 },
  };
}

export const COMPARISON_METRICS: readonly ComparisonMetricName[] = ['footfall', 'conversion_rate', 'sales_per_visitor'];
/** Places kept per measure: visitors a day to 1 decimal, conversion to 3 (as in /history), money to 2. */
const PLACES: Record<ComparisonMetricName, number> = { footfall: 1, conversion_rate: 3, sales_per_visitor: 2 };
const round = (x: number | null, places: number) => (x === null ? null : Math.round(x * 10 ** places) / 10 ** places);

/** Ranks 1 = highest; equal values share a rank (1, 2, 2, 4); no value, no rank. */
export function ranks(values: readonly (number | null)[]): (number | null)[] {
  return values.map((v) => (v === null ? null : 1 + values.filter((o) => o !== null && o > v).length));
}

/** Each store's measures against its own baseline, ranked among the stores on each. Order is the input's. */
export function compareStores(stores: readonly { period: PeriodMeasures; baseline: PeriodMeasures }[]): Record<ComparisonMetricName, ComparisonMeasure>[] {
  const out = stores.map(() => ({}) as Record<ComparisonMetricName, ComparisonMeasure>);
  for (const m of COMPARISON_METRICS) {
    const rank = ranks(stores.map((s) => s.period[m]));
    stores.forEach((s, i) => {
      const p = s.period[m];
      const b = s.baseline[m];
      out[i][m] = {
        period: round(p, PLACES[m]),
        baseline: round(b, PLACES[m]),
        change_pct: p === null || b === null || b === 0 ? null : round((p / b - 1) * 100, 1),
        rank: rank[i],
      };
    });
  }
  return out;
}

/** Sorted instants, each the start of a step of `stepMs`, as the fewest spans [from, to) covering those steps. */
export function hourSpans(starts: readonly number[], stepMs: number): [number, number][] {
  const spans: [number, number][] = [];
  for (const t of starts) {
    const last = spans[spans.length - 1];
    if (last && last[1] === t) last[1] = t + stepMs;
    else spans.push([t, t + stepMs]);
  }
  return spans;
}
