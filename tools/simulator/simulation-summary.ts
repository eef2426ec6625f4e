/** The tables `npm run simulate` prints at the end of a run. Pure text formatting. */
import { EVENT_TYPES } from '../../shared/src/events.ts';
import type { SimulationReport } from './store-traffic-simulator.ts';

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const MAX_SPIKES_LISTED = 10;
const MAX_STORES_LISTED = 10;

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A Markdown-style table; the first column and text cells are left-aligned, numbers right-aligned. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const numeric = (c: string) => /^[\d,.]+( s| min.*| h.*)?$/.test(c);
  const line = (r: string[]) => '| ' + r.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  return [line(rows[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

type Sent = Pick<SimulationReport, 'eventsByType' | 'sent' | 'accepted' | 'duplicates' | 'requests' | 'elapsedMs' | 'eventsPerSecond'>;

function totalsRows(r: Sent): string[][] {
  return [
    ...EVENT_TYPES.map((t) => [`  ${t}`, n(r.eventsByType[t])]),
    ['events sent', n(r.sent)],
    ['accepted (new rows)', n(r.accepted)],
    ['duplicates', n(r.duplicates)],
    ['requests', n(r.requests)],
    ['elapsed', formatDuration(r.elapsedMs)],
    ['events/s', r.eventsPerSecond < 10 ? r.eventsPerSecond.toFixed(1) : n(r.eventsPerSecond)],
  ];
}

/** The backfill's summary: what was simulated where, events by type, what the API stored, speed, and the ground truth planted. */
export function formatBackfillSummary(r: SimulationReport): string {
  const firsts = r.stores
    .map((s) => s.firstDate)
    .filter((d): d is string => d !== null)
    .sort();
  const lasts = r.stores
    .map((s) => s.lastDate)
    .filter((d): d is string => d !== null)
    .sort();
  const rows: string[][] = [
    [r.interrupted ? 'Simulation (interrupted)' : 'Simulation', ''],
    ['stores', n(r.stores.length)],
    ['days (store-local)', firsts.length ? `${firsts[0]} .. ${lasts.at(-1)}` : 'none'],
    ['visitors simulated', n(r.visitors)],
    ...totalsRows(r),
  ];
  if (r.heldBack > 0) rows.push(['held back (later today)', n(r.heldBack)]);
  if (r.sales.receipts > 0) {
    rows.push(['receipts sent (POS)', n(r.sales.receipts)]);
    for (const [currency, amount] of Object.entries(r.sales.amount))
      rows.push([`  sales ${currency}`, amount.toLocaleString('en-US', { maximumFractionDigits: 2 })]);
    rows.push(['  sales hours new / corrected / unchanged', `${n(r.sales.hoursInserted)} / ${n(r.sales.hoursCorrected)} / ${n(r.sales.hoursUnchanged)}`]);
  }
  const storeRows = [['store', 'time zone', 'days (store-local)', 'visitors']];
  for (const s of r.stores.slice(0, MAX_STORES_LISTED))
    storeRows.push([s.storeId, s.timezone, s.firstDate ? `${s.firstDate} .. ${s.lastDate}` : 'none yet', n(s.visitors)]);
  if (r.stores.length > MAX_STORES_LISTED) storeRows.push([`… ${r.stores.length - MAX_STORES_LISTED} more`, '', '', '']);
  const lines = [formatTable(rows), '', formatTable(storeRows)];
  if (r.promotion)
    lines.push(
      `Promotion: ${r.promotion.first} .. ${r.promotion.last}, lift ×${r.promotion.lift} on footfall and shelf interactions (and half of it on conversion)`,
    );
  if (r.spikes.length) {
    lines.push(`Spike hours (store-local): ${r.spikes.length}`);
    for (const s of r.spikes.slice(0, MAX_SPIKES_LISTED))
      lines.push(`  ${s.storeId} ${s.date} ${String(s.hour).padStart(2, '0')}:00-${String(s.hour + 1).padStart(2, '0')}:00 ${s.timezone} ×${s.multiplier}`);
    if (r.spikes.length > MAX_SPIKES_LISTED) lines.push(`  … and ${r.spikes.length - MAX_SPIKES_LISTED} more`);
  }
  return lines.join('\n');
}

export function formatLiveSummary(r: Sent): string {
  return formatTable([['Live', ''], ...totalsRows(r)]);
}
