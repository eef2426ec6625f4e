/** History: footfall by hour or day with a chart, zone dwell and queue waits over time, in store-local time. */
import { apiGet, type StoreHistoryView } from '../api.ts';
import { INCOMPLETE_COLOR, timeChart, PALETTE, type TimeChart } from '../chart.ts';
import { csvFileName } from '../csv.ts';
import { addDays, daysBetween, isDate, localToday, zoneOffsetLabel } from '../dates.ts';
import { errorBox, field, h } from '../dom.ts';
import { fmtCount, fmtMoney, fmtRate, fmtSeconds, fmtShare } from '../format.ts';
import { LEFT_OUT_REASONS, leftOutByReason, rangeSalesMeasures } from '../sales.ts';
import { dataTable } from '../table.ts';
import { queueMetricColumns, salesMetricColumns, shelfMetricColumns, zoneMetricColumns } from './metric-columns.ts';
import { salesUploadPanel } from './sales-upload.ts';
import { isAbort, type View, type ViewContext } from './view.ts';

type Bucket = StoreHistoryView['buckets'][number];
export const MAX_HOUR_DAYS = 31;
export const MAX_DAY_DAYS = 366;

const bucketLabel = (b: string) => b.replace('T', ' ');

export function historyView({ store, admin }: ViewContext): View {
  const tz = store.timezone;
  const today = localToday(tz);
  let abort = new AbortController();
  let charts: TimeChart[] = [];

  const from = h('input', { type: 'date', name: 'from', required: true, value: addDays(today, -6), max: today });
  const to = h('input', { type: 'date', name: 'to', required: true, value: today, max: today });
  const radio = (value: string, label: string, checked: boolean) => {
    const input = h('input', { type: 'radio', name: 'granularity', value, id: `granularity-${value}`, checked });
    return h('span', { class: 'radio' }, input, h('label', { for: `granularity-${value}` }, label));
  };
  const message = h('div', { class: 'form-message' });
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'History range' },
    field('From (store date)', from),
    field('To (store date, included)', to),
    h('fieldset', { class: 'radios' }, h('legend', {}, 'Per'), radio('day', 'Day', true), radio('hour', 'Hour', false)),
    h('button', { type: 'submit' }, 'Show'),
    message,
  );
  const results = h('div', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'false' });
  // Stores whose POS can only export files: the operator uploads them here (the admin API; never offered to viewers).
  const upload = admin ? salesUploadPanel(store, () => void load()) : null;
  const element = h(
    'section',
    { class: 'view view-history', 'aria-labelledby': 'history-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h2', { id: 'history-title', tabindex: -1 }, `History — ${store.name}`),
      h('p', { class: 'tz-note' }, `All times are store-local: ${tz} (${zoneOffsetLabel(tz)}).`),
    ),
    form,
    upload?.element,
    results,
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });

  async function load(): Promise<void> {
    const g = (form.querySelector<HTMLInputElement>('input[name=granularity]:checked')?.value ?? 'day') as 'hour' | 'day';
    message.replaceChildren();
    if (!isDate(from.value) || !isDate(to.value)) return void message.replaceChildren(errorBox('Enter both dates.'));
    const days = daysBetween(from.value, to.value) + 1;
    if (days < 1) return void message.replaceChildren(errorBox('"To" must not be before "From".'));
    const max = g === 'hour' ? MAX_HOUR_DAYS : MAX_DAY_DAYS;
    if (days > max) return void message.replaceChildren(errorBox(`Per ${g}, at most ${max} days can be shown (you chose ${days}).`));
    abort.abort();
    abort = new AbortController();
    results.setAttribute('aria-busy', 'true');
    results.replaceChildren(h('p', { role: 'status' }, 'Loading history…'));
    try {
      const { body } = await apiGet<StoreHistoryView>(
        'dashboard/history',
        { store_id: store.store_id, from: from.value, to: addDays(to.value, 1), granularity: g },
        { signal: abort.signal },
      );
      render(body, from.value, to.value);
    } catch (e) {
      if (isAbort(e)) return;
      results.replaceChildren(errorBox(`History could not be loaded: ${(e as Error).message}`));
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  }

  function render(v: StoreHistoryView, first: string, last: string): void {
    for (const c of charts) c.destroy();
    charts = [];
    const g = v.granularity;
    const per = g === 'hour' ? 'hour' : 'day';
    const labels = v.buckets.map((b) => b.bucket);
    const range = first === last ? first : `${first} to ${last}`;
    const file = (what: string) => csvFileName('wink', store.store_id, `${what}-by-${per}`, first, last);
    const total = v.buckets.reduce((a, b) => a + b.footfall, 0);
    const busiest = v.buckets.reduce<Bucket | null>((a, b) => (!a || b.footfall > a.footfall ? b : a), null);
    const ids = (k: 'zones' | 'queues' | 'shelves') => [...new Set(v.buckets.flatMap((b) => Object.keys(b[k])))].sort();
    const zoneIds = ids('zones');
    const queueIds = ids('queues');
    const shelfIds = ids('shelves');
    const long = v.buckets.length > 31;

    // Buckets whose cameras analysed less than the threshold undercount: hatched bars, marked rows, a legend.
    const incomplete = v.buckets.filter((b) => b.completeness.incomplete);
    const short = `less than ${fmtShare(v.completeness_threshold)} of the ${per} analysed`;
    // Sales beside footfall: only for a store that sent sales for the range (null buckets: no POS connected).
    const hasSales = v.buckets.some((b) => b.sales !== null);
    const totals = rangeSalesMeasures(v.buckets);
    const leftOut = leftOutByReason(v.buckets);
    const leftOutCount = leftOut.no_sales.length + leftOut.no_footfall.length + leftOut.incomplete.length;
    const leftOutText = (Object.keys(leftOut) as (keyof typeof leftOut)[])
      .filter((k) => leftOut[k].length)
      .map((k) => `${LEFT_OUT_REASONS[k]}: ${leftOut[k].map(bucketLabel).join(', ')}`)
      .join('; ');
    const pct = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} %`);
    charts.push(
      timeChart({
        name: 'footfall',
        title: `${hasSales ? 'Footfall and conversion' : 'Footfall'} by ${per} · ${range}`,
        granularity: g,
        labels,
        yLabel: 'people in',
        y2Label: 'conversion %',
        summary:
          `${fmtCount(total)} people in over ${v.buckets.length} ${per}s${busiest && busiest.footfall ? `; busiest ${bucketLabel(busiest.bucket)} with ${fmtCount(busiest.footfall)}` : ''}.` +
          (incomplete.length ? ` Incomplete (${short}, hatched): ${incomplete.map((b) => bucketLabel(b.bucket)).join(', ')}.` : '') +
          (totals ? ` Conversion ${fmtRate(totals.conversion_rate)} over the ${per}s with both footfall and sales.` : '') +
          (leftOutCount ? ` Conversion left out (grey marks): ${leftOutText}.` : ''),
        series: [
          { label: 'Footfall', values: v.buckets.map((b) => (b.completeness.incomplete ? null : b.footfall)), color: PALETTE[0], kind: 'bars' },
          ...(incomplete.length
            ? [
                {
                  label: `Incomplete: ${short}`,
                  values: v.buckets.map((b) => (b.completeness.incomplete ? b.footfall : null)),
                  color: INCOMPLETE_COLOR,
                  kind: 'hatched' as const,
                },
              ]
            : []),
          ...(hasSales
            ? [
                {
                  label: 'Conversion',
                  values: v.buckets.map((b) => (b.sales?.conversion_rate == null ? null : Math.round(b.sales.conversion_rate * 1000) / 10)),
                  color: PALETTE[2],
                  axis: 'right' as const,
                  format: pct,
                },
                {
                  label: 'Conversion left out',
                  values: v.buckets.map((b) => (b.sales?.left_out ? 0 : null)),
                  color: '#64748b',
                  kind: 'points' as const,
                  axis: 'right' as const,
                  format: (x: number | null) => (x === null ? '—' : 'left out'),
                },
              ]
            : []),
        ],
      }),
    );
    const currency = totals?.currency ?? null;
    if (currency) upload?.setCurrency(currency);
    const moneyChart = hasSales
      ? timeChart({
          name: 'sales-per-visitor',
          title: `Average transaction value and sales per visitor by ${per}${currency ? ` (${currency})` : ''}`,
          granularity: g,
          labels,
          yLabel: currency ?? 'amount',
          height: 200,
          summary: `Average transaction value ${fmtMoney(totals?.atv, currency)}, sales per visitor ${fmtMoney(totals?.sales_per_visitor, currency)} over the range.`,
          series: [
            { label: 'Avg transaction value', values: v.buckets.map((b) => b.sales?.atv ?? null), color: PALETTE[5], format: (x) => fmtMoney(x, currency) },
            {
              label: 'Sales per visitor',
              values: v.buckets.map((b) => b.sales?.sales_per_visitor ?? null),
              color: PALETTE[3],
              format: (x) => fmtMoney(x, currency),
            },
          ],
        })
      : null;
    if (moneyChart) charts.push(moneyChart);
    const salesLegend = hasSales
      ? h(
          'p',
          { class: 'completeness-legend', 'data-legend': 'sales', 'data-left-out': String(leftOutCount) },
          leftOutCount
            ? [
                h('span', { class: 'swatch-left-out', 'aria-hidden': 'true' }),
                h('strong', {}, `${leftOutCount} ${leftOutCount === 1 ? per : `${per}s`} left out of conversion`),
                ` (grey marks, “Conversion left out” in the table) — ${leftOutText}. Conversion and sales per visitor are given only where both footfall and sales are whole.`,
              ]
            : `Every ${per} with footfall has its sales: none left out of conversion.`,
        )
      : h(
          'p',
          { class: 'completeness-legend', 'data-legend': 'sales', 'data-left-out': '' },
          'No sales received for this store in this range, so no conversion: connect its POS (POST /api/sales with a POS key)',
          admin ? ' or upload a CSV file below.' : ', or ask your WINK administrator to upload its sales files.',
        );
    const legend = h(
      'p',
      { class: 'completeness-legend', 'data-legend': 'completeness', 'data-threshold': String(v.completeness_threshold) },
      h('span', { class: 'swatch-hatched', 'aria-hidden': 'true' }),
      incomplete.length
        ? `Hatched bars and rows marked “Incomplete”: ${short} (camera offline, stream down or too few frames), so their numbers undercount. ${incomplete.length} of ${v.buckets.length} ${per}s.`
        : `Every ${per} with heartbeats was analysed at least ${fmtShare(v.completeness_threshold)}; “—” in Analysed: no heartbeats to tell.`,
    );
    const zoneChart = timeChart({
      name: 'zone-dwell',
      title: `Average zone dwell by ${per}`,
      granularity: g,
      labels,
      yLabel: 'seconds',
      summary: zoneIds.length ? `Average dwell per ${per} for ${zoneIds.length} zones: ${zoneIds.join(', ')}.` : 'No zone visits in this range.',
      series: zoneIds.map((z, i) => ({
        label: z,
        color: PALETTE[i % PALETTE.length],
        values: v.buckets.map((b) => b.zones[z]?.avg_dwell ?? null),
        format: fmtSeconds,
      })),
    });
    const queueChart = timeChart({
      name: 'queue-wait',
      title: `Average queue wait by ${per}`,
      granularity: g,
      labels,
      yLabel: 'seconds',
      summary: queueIds.length ? `Average wait per ${per} for ${queueIds.length} queues: ${queueIds.join(', ')}.` : 'No queue waits in this range.',
      series: queueIds.map((q, i) => ({
        label: q,
        color: PALETTE[(i + 1) % PALETTE.length],
        values: v.buckets.map((b) => b.queues[q]?.avg_wait ?? null),
        format: fmtSeconds,
      })),
    });
    charts.push(zoneChart, queueChart);

    const bucketCol = {
      label: g === 'hour' ? 'Local hour' : 'Local date',
      csv: g === 'hour' ? 'local_hour' : 'local_date',
      value: (r: { bucket: string }) => r.bucket,
      format: (x: unknown) => bucketLabel(String(x)),
    };
    const footfallTable = dataTable<Bucket>({
      name: 'history-footfall',
      caption: hasSales ? `Footfall and sales by ${per}` : `Footfall by ${per}`,
      fileName: () => file('footfall'),
      collapsible: long,
      columns: [
        bucketCol,
        { label: 'Footfall', csv: 'footfall', value: (r) => r.footfall, format: (x) => fmtCount(x as number), numeric: true },
        // Sales beside footfall, before the occupancy columns, so a wide table still shows them without scrolling.
        ...(hasSales ? salesMetricColumns<Bucket>((r) => r.sales) : []),
        {
          label: 'Analysed',
          csv: 'completeness',
          value: (r) => r.completeness.store,
          numeric: true,
          format: (x, r) => (x === null ? '—' : `${fmtShare(x as number)}${r.completeness.incomplete ? ' · Incomplete' : ''}`),
          cellClass: (r) => (r.completeness.incomplete ? 'badge-incomplete' : undefined),
        },
        { label: 'incomplete', csv: 'incomplete', csvOnly: true, value: (r) => r.completeness.incomplete },
        { label: `Occupancy at end of ${per}`, csv: 'occupancy', value: (r) => r.occupancy, format: (x) => fmtCount(x as number), numeric: true },
        { label: `Average occupancy`, csv: 'occupancy_avg', value: (r) => r.occupancy_avg, format: (x) => (x === null ? '—' : String(x)), numeric: true },
        {
          label: `Peak occupancy`,
          csv: 'occupancy_peak',
          value: (r) => r.occupancy_peak,
          format: (x) => (x === null ? '—' : fmtCount(x as number)),
          numeric: true,
        },
        { label: 'Closed out at closing', csv: 'closed_out', value: (r) => r.closed_out, format: (x) => fmtCount(x as number), numeric: true },
      ],
      rowClass: (r) => (r.completeness.incomplete ? 'incomplete' : undefined),
    });
    footfallTable.update(v.buckets);
    type ZoneRow = { bucket: string; zone: string; entries: number; unique_visitors: number; avg_dwell: number };
    const zoneRows: ZoneRow[] = v.buckets.flatMap((b) =>
      Object.keys(b.zones)
        .sort()
        .map((zone) => ({ bucket: b.bucket, zone, ...b.zones[zone] })),
    );
    const zoneTable = dataTable<ZoneRow>({
      name: 'history-zones',
      caption: `Zones by ${per}`,
      fileName: () => file('zones'),
      collapsible: zoneRows.length > 24,
      empty: 'No zone visits in this range.',
      columns: [bucketCol, { label: 'Zone', csv: 'zone_id', value: (r) => r.zone }, ...zoneMetricColumns()],
    });
    zoneTable.update(zoneRows);
    type QueueRow = { bucket: string; queue: string; waits: number; avg_wait: number; max_wait: number };
    const queueRows: QueueRow[] = v.buckets.flatMap((b) =>
      Object.keys(b.queues)
        .sort()
        .map((queue) => ({ bucket: b.bucket, queue, ...b.queues[queue] })),
    );
    const queueTable = dataTable<QueueRow>({
      name: 'history-queues',
      caption: `Queue waits by ${per}`,
      fileName: () => file('queues'),
      collapsible: queueRows.length > 24,
      empty: 'No queue waits in this range.',
      columns: [bucketCol, { label: 'Queue', csv: 'queue_id', value: (r) => r.queue }, ...queueMetricColumns()],
    });
    queueTable.update(queueRows);
    type ShelfRow = { bucket: string; shelf: string; interactions: number; avg_dwell: number };
    const shelfRows: ShelfRow[] = v.buckets.flatMap((b) =>
      Object.keys(b.shelves)
        .sort()
        .map((shelf) => ({ bucket: b.bucket, shelf, ...b.shelves[shelf] })),
    );
    const shelfTable = dataTable<ShelfRow>({
      name: 'history-shelves',
      caption: `Shelf interactions by ${per}`,
      fileName: () => file('shelves'),
      collapsible: shelfRows.length > 24,
      empty: 'No shelf interactions in this range.',
      columns: [bucketCol, { label: 'Shelf', csv: 'shelf_id', value: (r) => r.shelf }, ...shelfMetricColumns()],
    });
    shelfTable.update(shelfRows);

    results.replaceChildren(
      h(
        'p',
        { class: 'summary', 'data-summary': 'history' },
        `${fmtCount(total)} people in, ${range} (${v.buckets.length} ${per}s, ${tz}). `,
        shelfIds.length ? `${shelfIds.length} shelves, ` : '',
        `${zoneIds.length} zones, ${queueIds.length} queues.`,
        totals
          ? h(
              'span',
              { 'data-summary': 'sales' },
              ` ${fmtCount(totals.transactions)} transactions, ${fmtMoney(totals.sales_amount, currency)}; conversion ${fmtRate(totals.conversion_rate)}, average transaction ${fmtMoney(totals.atv, currency)}, sales per visitor ${fmtMoney(totals.sales_per_visitor, currency)} (conversion over the ${per}s with both footfall and sales).`,
            )
          : '',
      ),
      charts[0].element,
      legend,
      salesLegend,
      ...(moneyChart ? [moneyChart.element] : []),
      footfallTable.element,
      h('div', { class: 'grid-2' }, zoneChart.element, queueChart.element),
      zoneTable.element,
      queueTable.element,
      shelfTable.element,
    );
  }

  void load();
  return {
    element,
    dispose: () => {
      abort.abort();
      for (const c of charts) c.destroy();
    },
  };
}
