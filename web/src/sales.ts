/**
 * Sales beside footfall on the dashboard: why a bucket's conversion is left out, and a range's totals over the
 * buckets that have both sides. Pure: no DOM (table-tested in web/test).
 */
import { spanSalesMeasures } from '../../backend/src/sales/sales-measures.ts';
import type { SalesLeftOut, SalesMeasures } from '../../shared/src/read-contract.ts';

/** Why a bucket's conversion and sales per visitor are not given, as the page explains it. */
export const LEFT_OUT_REASONS: Record<SalesLeftOut, string> = {
  no_sales: 'no sales received for it (footfall without a sales row)',
  no_footfall: 'transactions but no footfall counted',
  incomplete: 'footfall under-counted (its cameras analysed too little)',
};
/** The short label in a table cell. */
export const LEFT_OUT_LABELS: Record<SalesLeftOut, string> = { no_sales: 'No sales', no_footfall: 'No footfall', incomplete: 'Incomplete' };

export interface SalesBucket {
  bucket: string;
  footfall: number;
  sales: SalesMeasures | null;
}

/** The buckets left out of conversion, by reason, in order. */
export function leftOutByReason(buckets: readonly SalesBucket[]): Record<SalesLeftOut, string[]> {
  const out: Record<SalesLeftOut, string[]> = { no_sales: [], no_footfall: [], incomplete: [] };
  for (const b of buckets) if (b.sales?.left_out) out[b.sales.left_out].push(b.bucket);
  return out;
}

export interface HistorySalesBucket extends SalesBucket {
  completeness: { incomplete: boolean };
}

/**
 * A range's measures from its buckets, by the backend's own rule for a span (the live day uses it too): totals and
 * ATV over every sale, conversion and sales per visitor over the buckets that pair complete footfall with sales, so
 * a left-out bucket never moves the range's conversion. Imported, not re-written: one rule on every screen.
 */
export function rangeSalesMeasures(buckets: readonly HistorySalesBucket[]): SalesMeasures | null {
  return spanSalesMeasures(
    buckets.map((b) => ({
      footfall: b.footfall,
      sales:
        b.sales && b.sales.transactions !== null
          ? { transactions: b.sales.transactions, salesAmount: b.sales.sales_amount ?? 0, currency: b.sales.currency ?? '' }
          : null,
      incomplete: b.completeness.incomplete,
    })),
  );
}

/**
 * A refused sales file's error as a person reads it. The API names the field (`rows[3].sales_amount`, the fourth
 * data row) and puts the file's line first in the message (`rows[3].sales_amount: (line 5) must be …`).
 */
export function describeUploadError(field: string | null, message: string): string {
  const why = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const row = field ? /^rows\[(\d+)\](?:\.(\w+))?$/.exec(field) : null;
  if (row) {
    const line = /^\(line (\d+)\) (.*)$/s.exec(why);
    const where = `Row ${Number(row[1]) + 1}${line ? ` (line ${line[1]} of the file)` : ''}${row[2] ? `, column “${row[2]}”` : ''}`;
    return `${where}: ${line ? line[2] : why}`;
  }
  const header = field ? /^header(?:\.(\w+))?$/.exec(field) : null;
  if (header) return `Header${header[1] ? `, column “${header[1]}”` : ''}: ${why}`;
  if (field === 'currency') return `Currency: ${why}`;
  if (field === 'body' || field === 'rows') return `The file ${why}`;
  return message;
}
