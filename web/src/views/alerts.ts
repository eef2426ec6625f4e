/**
 * Alerts: the banner every view shows above its content while the store has firing alerts, and the Alerts view
 * (firing first, then the recently resolved, each with the numbers that made it fire). Both read GET /api/alerts.
 */
import { type AlertListView, type AlertType, type AlertView, apiGet } from '../api.ts';
import { csvFileName } from '../csv.ts';
import { ago, formatLocalDateTime, formatLocalTime } from '../dates.ts';
import { errorBox, h } from '../dom.ts';
import { dataTable } from '../table.ts';
import { isAbort, sleep, type View, type ViewContext } from './view.ts';

export const ALERTS_REFRESH_MS = 15_000;

/** What each alert type means to a store manager, in a few words. */
export const ALERT_TYPE_LABELS: Record<AlertType, string> = {
  occupancy_over_capacity: 'Occupancy near capacity',
  queue_length: 'Queue too long',
  queue_wait: 'Queue wait too long',
  camera_not_analysing: 'Camera not analysing',
  no_footfall: 'No footfall',
  traffic_spike: 'Traffic spike',
  edge_events_lost: 'Events lost at the edge',
  webhook_endpoint_disabled: 'Webhook endpoint disabled',
};

/** "count=7 · threshold=5": the evidence as a person reads it, keys in their given order. */
export function evidenceText(evidence: AlertView['evidence'] | null): string {
  if (!evidence) return '';
  return Object.entries(evidence)
    .map(([k, v]) => `${k.replaceAll('_', ' ')} ${v === null ? '—' : String(v)}`)
    .join(' · ');
}

/** Polls the store's firing alerts every ALERTS_REFRESH_MS until the signal aborts; `show` gets each answer. */
async function pollFiring(storeId: string, signal: AbortSignal, show: (alerts: AlertView[] | Error) => void): Promise<void> {
  try {
    for (;;) {
      if (document.visibilityState !== 'hidden') {
        try {
          const { body } = await apiGet<AlertListView>('alerts', { store_id: storeId, state: 'firing' }, { signal });
          show(body.alerts);
        } catch (e) {
          if (isAbort(e)) return;
          show(e as Error);
        }
      }
      await sleep(ALERTS_REFRESH_MS, signal);
    }
  } catch (e) {
    if (!isAbort(e)) throw e;
  }
}

/**
 * The banner above every view: hidden while nothing fires; otherwise how many alerts fire and the newest ones'
 * summaries, with a link to the Alerts view. A failed refresh keeps the last answer (the banner must not flicker
 * away while the network hiccups).
 */
export function alertBanner(storeId: string, alertsHref: string): View {
  const abort = new AbortController();
  const element = h('div', { class: 'alert-banner', role: 'status', 'aria-live': 'polite', hidden: true, 'data-alert-banner': '' });
  void pollFiring(storeId, abort.signal, (alerts) => {
    if (alerts instanceof Error) return;
    element.hidden = alerts.length === 0;
    element.dataset.count = String(alerts.length);
    if (alerts.length === 0) return element.replaceChildren();
    const newest = alerts.slice(0, 3);
    element.replaceChildren(
      h('strong', {}, alerts.length === 1 ? '1 alert firing' : `${alerts.length} alerts firing`),
      h(
        'ul',
        {},
        newest.map((a) => h('li', { 'data-alert-type': a.type }, `${ALERT_TYPE_LABELS[a.type] ?? a.type}: ${a.summary} (${ago(a.fired_at)})`)),
      ),
      h('span', {}, alerts.length > newest.length ? `and ${alerts.length - newest.length} more · ` : ''),
      h('a', { href: alertsHref }, 'See all alerts'),
    );
  });
  return { element, dispose: () => abort.abort() };
}

export function alertsView({ store }: ViewContext): View {
  const abort = new AbortController();
  const file = (what: string) => csvFileName('wink', store.store_id, what, new Date().toISOString().slice(0, 10));
  const when = (iso: string | null) => (iso ? formatLocalDateTime(iso, store.timezone) : '—');
  const columns = (resolved: boolean) => [
    { label: 'Alert', csv: 'type', value: (r: AlertView) => r.type, format: (_v: unknown, r: AlertView) => ALERT_TYPE_LABELS[r.type] ?? r.type },
    { label: 'About', csv: 'subject', value: (r: AlertView) => r.subject || null, format: (v: unknown) => (v ? String(v) : 'store') },
    { label: 'What happened', csv: 'summary', value: (r: AlertView) => r.summary, wrap: true },
    { label: 'Fired (store time)', csv: 'fired_at_utc', value: (r: AlertView) => r.fired_at, format: (v: unknown) => when(v as string) },
    ...(resolved
      ? [{ label: 'Resolved (store time)', csv: 'resolved_at_utc', value: (r: AlertView) => r.resolved_at, format: (v: unknown) => when(v as string | null) }]
      : []),
    { label: 'Evidence', csv: 'evidence', value: (r: AlertView) => evidenceText(r.evidence), wrap: true },
  ];
  const firing = dataTable<AlertView>({
    name: 'alerts-firing',
    caption: 'Firing now',
    fileName: () => file('alerts-firing'),
    empty: 'Nothing needs attention right now.',
    columns: columns(false),
    rowClass: () => 'alert-firing',
  });
  const resolved = dataTable<AlertView>({
    name: 'alerts-resolved',
    caption: 'Resolved recently',
    fileName: () => file('alerts-resolved'),
    empty: 'No alert has resolved yet.',
    columns: columns(true),
  });
  const status = h('p', { class: 'refresh-status', id: 'alerts-status' }, 'Loading…');
  const errors = h('div', {});
  const element = h(
    'section',
    { class: 'view view-alerts', 'aria-labelledby': 'alerts-title' },
    h('div', { class: 'view-head' }, h('h2', { id: 'alerts-title', tabindex: -1 }, `Alerts — ${store.name}`), h('div', { class: 'view-actions' }, status)),
    h(
      'p',
      { class: 'lead' },
      'An alert fires once when a rule is crossed and resolves once when things are back to normal. Rules and webhooks are set by your WINK administrator.',
    ),
    errors,
    firing.element,
    resolved.element,
  );

  const load = async () => {
    const [f, r] = await Promise.all([
      apiGet<AlertListView>('alerts', { store_id: store.store_id, state: 'firing' }, { signal: abort.signal }),
      apiGet<AlertListView>('alerts', { store_id: store.store_id, state: 'resolved', limit: 50 }, { signal: abort.signal }),
    ]);
    firing.update(f.body.alerts);
    resolved.update(r.body.alerts);
    status.textContent = `Updated ${formatLocalTime(new Date().toISOString(), store.timezone)} store time · refreshes every ${ALERTS_REFRESH_MS / 1000} s`;
  };
  void (async () => {
    try {
      for (;;) {
        try {
          await load();
          errors.replaceChildren();
        } catch (e) {
          if (isAbort(e)) return;
          errors.replaceChildren(errorBox(`Alerts could not be loaded: ${(e as Error).message}`));
        }
        await sleep(ALERTS_REFRESH_MS, abort.signal);
      }
    } catch (e) {
      if (!isAbort(e)) throw e;
    }
  })();
  return { element, dispose: () => abort.abort() };
}
