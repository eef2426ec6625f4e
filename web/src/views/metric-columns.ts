import type { QueueMetrics, ShelfMetrics, ZoneMetrics } from '../api.ts';
import { fmtCount, fmtSeconds } from '../format.ts';
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
