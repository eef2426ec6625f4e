import type { QueueMetrics, SalesLeftOut, SalesMeasures, ShelfMetrics, ZoneMetrics } from '../api.ts';
import { fmtCount, fmtMoney, fmtRate, fmtSeconds } from '../format.ts';
import { LEFT_OUT_LABELS } from '../sales.ts';
import type { CsvCell } from '../csv.ts';
import type { Column } from '../table.ts';

// The metric columns of the zone, shelf and queue tables, shared by the live and history views so that the
// same number has the same header, unit and format on every screen and in every CSV export.

const count = (v: CsvCell) => fmtCount(v as number);
const seconds = (v: CsvCell) => fmtSeconds(v as number);

export function zoneMetricColumns<R extends ZoneMetrics>(): Column<R>[] {
  return [
    { label: 'Entries', csv: 'entries', value: (r) => r.entries, format: count, numeric: true },
    { label: 'Unique visitors', csv: 'unique_visitors', value: (r) => r.unique_visitors, format: count, numeric: true },
    { label: 'Average dwell', csv: 'avg_dwell_seconds', value: (r) => r.avg_dwell, format: seconds, numeric: true },
  ];
}

export function shelfMetricColumns<R extends ShelfMetrics>(): Column<R>[] {
  return [
    { label: 'Interactions', csv: 'interactions', value: (r) => r.interactions, format: count, numeric: true },
    { label: 'Average dwell', csv: 'avg_dwell_seconds', value: (r) => r.avg_dwell, format: seconds, numeric: true },
  ];
}

export function queueMetricColumns<R extends QueueMetrics>(): Column<R>[] {
  return [
    { label: 'Waits', csv: 'waits', value: (r) => r.waits, format: count, numeric: true },
    { label: 'Average wait', csv: 'avg_wait_seconds', value: (r) => r.avg_wait, format: seconds, numeric: true },
    { label: 'Longest wait', csv: 'max_wait_seconds', value: (r) => r.max_wait, format: seconds, numeric: true },
  ];
}

/**
 * Sales beside footfall (history buckets): transactions, sales, conversion, ATV, sales per visitor, and why a
 * bucket's conversion is left out. Raw numbers in the CSV (conversion as 0–1, amounts in `currency`).
 */
export function salesMetricColumns<R>(sales: (row: R) => SalesMeasures | null): Column<R>[] {
  const money = (v: CsvCell, r: R) => fmtMoney(v as number | null, sales(r)?.currency);
  return [
    { label: 'Transactions', csv: 'transactions', value: (r) => sales(r)?.transactions ?? null, format: count, numeric: true },
    { label: 'Sales', csv: 'sales_amount', value: (r) => sales(r)?.sales_amount ?? null, format: money, numeric: true },
    { label: 'currency', csv: 'currency', csvOnly: true, value: (r) => sales(r)?.currency ?? null },
    {
      label: 'Conversion',
      csv: 'conversion_rate',
      value: (r) => sales(r)?.conversion_rate ?? null,
      format: (v) => fmtRate(v as number | null),
      numeric: true,
    },
    { label: 'Avg transaction', csv: 'atv', value: (r) => sales(r)?.atv ?? null, format: money, numeric: true },
    { label: 'Sales per visitor', csv: 'sales_per_visitor', value: (r) => sales(r)?.sales_per_visitor ?? null, format: money, numeric: true },
    {
      label: 'Conversion left out',
      csv: 'sales_left_out',
      value: (r) => sales(r)?.left_out ?? null,
      format: (v) => (v ? LEFT_OUT_LABELS[v as SalesLeftOut] : ''),
      cellClass: (r) => (sales(r)?.left_out ? 'badge-left-out' : undefined),
    },
  ];
}
