/** Live: today's numbers in the store's local day, refreshed every few seconds in place (no reload). */
import { apiGet, type CameraStatusView, type LiveView, type QueueLengthReading, type QueueMetrics, type ShelfMetrics, type ZoneMetrics } from '../api.ts';
import { csvFileName } from '../csv.ts';
import { ago, agoSeconds, formatLocalDateTime, formatLocalTime } from '../dates.ts';
import { errorBox, h } from '../dom.ts';
import { fmtCount, fmtMoney, fmtRate } from '../format.ts';
import { LEFT_OUT_REASONS } from '../sales.ts';
import { dataTable } from '../table.ts';
import { queueMetricColumns, shelfMetricColumns, zoneMetricColumns } from './metric-columns.ts';
import { isAbort, sleep, type View, type ViewContext } from './view.ts';

export const LIVE_REFRESH_MS = 5000;

type Row<T> = { id: string } & T;
const rowsOf = <T>(o: Record<string, T>): Row<T>[] =>
  Object.keys(o)
    .sort()
    .map((id) => ({ id, ...o[id] }));
type QueueRow = Row<QueueMetrics> & { now: QueueLengthReading | null };
/** Every queue with waits today or a length reading, with both (a queue only read, not yet waited in, has 0 waits). */
function queueRows(v: LiveView): QueueRow[] {
  const ids = [...new Set([...Object.keys(v.queues), ...v.queue_lengths.map((q) => q.queue_id)])].sort();
  return ids.map((id) => ({ id, ...(v.queues[id] ?? { waits: 0, avg_wait: 0, max_wait: 0 }), now: v.queue_lengths.find((q) => q.queue_id === id) ?? null }));
}
/** "● Online", "◐ Not analysing (reconnecting)", "○ Offline". */
function cameraStatusText(c: CameraStatusView): string {
  if (c.status === 'online') return '● Online';
  if (c.status === 'not_analysing') return `◐ Not analysing${c.stream_state ? ` (${c.stream_state})` : ''}`;
  return '○ Offline';
}

export function liveView({ store }: ViewContext): View {
  const abort = new AbortController();
  let paused = false;
  let last: LiveView | null = null;
  const file = (what: string) => csvFileName('wink', store.store_id, what, last?.date ?? '');

  const card = (name: string, label: string) => {
    const value = h('p', { class: 'card-value', 'data-metric': name }, '—');
    const note = h('p', { class: 'card-note' });
    const el = h('div', { class: 'card', role: 'group', 'aria-label': label }, h('p', { class: 'card-label' }, label), value, note);
    return { el, value, note };
  };
  const footfall = card('footfall', 'Footfall today');
  const occupancy = card('occupancy', 'Occupancy now');
  const utilisation = card('utilisation', 'Utilisation');
  const cameras = card('cameras-online', 'Cameras online');
  const day = card('date', 'Store day');
  // Sales today so far, from the store's POS feed: shown only when it sent sales today (LiveView.sales not null).
  const transactions = card('transactions', 'Transactions today');
  const salesAmount = card('sales-amount', 'Sales today');
  const conversion = card('conversion', 'Conversion so far');
  const atv = card('atv', 'Average transaction');
  const salesCards = h(
    'div',
    { class: 'cards sales-cards', role: 'group', 'aria-label': 'Sales today so far', 'data-sales': '', hidden: true },
    transactions.el,
    salesAmount.el,
    conversion.el,
    atv.el,
  );

  const zones = dataTable<Row<ZoneMetrics>>({
    name: 'live-zones',
    caption: 'Zones today',
    fileName: () => file('zones'),
    empty: 'No zone visits yet today.',
    columns: [{ label: 'Zone', csv: 'zone_id', value: (r) => r.id }, ...zoneMetricColumns()],
  });
  const shelves = dataTable<Row<ShelfMetrics>>({
    name: 'live-shelves',
    caption: 'Shelf interactions today',
    fileName: () => file('shelves'),
    empty: 'No shelf interactions yet today.',
    columns: [{ label: 'Shelf', csv: 'shelf_id', value: (r) => r.id }, ...shelfMetricColumns()],
  });
  const queues = dataTable<QueueRow>({
    name: 'live-queues',
    caption: 'Queues: waiting now and waits today',
    fileName: () => file('queues'),
    empty: 'No queue waits yet today.',
    columns: [
      { label: 'Queue', csv: 'queue_id', value: (r) => r.id },
      {
        label: 'Waiting now',
        csv: 'waiting_now',
        value: (r) => r.now?.length ?? null,
        numeric: true,
        format: (x, r) => (r.now ? `${fmtCount(x as number)} waiting · ${agoSeconds(r.now.age_seconds)}` : '—'),
      },
      { label: 'reading_age_seconds', csv: 'reading_age_seconds', csvOnly: true, value: (r) => r.now?.age_seconds ?? null },
      ...queueMetricColumns(),
    ],
  });
  const camerasTable = dataTable<CameraStatusView>({
    name: 'live-cameras',
    caption: 'Cameras',
    fileName: () => file('cameras'),
    empty: 'No cameras registered.',
    columns: [
      { label: 'Camera', csv: 'camera_id', value: (r) => r.camera_id },
      { label: 'Name', csv: 'name', value: (r) => r.name },
      { label: 'Status', csv: 'status', value: (r) => r.status, format: (_v, r) => cameraStatusText(r), cellClass: (r) => `status-${r.status}` },
      { label: 'stream_state', csv: 'stream_state', csvOnly: true, value: (r) => r.stream_state },
      {
        label: 'Last heartbeat',
        csv: 'last_heartbeat_utc',
        value: (r) => r.last_heartbeat,
        format: (v) => (v ? `${heartbeatTime(v as string)} · ${ago(v as string)}` : 'never'),
      },
      { label: 'Capabilities', csv: 'capabilities', value: (r) => r.capabilities.join(' ') },
    ],
  });

  /** Store-local time of a heartbeat: just the time when it is from the store's today, else date and time. */
  const heartbeatTime = (iso: string) => {
    const full = formatLocalDateTime(iso, store.timezone);
    return last && full.startsWith(last.date) ? formatLocalTime(iso, store.timezone) : full;
  };

  const status = h('p', { class: 'refresh-status', id: 'live-status' }, 'Loading…');
  const errors = h('div', { class: 'live-errors' });
  const pause = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false', 'aria-describedby': 'live-status' }, 'Pause updates');
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume updates' : 'Pause updates';
    if (!paused) void tick();
    showStatus();
  });

  const element = h(
    'section',
    { class: 'view view-live', 'aria-labelledby': 'live-title' },
    h('div', { class: 'view-head' }, h('h2', { id: 'live-title', tabindex: -1 }, `Live — ${store.name}`), h('div', { class: 'view-actions' }, status, pause)),
    errors,
    h('div', { class: 'cards' }, footfall.el, occupancy.el, utilisation.el, cameras.el, day.el),
    salesCards,
    h('div', { class: 'grid-2' }, zones.element, shelves.element, queues.element, camerasTable.element),
  );

  function showStatus(): void {
    if (!last) return;
    const at = formatLocalTime(last.timestamp, store.timezone);
    status.textContent = paused ? `Updates paused · last at ${at} store time` : `Updated ${at} store time · refreshes every ${LIVE_REFRESH_MS / 1000} s`;
  }

  function render(v: LiveView): void {
    last = v;
    footfall.value.textContent = fmtCount(v.footfall);
    footfall.value.dataset.value = String(v.footfall);
    footfall.note.textContent = 'people in since local midnight';
    occupancy.value.textContent = fmtCount(v.occupancy);
    occupancy.value.dataset.value = String(v.occupancy);
    const hours = v.opening_hours ? v.opening_hours.map(([a, b]) => `${a}–${b}`).join(', ') || 'closed today' : null;
    occupancy.note.textContent =
      v.open === null
        ? 'in − out since local midnight'
        : `${v.open ? 'open' : 'closed'} · ${hours}${v.closed_out ? ` · ${fmtCount(v.closed_out)} closed out at closing` : ''}`;
    occupancy.value.dataset.closedOut = String(v.closed_out);
    utilisation.value.textContent = v.utilisation === null ? '—' : `${Math.round(v.utilisation * 100)} %`;
    utilisation.value.dataset.value = v.utilisation === null ? '' : String(v.utilisation);
    utilisation.note.textContent = v.capacity === null ? 'no capacity set' : `${fmtCount(v.occupancy)} of ${fmtCount(v.capacity)} capacity`;
    utilisation.el.classList.toggle('warn', v.utilisation !== null && v.utilisation >= 1);
    const online = v.cameras.filter((c) => c.status === 'online').length;
    cameras.value.textContent = `${online} / ${v.cameras.length}`;
    cameras.value.dataset.value = String(online);
    const notAnalysing = v.cameras.filter((c) => c.status === 'not_analysing').length;
    const offline = v.cameras.length - online - notAnalysing;
    cameras.note.textContent =
      online === v.cameras.length
        ? 'all analysing'
        : [notAnalysing ? `${notAnalysing} not analysing` : '', offline ? `${offline} offline` : ''].filter(Boolean).join(' · ');
    cameras.el.classList.toggle('warn', online < v.cameras.length);
    day.value.textContent = v.date;
    day.value.dataset.value = v.date;
    day.note.textContent = v.timezone;
    renderSales(v);
    zones.update(rowsOf(v.zones));
    shelves.update(rowsOf(v.shelves));
    queues.update(queueRows(v));
    camerasTable.update(v.cameras);
    showStatus();
  }

  function renderSales(v: LiveView): void {
    const s = v.sales;
    salesCards.hidden = !s;
    salesCards.dataset.sales = s ? 'shown' : '';
    if (!s) return;
    const set = (c: typeof transactions, raw: number | null, text: string, note: string) => {
      c.value.textContent = text;
      c.value.dataset.value = raw === null ? '' : String(raw);
      c.note.textContent = note;
    };
    set(transactions, s.transactions, fmtCount(s.transactions), 'since local midnight, from the till');
    set(salesAmount, s.sales_amount, fmtMoney(s.sales_amount, s.currency), 'since local midnight');
    set(
      conversion,
      s.conversion_rate,
      fmtRate(s.conversion_rate),
      s.left_out ? `not yet: ${LEFT_OUT_REASONS[s.left_out]}` : 'transactions per visitor, hours with both footfall and sales',
    );
    conversion.el.classList.toggle('warn', !!s.left_out);
    set(atv, s.atv, fmtMoney(s.atv, s.currency), `sales per visitor ${fmtMoney(s.sales_per_visitor, s.currency)}`);
  }

  let inFlight = false;
  async function tick(): Promise<void> {
    if (inFlight || abort.signal.aborted) return;
    inFlight = true;
    try {
      const { body } = await apiGet<LiveView>('dashboard/live', { store_id: store.store_id }, { signal: abort.signal });
      errors.replaceChildren();
      render(body);
    } catch (e) {
      if (isAbort(e)) return;
      errors.replaceChildren(errorBox(`Live numbers could not be refreshed: ${(e as Error).message}`));
    } finally {
      inFlight = false;
    }
  }

  async function loop(): Promise<void> {
    try {
      for (;;) {
        // A hidden tab does not poll; it catches up as soon as it is shown again.
        if (!paused && document.visibilityState !== 'hidden') await tick();
        await sleep(LIVE_REFRESH_MS, abort.signal);
      }
    } catch (e) {
      if (!isAbort(e)) throw e;
    }
  }
  const onVisible = () => {
    if (document.visibilityState === 'visible' && !paused) void tick();
  };
  document.addEventListener('visibilitychange', onVisible);
  void loop();
  return {
    element,
    dispose: () => {
      abort.abort();
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
