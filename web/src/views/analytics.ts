/**
 * Analytics: the traffic-spike report (spikes marked on the hourly chart, expected vs actual) and the
 * promotion-lift report (lift with its 95 % interval, optionally net of control stores). A report the
 * server is still computing (202) shows its progress and fills in when ready.
 */
import {
  apiGet,
  ApiError,
  type CountLift,
  type DidLift,
  type PromoResult,
  type RatioLift,
  type Report,
  type ReportHead,
  type Spike,
  type SpikeHour,
  type SpikeResult,
  type Unavailable,
} from '../api.ts';
import { INCOMPLETE_COLOR, timeChart, type TimeChart } from '../chart.ts';
import { csvFileName } from '../csv.ts';
import { addDays, formatLocalDateTime, isDate, localToday } from '../dates.ts';
import { errorBox, field, h, uid } from '../dom.ts';
import { fmtCount, fmtNumber, fmtPct, fmtPctInterval, fmtPValue, fmtRate, fmtSeconds, fmtShare } from '../format.ts';
import { dataTable } from '../table.ts';
import { isAbort, sleep, type View, type ViewContext } from './view.ts';

export const POLL_MS = 1000;

/** Requests a report; while the server answers 202, polls its id and reports progress. */
export async function fetchReport<R>(
  path: string,
  params: Record<string, string | number | undefined | readonly string[]>,
  signal: AbortSignal,
  progress: (head: ReportHead, elapsedMs: number) => void,
): Promise<Report<R>> {
  const started = Date.now();
  let answer = await apiGet<ReportHead | Report<R>>(path, params, { signal });
  while (answer.status === 202) {
    progress(answer.body, Date.now() - started);
    await sleep(POLL_MS, signal);
    answer = await apiGet<ReportHead | Report<R>>(`analytics/reports/${encodeURIComponent(answer.body.report_id)}`, {}, { signal });
  }
  return answer.body as Report<R>;
}

/** The "still computing" box: role=status, an indeterminate progress bar, the job's state and elapsed time. */
export function pendingBox(what: string): { element: HTMLElement; update(head: ReportHead, elapsedMs: number): void } {
  const text = h('span', {}, `Requesting the ${what}…`);
  const bar = h('progress', { 'aria-label': `${what} progress` });
  const element = h('div', { class: 'pending', role: 'status', 'data-pending': what }, bar, text);
  return {
    element,
    update(head, ms) {
      const state = head.status === 'running' ? 'computing' : 'queued';
      text.textContent = `The ${what} is being prepared (${state}, ${Math.round(ms / 1000)} s). It will appear here when ready — you can keep working.`;
      element.dataset.reportId = head.report_id;
    },
  };
}

const METRICS: Record<string, { label: string; value: (v: number) => string }> = {
  footfall: { label: 'Footfall per day', value: fmtNumber },
  shelf_interactions: { label: 'Shelf interactions per day', value: fmtNumber },
  interactions_per_visitor: { label: 'Interactions per visitor', value: (v) => fmtNumber(Math.round(v * 1000) / 1000) },
  avg_dwell_seconds: { label: 'Average zone dwell', value: fmtSeconds },
  avg_shelf_dwell_seconds: { label: 'Average shelf dwell', value: fmtSeconds },
  avg_queue_wait_seconds: { label: 'Average queue wait', value: fmtSeconds },
  conversion_rate: { label: 'Conversion rate', value: fmtRate },
  sales_per_visitor: { label: 'Sales per visitor', value: (v) => fmtNumber(Math.round(v * 100) / 100) },
};
const metricLabel = (m: string) => METRICS[m]?.label ?? m;
const isAvailable = <T>(x: T | Unavailable): x is T => (x as Unavailable).available !== false;
const yesNo = (s: boolean | null) => (s === null ? '—' : s ? 'Yes' : 'No');
const localHour = (local: string) => `${local.slice(0, 10)} ${local.slice(11, 16)}`;
/** Local ISO hours grouped by day: "2024-05-01 11:00, 12:00, 13:00; 2024-05-03 09:00". */
function hoursByDay(hours: readonly string[]): string {
  const days = new Map<string, string[]>();
  for (const hr of hours) days.set(hr.slice(0, 10), [...(days.get(hr.slice(0, 10)) ?? []), hr.slice(11, 16)]);
  return [...days].map(([d, hs]) => `${d} ${hs.join(', ')}`).join('; ');
}

export function analyticsView({ store, stores, promo: named }: ViewContext): View {
  const tz = store.timezone;
  const today = localToday(tz);
  const yesterday = addDays(today, -1);
  const disposers: (() => void)[] = [];
  const spikes = spikeSection(store.store_id, store.name, tz, yesterday, today);
  const promo = promoSection(
    store.store_id,
    tz,
    today,
    stores.filter((s) => s.store_id !== store.store_id),
    named ?? null,
  );
  disposers.push(spikes.dispose, promo.dispose);
  const element = h(
    'section',
    { class: 'view view-analytics', 'aria-labelledby': 'analytics-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h2', { id: 'analytics-title', tabindex: -1 }, `Analytics — ${store.name}`),
      h('p', { class: 'tz-note' }, `Dates and hours are store-local (${tz}).`),
    ),
    spikes.element,
    promo.element,
  );
  return { element, dispose: () => disposers.forEach((d) => d()) };
}

function spikeSection(storeId: string, storeName: string, tz: string, yesterday: string, today: string) {
  let abort = new AbortController();
  let chart: TimeChart | null = null;
  const days = h(
    'select',
    { name: 'days' },
    [7, 14, 28].map((d) => h('option', { value: d }, `${d} days`)),
  );
  const end = h('input', { type: 'date', name: 'end_date', value: yesterday, max: today, required: true });
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Spike report period' },
    field('Period', days),
    field('Last day', end, 'Yesterday is the last complete day.'),
    h('button', { type: 'submit' }, 'Find spikes'),
  );
  const results = h('div', { class: 'results' });
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'spikes-title', 'data-section': 'spikes' },
    h('h3', { id: 'spikes-title' }, 'Traffic spikes'),
    h('p', { class: 'lead' }, 'Hours with far more visitors than the same weekday and hour usually bring (robust seasonal baseline).'),
    form,
    results,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });

  async function run(): Promise<void> {
    abort.abort();
    abort = new AbortController();
    chart?.destroy();
    chart = null;
    if (!isDate(end.value)) return void results.replaceChildren(errorBox('Choose the last day of the period.'));
    const pending = pendingBox('spike report');
    results.replaceChildren(pending.element);
    try {
      const report = await fetchReport<SpikeResult>(
        'analytics/spikes',
        { store_id: storeId, days: days.value, end_date: end.value },
        abort.signal,
        pending.update,
      );
      render(report.result);
      results.append(computedNote(report, tz));
    } catch (e) {
      if (isAbort(e)) return;
      results.replaceChildren(errorBox(`The spike report failed: ${(e as Error).message}`));
    }
  }

  function render(r: SpikeResult): void {
    const labels = r.series.map((s) => s.local.slice(0, 16));
    const spikeAt = new Set(r.spikes.map((s) => s.utc));
    chart = timeChart({
      name: 'spikes',
      granularity: 'hour',
      labels,
      yLabel: 'people in',
      height: 280,
      title: `Footfall by hour with spikes · ${r.start_date} to ${r.end_date}`,
      summary: r.spikes.length
        ? `${r.spikes.length} spikes: ${r.spikes.map((s) => `${localHour(s.local)} had ${s.count}, expected ${fmtNumber(s.expected)}`).join('; ')}.`
        : 'No spikes in this period.',
      series: [
        { label: 'Actual', values: r.series.map((s) => (s.incomplete ? null : s.count)), color: '#1d4ed8', kind: 'bars' },
        ...(r.left_out.period_hours.length
          ? [
              {
                label: `Left out: less than ${fmtShare(r.left_out.threshold)} of the hour analysed`,
                values: r.series.map((s) => (s.incomplete ? s.count : null)),
                color: INCOMPLETE_COLOR,
                kind: 'hatched' as const,
              },
            ]
          : []),
        { label: 'Expected', values: r.series.map((s) => s.expected), color: '#047857', format: (v) => fmtNumber(v) },
        { label: 'Spike threshold', values: r.series.map((s) => s.threshold), color: '#64748b', kind: 'dashed' },
        { label: 'Spike', values: r.series.map((s) => (spikeAt.has(s.utc) ? s.count : null)), color: '#dc2626', kind: 'points' },
      ],
    });
    const file = (what: string) => csvFileName('wink', storeId, what, r.start_date, r.end_date);
    const spikeTable = dataTable<Spike>({
      name: 'spikes',
      caption: `Spikes (${r.spikes.length})`,
      fileName: () => file('spikes'),
      empty: 'No spikes: every hour was within its usual range.',
      columns: [
        { label: 'Local hour', csv: 'local_hour', value: (s) => s.local, format: (v) => localHour(String(v)) },
        { label: 'Actual', csv: 'actual', value: (s) => s.count, format: (v) => fmtCount(v as number), numeric: true },
        { label: 'Expected', csv: 'expected', value: (s) => s.expected, format: (v) => fmtNumber(v as number), numeric: true },
        {
          label: 'Excess',
          csv: 'excess',
          value: (s) => Math.round((s.count - s.expected) * 100) / 100,
          format: (v) => `+${fmtNumber(v as number)}`,
          numeric: true,
        },
        { label: 'Threshold', csv: 'threshold', value: (s) => s.threshold, format: (v) => fmtCount(v as number), numeric: true },
        { label: 'Score', csv: 'score', value: (s) => s.score, format: (v) => fmtNumber(v as number), numeric: true },
        { label: 'p-value', csv: 'p_value', value: (s) => s.p_value, format: (v) => fmtPValue(v as number), numeric: true },
        { label: 'Baseline', csv: 'baseline', value: (s) => s.baseline, format: (v) => String(v).replace(/_/g, ' ') },
      ],
    });
    spikeTable.update(r.spikes);
    const hourTable = dataTable<SpikeHour>({
      name: 'spike-hours',
      caption: 'Every hour: actual vs expected',
      fileName: () => file('hours'),
      collapsible: true,
      columns: [
        { label: 'Local hour', csv: 'local_hour', value: (s) => s.local, format: (v) => localHour(String(v)) },
        { label: 'Actual', csv: 'actual', value: (s) => s.count, format: (v) => fmtCount(v as number | null), numeric: true },
        { label: 'Expected', csv: 'expected', value: (s) => s.expected, format: (v) => fmtNumber(v as number | null), numeric: true },
        { label: 'Threshold', csv: 'threshold', value: (s) => s.threshold, format: (v) => fmtCount(v as number | null), numeric: true },
        { label: 'Spike', csv: 'spike', value: (s) => s.spike, format: (v) => (v ? 'Yes' : 'No') },
        {
          label: 'Analysed',
          csv: 'completeness',
          value: (s) => s.completeness,
          numeric: true,
          format: (v, s) => (v === null ? '—' : `${fmtShare(v as number)}${s.incomplete ? ' · Left out' : ''}`),
          cellClass: (s) => (s.incomplete ? 'badge-incomplete' : undefined),
        },
        { label: 'incomplete', csv: 'incomplete', csvOnly: true, value: (s) => s.incomplete },
      ],
      rowClass: (s) => (s.incomplete ? 'incomplete' : undefined),
    });
    hourTable.update(r.series);
    const s = r.summary;
    results.replaceChildren(
      h(
        'p',
        { class: 'summary', 'data-summary': 'spikes' },
        h('strong', {}, `${s.spikes} ${s.spikes === 1 ? 'spike' : 'spikes'}`),
        ` in ${fmtCount(s.hours)} hours (${r.days} days, ${r.start_date} to ${r.end_date}) at ${storeName}; ${fmtCount(s.footfall)} people in.`,
        s.hours_without_baseline ? ` ${fmtCount(s.hours_without_baseline)} hours had too little history to judge.` : '',
      ),
      leftOutNote(r),
      chart.element,
      spikeTable.element,
      hourTable.element,
    );
  }

  void run();
  return {
    element,
    dispose: () => {
      abort.abort();
      chart?.destroy();
    },
  };
}

function promoSection(storeId: string, tz: string, today: string, others: { store_id: string; name: string }[], named: { start: string; end: string } | null) {
  let abort = new AbortController();
  // The promotion the address names when it is over; otherwise the last 7 complete days.
  const period = named && named.end < today ? named : { start: addDays(today, -7), end: addDays(today, -1) };
  const start = h('input', { type: 'date', name: 'start_date', required: true, value: period.start, max: addDays(today, -1) });
  const end = h('input', { type: 'date', name: 'end_date', required: true, value: period.end, max: addDays(today, -1) });
  const shelfList = uid('shelves');
  const zoneList = uid('zones');
  const shelf = h('input', { type: 'text', name: 'shelf_id', list: shelfList, autocomplete: 'off', spellcheck: 'false', placeholder: 'all shelves' });
  const zone = h('input', { type: 'text', name: 'zone_id', list: zoneList, autocomplete: 'off', spellcheck: 'false', placeholder: 'all zones' });
  const weeks = h('input', { type: 'number', name: 'baseline_weeks', min: 1, max: 12, step: 1, value: 4, inputmode: 'numeric' });
  const shelfOptions = h('datalist', { id: shelfList });
  const zoneOptions = h('datalist', { id: zoneList });
  const controls = h(
    'fieldset',
    { class: 'checks' },
    h('legend', {}, 'Control stores (optional)'),
    others.length
      ? others.map((s) => {
          const id = uid('ctl');
          return h(
            'span',
            { class: 'check' },
            h('input', { type: 'checkbox', id, name: 'control_store_ids', value: s.store_id }),
            h('label', { for: id }, `${s.name} (${s.store_id})`),
          );
        })
      : h('p', { class: 'hint' }, 'Your organisation has no other stores to compare with.'),
  );
  const message = h('div', { class: 'form-message' });
  const form = h(
    'form',
    { class: 'controls promo-form', 'aria-label': 'Promotion report' },
    field('First day', start),
    field('Last day (included)', end, 'Only days that are over can be compared.'),
    field('Shelf (optional)', shelf, 'Shelf metrics for one shelf only.'),
    field('Zone (optional)', zone, 'Dwell metrics for one zone only.'),
    field('Baseline weeks', weeks, 'Same weekdays of this many weeks before.'),
    controls,
    h('button', { type: 'submit' }, 'Run report'),
    message,
    shelfOptions,
    zoneOptions,
  );
  const results = h('div', { class: 'results' });
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'promo-title', 'data-section': 'promo' },
    h('h3', { id: 'promo-title' }, 'Promotion lift'),
    h(
      'p',
      { class: 'lead' },
      'Did a promotion change traffic, conversion, sales per visitor, shelf interactions, dwell or queue waits? Compared with the same weekdays of earlier weeks, optionally net of control stores.',
    ),
    form,
    results,
  );

  // Offer the shelves and zones the store has recorded lately.
  void apiGet<{ buckets: { shelves: object; zones: object }[] }>(
    'dashboard/history',
    { store_id: storeId, from: addDays(today, -90), to: addDays(today, 1), granularity: 'day' },
    { signal: abort.signal },
  ).then(
    ({ body }) => {
      const keys = (k: 'shelves' | 'zones') => [...new Set(body.buckets.flatMap((b) => Object.keys(b[k])))].sort();
      shelfOptions.replaceChildren(...keys('shelves').map((s) => h('option', { value: s })));
      zoneOptions.replaceChildren(...keys('zones').map((z) => h('option', { value: z })));
    },
    () => {
      /* suggestions only */
    },
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    message.replaceChildren();
    if (!isDate(start.value) || !isDate(end.value)) return void message.replaceChildren(errorBox("Enter the promotion's first and last day."));
    if (end.value < start.value) return void message.replaceChildren(errorBox('The promotion cannot end before it starts.'));
    if (end.value >= today) return void message.replaceChildren(errorBox(`The last day must be over: today in ${tz} is ${today}.`));
    void run();
  });

  async function run(): Promise<void> {
    abort.abort();
    abort = new AbortController();
    const controlIds = [...form.querySelectorAll<HTMLInputElement>('input[name=control_store_ids]:checked')].map((c) => c.value);
    const pending = pendingBox('promotion report');
    results.replaceChildren(pending.element);
    try {
      const report = await fetchReport<PromoResult>(
        'analytics/promo',
        {
          store_id: storeId,
          start_date: start.value,
          end_date: end.value,
          shelf_id: shelf.value.trim() || undefined,
          zone_id: zone.value.trim() || undefined,
          baseline_weeks: weeks.value || undefined,
          control_store_ids: controlIds.length ? controlIds : undefined,
        },
        abort.signal,
        pending.update,
      );
      render(report.result);
      results.append(computedNote(report, tz));
    } catch (e) {
      if (isAbort(e)) return;
      results.replaceChildren(errorBox(`The promotion report failed: ${(e as Error).message}`));
      if (e instanceof ApiError && e.field) form.querySelector<HTMLElement>(`[name=${CSS.escape(e.field)}]`)?.focus();
    }
  }

  function render(r: PromoResult): void {
    type Row = { metric: string; lift: CountLift | RatioLift | Unavailable };
    const rows: Row[] = Object.entries(r.metrics).map(([metric, lift]) => ({ metric, lift }));
    const file = (what: string) => csvFileName('wink', storeId, what, r.promo.start_date, r.promo.end_date);
    const val = (row: Row, k: 'promo' | 'baseline') => (isAvailable(row.lift) ? row.lift[k] : null);
    const liftTable = dataTable<Row>({
      name: 'promo-lift',
      caption: 'Lift by metric (promotion vs baseline)',
      fileName: () => file('promo-lift'),
      columns: [
        { label: 'Metric', csv: 'metric', value: (x) => x.metric, format: (v) => metricLabel(String(v)) },
        {
          label: 'Promotion',
          csv: 'promo',
          value: (x) => val(x, 'promo'),
          format: (v, x) => (v === null ? '—' : (METRICS[x.metric]?.value(v as number) ?? String(v))),
          numeric: true,
        },
        {
          label: 'Baseline',
          csv: 'baseline',
          value: (x) => val(x, 'baseline'),
          format: (v, x) => (v === null ? '—' : (METRICS[x.metric]?.value(v as number) ?? String(v))),
          numeric: true,
        },
        {
          label: 'Lift',
          csv: 'lift_pct',
          value: (x) => (isAvailable(x.lift) ? x.lift.lift_pct : null),
          format: (v) => fmtPct(v as number | null),
          numeric: true,
        },
        {
          label: '95 % interval',
          csv: 'ci95_pct_low',
          value: (x) => (isAvailable(x.lift) ? (x.lift.ci95_pct?.[0] ?? null) : null),
          format: (_v, x) => (isAvailable(x.lift) ? fmtPctInterval(x.lift.ci95_pct) : '—'),
        },
        { label: 'upper', csv: 'ci95_pct_high', csvOnly: true, value: (x) => (isAvailable(x.lift) ? (x.lift.ci95_pct?.[1] ?? null) : null) },
        {
          label: 'p-value',
          csv: 'p_value',
          value: (x) => (isAvailable(x.lift) && x.lift.kind === 'count' ? x.lift.p_value : null),
          format: (v) => fmtPValue(v as number | null),
          numeric: true,
        },
        {
          label: 'Significant',
          csv: 'significant',
          value: (x) => (isAvailable(x.lift) ? x.lift.significant : null),
          format: (v) => yesNo(v as boolean | null),
        },
        { label: 'Note', csv: 'note', wrap: true, value: (x) => (isAvailable(x.lift) ? '' : x.lift.reason) },
      ],
    });
    liftTable.update(rows);
    const parts: Node[] = [
      h(
        'p',
        { class: 'summary', 'data-summary': 'promo' },
        `Promotion ${r.promo.start_date} to ${r.promo.end_date} (${r.promo.days_with_data} of ${r.promo.days} days with data) vs baseline `,
        r.baseline.mode === 'same_weekdays'
          ? `the same weekdays of the ${r.baseline.weeks} weeks before`
          : `${r.baseline.start_date} to ${r.baseline.end_date}`,
        ` (${r.baseline.days_with_data} of ${r.baseline.days} days with data).`,
        r.filters.shelf_id ? ` Shelf: ${r.filters.shelf_id}.` : '',
        r.filters.zone_id ? ` Zone: ${r.filters.zone_id}.` : '',
      ),
      promoLeftOutNote(r),
      intervalPlot(
        'Lift with 95 % interval',
        rows.flatMap((x) =>
          isAvailable(x.lift) && x.lift.lift_pct !== null
            ? [{ label: metricLabel(x.metric), lift: x.lift.lift_pct, ci: x.lift.ci95_pct, significant: x.lift.significant }]
            : [],
        ),
      ),
      liftTable.element,
    ];
    if (r.did) {
      type DidRow = { metric: string; lift: DidLift | Unavailable };
      const didRows: DidRow[] = Object.entries(r.did.metrics).map(([metric, lift]) => ({ metric, lift }));
      const didTable = dataTable<DidRow>({
        name: 'promo-did',
        caption: `Net lift vs control stores (${r.did.control_store_ids.join(', ')})`,
        fileName: () => file('promo-did'),
        columns: [
          { label: 'Metric', csv: 'metric', value: (x) => x.metric, format: (v) => metricLabel(String(v)) },
          {
            label: 'Net lift',
            csv: 'net_lift_pct',
            value: (x) => (isAvailable(x.lift) ? x.lift.lift_pct : null),
            format: (v) => fmtPct(v as number | null),
            numeric: true,
          },
          {
            label: '95 % interval',
            csv: 'ci95_pct_low',
            value: (x) => (isAvailable(x.lift) ? (x.lift.ci95_pct?.[0] ?? null) : null),
            format: (_v, x) => (isAvailable(x.lift) ? fmtPctInterval(x.lift.ci95_pct) : '—'),
          },
          { label: 'upper', csv: 'ci95_pct_high', csvOnly: true, value: (x) => (isAvailable(x.lift) ? (x.lift.ci95_pct?.[1] ?? null) : null) },
          {
            label: 'p-value',
            csv: 'p_value',
            value: (x) => (isAvailable(x.lift) ? x.lift.p_value : null),
            format: (v) => fmtPValue(v as number | null),
            numeric: true,
          },
          {
            label: 'Significant',
            csv: 'significant',
            value: (x) => (isAvailable(x.lift) ? x.lift.significant : null),
            format: (v) => yesNo(v as boolean | null),
          },
          { label: 'Note', csv: 'note', wrap: true, value: (x) => (isAvailable(x.lift) ? '' : x.lift.reason) },
        ],
      });
      didTable.update(didRows);
      parts.push(
        h('p', { class: 'summary' }, `Control stores: ${r.did.promo_store_days} store-days in the promotion, ${r.did.baseline_store_days} in the baseline.`),
        didTable.element,
      );
    }
    results.replaceChildren(...parts);
  }

  // A promotion named in the address is what the reader came for: its report opens at once.
  if (period === named) void run();
  return { element, dispose: () => abort.abort() };
}

/**
 * A report's note on what it left out for incompleteness (hatched in its charts): the hatched swatch, then
 * `parts` (what was left out and why); with no parts, that nothing was.
 */
function leftOutLegend(attrs: Record<string, string>, unit: 'hour' | 'day', threshold: number, parts: (Node | string)[]): HTMLElement {
  const el = h('p', { class: 'completeness-legend', ...attrs });
  if (!parts.length) el.append(`No ${unit} left out: every hour with heartbeats was analysed at least ${fmtShare(threshold)}.`);
  else el.append(h('span', { class: 'swatch-hatched', 'aria-hidden': 'true' }), ...parts);
  return el;
}

/** "3 hours left out", "1 day left out". */
function leftOutCount(n: number, unit: 'hour' | 'day'): HTMLElement {
  return h('strong', {}, `${n} ${n === 1 ? unit : `${unit}s`} left out`);
}

/** The spike report's hours left out for incompleteness: not judged, and not used as baseline points. */
function leftOutNote(r: SpikeResult): HTMLElement {
  const lo = r.left_out;
  const why = `less than ${fmtShare(lo.threshold)} of the hour analysed: camera offline, stream down or too few frames`;
  const parts: (Node | string)[] = [];
  if (lo.period_hours.length) parts.push(leftOutCount(lo.period_hours.length, 'hour'), ` (${why}), not judged, hatched: ${hoursByDay(lo.period_hours)}.`);
  if (lo.baseline_hours.length)
    parts.push(` ${lo.baseline_hours.length} earlier ${lo.baseline_hours.length === 1 ? 'hour' : 'hours'} left out of the baselines for the same reason.`);
  return leftOutLegend({ 'data-left-out': 'spikes', 'data-hours': lo.period_hours.join(' ') }, 'hour', lo.threshold, parts);
}

/** The promotion report's days left out for incompleteness, per period, with their hours. */
function promoLeftOutNote(r: PromoResult): HTMLElement {
  const threshold = typeof r.method.min_completeness === 'number' ? r.method.min_completeness : 0.9;
  const dates = [...r.promo.incomplete_dates, ...r.baseline.incomplete_dates];
  const hoursOf = (p: PromoResult['promo'], d: string) =>
    p.left_out_hours
      .filter((x) => x.startsWith(d))
      .map((x) => x.slice(11, 16))
      .join(', ');
  const period = (name: string, p: PromoResult['promo']) =>
    p.incomplete_dates.length ? `${name}: ${p.incomplete_dates.map((d) => `${d} (${hoursOf(p, d)})`).join(', ')}` : `${name}: none`;
  const parts = dates.length
    ? [
        leftOutCount(dates.length, 'day'),
        ` (treated as missing): an hour of ${dates.length === 1 ? 'it' : 'each'} was analysed less than ${fmtShare(threshold)}. ${period('Promotion', r.promo)}; ${period('baseline', r.baseline)}.`,
      ]
    : [];
  return leftOutLegend({ 'data-left-out': 'promo', 'data-dates': dates.join(' ') }, 'day', threshold, parts);
}

/** Which report is shown and when it was computed (reports are cached until their data changes). */
export function computedNote(report: Report<unknown>, tz: string): HTMLElement {
  const when = report.completed_at ? `${formatLocalDateTime(report.completed_at, tz)} store time` : 'just now';
  return h(
    'p',
    { class: 'computed-note', 'data-report-id': report.report_id },
    `Report computed ${when}; it is recomputed when new data arrives for its period.`,
  );
}

/**
 * A forest plot in SVG: each metric's lift as a dot, its 95 % interval as a bar, zero as a reference line. `note`
 * explains the dots (the comparison view plots changes without intervals).
 */
export function intervalPlot(
  title: string,
  rows: { label: string; lift: number; ci: readonly [number, number | null] | null; significant: boolean | null }[],
  note = ' · filled: significant at 95 %',
  name = 'lift',
): HTMLElement {
  const NS = 'http://www.w3.org/2000/svg';
  const el = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const values = rows.flatMap((r) => [r.lift, r.ci?.[0] ?? r.lift, r.ci?.[1] ?? r.lift]).filter(Number.isFinite);
  const clampHi = (v: number | null) => (v === null ? Math.max(...values, 0) + 10 : v);
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  const pad = Math.max(5, (hi - lo) * 0.08);
  lo -= pad;
  hi += pad;
  const W = 640;
  const left = 200;
  const right = 20;
  const rowH = 30;
  const top = 10;
  const H = top + rows.length * rowH + 30;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * (W - left - right);
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'interval-plot',
    role: 'img',
    'aria-label': `${title}: ${rows.map((r) => `${r.label} ${fmtPct(r.lift)}${r.ci ? ` (${fmtPctInterval(r.ci)})` : ''}`).join('; ')}`,
    'data-plot': name,
  });
  svg.append(el('line', { x1: x(0), x2: x(0), y1: top - 4, y2: H - 26, class: 'zero' }));
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const cls = r.significant ? 'sig' : 'nonsig';
    svg.append(el('text', { x: left - 10, y: y + 4, 'text-anchor': 'end', class: 'label' }, r.label));
    if (r.ci) svg.append(el('line', { x1: x(r.ci[0]), x2: x(clampHi(r.ci[1])), y1: y, y2: y, class: `ci ${cls}` }));
    svg.append(el('circle', { cx: x(r.lift), cy: y, r: 5, class: `dot ${cls}` }));
  });
  for (const t of ticks(lo, hi)) {
    svg.append(el('line', { x1: x(t), x2: x(t), y1: H - 26, y2: H - 22, class: 'tick' }));
    svg.append(el('text', { x: x(t), y: H - 8, 'text-anchor': 'middle', class: 'tick-label' }, `${t > 0 ? '+' : ''}${t} %`));
  }
  return h('figure', { class: 'chart' }, h('figcaption', {}, title, note ? h('span', { class: 'legend-note' }, note) : null), svg as unknown as HTMLElement);
}

function ticks(lo: number, hi: number): number[] {
  const span = hi - lo;
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000].find((s) => span / s <= 8) ?? 1000;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(t);
  return out;
}
