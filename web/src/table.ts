/**
 * An accessible data table (caption, column headers with scope, row headers) with an "Export CSV" button
 * that writes exactly the rows shown, from the data (raw numbers, not the formatted text), with a header row.
 */
import { toCsv, type CsvCell } from './csv.ts';
import { h, uid } from './dom.ts';

export interface Column<R> {
  /** Column header on screen. */
  label: string;
  /** Header in the CSV (defaults to label); say the unit here, e.g. "avg_dwell_seconds". */
  csv?: string;
  /** The raw value: what the CSV holds and what data-value carries. */
  value: (row: R) => CsvCell;
  /** What the cell shows (defaults to the raw value). */
  format?: (value: CsvCell, row: R) => string;
  numeric?: boolean;
  /** Long text that may wrap (notes). */
  wrap?: boolean;
  /** Only in the CSV (e.g. the upper end of an interval the table shows as one cell). */
  csvOnly?: boolean;
  /** Extra class for the cell (e.g. a status pill). */
  cellClass?: (row: R) => string | undefined;
}

export interface DataTable<R> {
  element: HTMLElement;
  update(rows: readonly R[]): void;
  rows(): readonly R[];
}

export function dataTable<R>(opts: {
  name: string;
  caption: string;
  columns: Column<R>[];
  fileName: () => string;
  empty?: string;
  /** Wrap the table in a <details> (long tables): the export button stays visible. */
  collapsible?: boolean;
  /** Extra class for a row (e.g. `incomplete`: too little of its hour analysed). */
  rowClass?: (row: R) => string | undefined;
}): DataTable<R> {
  const captionId = uid('cap');
  const shown = opts.columns.filter((c) => !c.csvOnly);
  const tbody = h('tbody');
  const table = h(
    'table',
    { 'data-table': opts.name },
    h('caption', { id: captionId }, opts.caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        shown.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)),
      ),
    ),
    tbody,
  );
  // A scrollable region must be reachable by keyboard and named.
  const scroller = h('div', { class: 'table-scroll', role: 'region', tabindex: 0, 'aria-labelledby': captionId }, table);
  let current: readonly R[] = [];
  const count = h('span', { class: 'row-count' });
  const exportButton = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-export': opts.name,
      'aria-label': `Export ${opts.caption} as CSV`,
      onclick: () =>
        downloadCsv(
          opts.fileName(),
          toCsv(
            opts.columns.map((c) => c.csv ?? c.label),
            current.map((r) => opts.columns.map((c) => c.value(r))),
          ),
        ),
    },
    'Export CSV',
  );
  let body: HTMLElement = scroller;
  if (opts.collapsible) {
    body = h('details', {}, h('summary', {}, 'Show table ', count), scroller);
  }
  const element = h(
    'div',
    { class: 'data-table', 'data-table-wrap': opts.name },
    h('div', { class: 'table-tools' }, h('span', { class: 'table-title', 'aria-hidden': 'true' }, titleParts(opts.caption)), exportButton),
    body,
  );

  function update(rows: readonly R[]): void {
    current = rows;
    count.textContent = `(${rows.length} rows)`;
    exportButton.disabled = rows.length === 0;
    if (rows.length === 0) {
      tbody.replaceChildren(h('tr', {}, h('td', { colspan: shown.length, class: 'empty' }, opts.empty ?? 'No data yet.')));
      return;
    }
    tbody.replaceChildren(
      ...rows.map((r) =>
        h(
          'tr',
          { class: opts.rowClass?.(r) },
          shown.map((c, i) => {
            const raw = c.value(r);
            const text = c.format ? c.format(raw, r) : raw === null || raw === undefined ? '—' : String(raw);
            const cls = [c.numeric ? 'num' : '', c.wrap ? 'wrap' : '', c.cellClass?.(r) ?? ''].filter(Boolean).join(' ') || undefined;
            const attrs = { class: cls, 'data-col': c.csv ?? c.label, 'data-value': raw === null || raw === undefined ? '' : String(raw) };
            return i === 0 ? h('th', { scope: 'row', ...attrs }, text) : h('td', attrs, text);
          }),
        ),
      ),
    );
  }
  update([]);
  return { element, update, rows: () => current };
}

/** The caption as the visible title, each date (2026-12-04, 2026-12-04T15:00) kept whole: a narrow title wraps between words, not at a date's hyphens. */
function titleParts(caption: string): (string | HTMLElement)[] {
  return caption.split(/(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2})?)/).map((part, i) => (i % 2 ? h('span', { class: 'nowrap' }, part) : part));
}

/** Saves text as a file through a Blob link (no server round trip). A BOM lets spreadsheets read UTF-8. */
export function downloadCsv(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob(['\ufeff', csv], { type: 'text/csv;charset=utf-8' }));
  const a = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
