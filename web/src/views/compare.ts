/**
 * Compare stores: the organisation's stores ranked on footfall, conversion and sales per visitor for a period,
 * each against its own baseline (GET /api/analytics/comparison; 202 → polled like the other reports). Stores
 * without a POS feed are listed, marked, and unranked on the sales measures.
 */
import { ApiError, type ComparisonMeasure, type ComparisonMetricName, type ComparisonResult, type ComparisonStore } from '../api.ts';
import { hasNoPos, rankedBy } from '../comparison.ts';
import { csvFileName } from '../csv.ts';
import { addDays, isDate, localToday } from '../dates.ts';
import { errorBox, field, h, uid } from '../dom.ts';
import { fmtMoney, fmtNumber, fmtPct, fmtRate } from '../format.ts';
import { dataTable, type Column } from '../table.ts';
import { computedNote, fetchReport, intervalPlot, pendingBox } from './analytics.ts';
import { isAbort, type View, type ViewContext } from './view.ts';

export const COMPARISON_METRICS: Record<ComparisonMetricName, { label: string; format: (v: number | null, s: ComparisonStore) => string }> = {
  footfall: { label: 'Footfall per day', format: (v) => fmtNumber(v === null ? null : Math.round(v * 10) / 10) },
  conversion_rate: { label: 'Conversion', format: (v) => fmtRate(v) },
  sales_per_visitor: { label: 'Sales per visitor', format: (v, s) => fmtMoney(v, s.currency) },
};
const METRIC_IDS = Object.keys(COMPARISON_METRICS) as ComparisonMetricName[];

export function compareView({ store, stores }: ViewContext): View {
  const tz = store.timezone;
  const today = localToday(tz);
  let abort = new AbortController();
  let last: ComparisonResult | null = null;

  const start = h('input', { type: 'date', name: 'start_date', required: true, value: addDays(today, -7), max: addDays(today, -1) });
  const end = h('input', { type: 'date', name: 'end_date', required: true, value: addDays(today, -1), max: addDays(today, -1) });
  const weeks = h('input', { type: 'number', name: 'baseline_weeks', min: 1, max: 12, step: 1, value: 4, inputmode: 'numeric' });
  const baseStart = h('input', { type: 'date', name: 'baseline_start_date', max: addDays(today, -1) });
  const baseEnd = h('input', { type: 'date', name: 'baseline_end_date', max: addDays(today, -1) });
  const rankBy = h(
    'select',
    { name: 'rank_by' },
    METRIC_IDS.map((m) => h('option', { value: m }, COMPARISON_METRICS[m].label)),
  );
  const storeChecks = h(
    'fieldset',
    { class: 'checks' },
    h('legend', {}, 'Stores'),
    stores.map((s) => {
      const id = uid('cmp');
      return h(
        'span',
        { class: 'check' },
        h('input', { type: 'checkbox', id, name: 'store_ids', value: s.store_id, checked: true }),
        h('label', { for: id }, `${s.name} (${s.store_id})`),
      );
    }),
  );
  const message = h('div', { class: 'form-message' });
  const form = h(
    'form',
    { class: 'controls promo-form', 'aria-label': 'Store comparison' },
    field('First day', start),
    field('Last day (included)', end, 'Only days that are over.'),
    field('Baseline weeks', weeks, 'Same weekdays of this many weeks before.'),
    field('Or baseline from', baseStart, 'A baseline range instead of weeks.'),
    field('Baseline to', baseEnd),
    storeChecks,
    h('button', { type: 'submit' }, 'Compare'),
    message,
  );
  const results = h('div', { class: 'results' });
  const element = h(
    'section',
    { class: 'view view-compare', 'aria-labelledby': 'compare-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h2', { id: 'compare-title', tabindex: -1 }, 'Compare stores'),
      h('p', { class: 'tz-note' }, `Dates are each store's local dates. Today in ${tz}: ${today}.`),
    ),
    h(
      'p',
      { class: 'lead' },
      'Your stores ranked on footfall, conversion and sales per visitor for a period, each against its own baseline (the change says how the store did against itself; the rank, how it did against the others). Conversion uses only hours with whole footfall and sales.',
    ),
    form,
    results,
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    message.replaceChildren();
    if (!isDate(start.value) || !isDate(end.value)) return void message.replaceChildren(errorBox("Enter the period's first and last day."));
    if (end.value < start.value) return void message.replaceChildren(errorBox('The period cannot end before it starts.'));
    if (!!baseStart.value !== !!baseEnd.value) return void message.replaceChildren(errorBox('Give both ends of the baseline range, or neither.'));
    void run();
  });
  rankBy.addEventListener('change', () => {
    if (last) render(last);
  });

  async function run(): Promise<void> {
    abort.abort();
    abort = new AbortController();
    const checked = [...form.querySelectorAll<HTMLInputElement>('input[name=store_ids]:checked')].map((c) => c.value);
    const pending = pendingBox('store comparison');
    results.replaceChildren(pending.element);
    const range = baseStart.value && baseEnd.value;
    try {
      const report = await fetchReport<ComparisonResult>(
        'analytics/comparison',
        {
          start_date: start.value,
          end_date: end.value,
          baseline_weeks: range ? undefined : weeks.value || undefined,
          baseline_start_date: range ? baseStart.value : undefined,
          baseline_end_date: range ? baseEnd.value : undefined,
          // Every store is the default: only a narrower choice is sent.
          store_ids: checked.length && checked.length < stores.length ? checked : undefined,
        },
        abort.signal,
        pending.update,
      );
      last = report.result;
      render(report.result);
      results.append(computedNote(report, tz));
    } catch (e) {
      if (isAbort(e)) return;
      results.replaceChildren(errorBox(`The comparison failed: ${(e as Error).message}`));
      if (e instanceof ApiError && e.field) form.querySelector<HTMLElement>(`[name=${CSS.escape(e.field)}]`)?.focus();
    }
  }

  function render(r: ComparisonResult): void {
    const metric = rankBy.value as ComparisonMetricName;
    const rows = rankedBy(r.stores, metric);
    const measure = (m: ComparisonMetricName) => (s: ComparisonStore) => s.measures[m];
    const columns: Column<ComparisonStore>[] = [
      { label: 'Store', csv: 'store_id', value: (s) => s.store_id, format: (_v, s) => s.name },
      { label: 'name', csv: 'name', csvOnly: true, value: (s) => s.name },
      { label: 'currency', csv: 'currency', csvOnly: true, value: (s) => s.currency },
      ...METRIC_IDS.flatMap((m) => measureColumns(m, measure(m))),
      { label: 'Days with data', csv: 'days_with_data', value: (s) => s.days_with_data, numeric: true },
      { label: 'Hours left out', csv: 'left_out_hours', value: (s) => s.left_out_hours, numeric: true },
    ];
    const table = dataTable<ComparisonStore>({
      name: 'comparison',
      caption: `Stores ranked by ${COMPARISON_METRICS[metric].label.toLowerCase()}, ${r.start_date} to ${r.end_date}`,
      fileName: () => csvFileName('wink', 'comparison', r.start_date, r.end_date),
      empty: 'No stores to compare.',
      columns,
      rowClass: (s) => (hasNoPos(s) ? 'no-pos' : undefined),
    });
    table.update(rows);
    const noPos = r.stores.filter(hasNoPos);
    const changes = rows.flatMap((s) => {
      const c = s.measures[metric].change_pct;
      return c === null ? [] : [{ label: s.name, lift: c, ci: null, significant: true }];
    });
    const baseline =
      r.baseline.mode === 'same_weekdays'
        ? `the same weekdays of the ${r.baseline.weeks} weeks before (${r.baseline.start_date} to ${r.baseline.end_date})`
        : `${r.baseline.start_date} to ${r.baseline.end_date}`;
    results.replaceChildren(
      h(
        'p',
        { class: 'summary', 'data-summary': 'comparison' },
        `${r.stores.length} ${r.stores.length === 1 ? 'store' : 'stores'}, ${r.start_date} to ${r.end_date} (${r.days} days) against ${baseline}.`,
        noPos.length ? ` No POS connected (no sales, so no conversion): ${noPos.map((s) => s.name).join(', ')}.` : '',
      ),
      field('Rank by', rankBy),
      changes.length
        ? intervalPlot(`Change of ${COMPARISON_METRICS[metric].label.toLowerCase()} against each store's own baseline`, changes, '', 'comparison')
        : h('p', { class: 'hint' }, `No store has a change of ${COMPARISON_METRICS[metric].label.toLowerCase()} to show.`),
      table.element,
    );
  }

  void run();
  return { element, dispose: () => abort.abort() };
}

/** A measure's period value (with its rank), baseline and change; raw numbers and the rank in the CSV. */
function measureColumns(m: ComparisonMetricName, get: (s: ComparisonStore) => ComparisonMeasure): Column<ComparisonStore>[] {
  const { label, format } = COMPARISON_METRICS[m];
  const salesMeasure = m !== 'footfall';
  return [
    {
      label,
      csv: m,
      value: (s) => get(s).period,
      numeric: true,
      format: (v, s) => (salesMeasure && hasNoPos(s) ? 'No POS' : `${format(v as number | null, s)}${get(s).rank ? ` · #${get(s).rank}` : ''}`),
      cellClass: (s) => (salesMeasure && hasNoPos(s) ? 'badge-left-out' : undefined),
    },
    { label: `${m}_rank`, csv: `${m}_rank`, csvOnly: true, value: (s) => get(s).rank },
    { label: `${m}_baseline`, csv: `${m}_baseline`, csvOnly: true, value: (s) => get(s).baseline },
    {
      label: 'vs baseline',
      csv: `${m}_change_pct`,
      value: (s) => get(s).change_pct,
      numeric: true,
      format: (v) => fmtPct(v as number | null),
      cellClass: (s) => changeClass(get(s).change_pct),
    },
  ];
}

const changeClass = (c: number | null) => (c === null ? undefined : c > 0 ? 'change-up' : c < 0 ? 'change-down' : undefined);
