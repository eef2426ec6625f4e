/** The shell: sign-in, store picker, navigation between the Live, History and Analytics views. */
import { apiGet, ApiError, clearToken, getToken, isAdminToken, setToken, UNAUTHORIZED_EVENT, type StoreListView, type StoreSummary } from './api.ts';
import { isDate, zoneOffsetLabel } from './dates.ts';
import { errorBox, h } from './dom.ts';
import { alertBanner, alertsView } from './views/alerts.ts';
import { analyticsView } from './views/analytics.ts';
import { compareView } from './views/compare.ts';
import { historyView } from './views/history.ts';
import { liveView } from './views/live.ts';
import type { View, ViewContext } from './views/view.ts';

const VIEWS = [
  { id: 'live', label: 'Live', make: liveView },
  { id: 'history', label: 'History', make: historyView },
  { id: 'analytics', label: 'Analytics', make: analyticsView },
  { id: 'compare', label: 'Compare stores', make: compareView },
  { id: 'alerts', label: 'Alerts', make: alertsView },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

const STORE_KEY = 'wink.store';

export function startApp(root: HTMLElement): void {
  // The skip link focuses <main> itself: following "#main" would replace the view's route in the hash.
  document.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main')?.focus();
  });
  window.addEventListener(UNAUTHORIZED_EVENT, () => {
    clearToken();
    signIn(root, 'Your viewer key is no longer accepted (revoked or expired). Sign in again.');
  });
  if (getToken()) void boot(root);
  else signIn(root);
}

function signIn(root: HTMLElement, notice?: string): void {
  disposeCurrent();
  const input = h('input', {
    id: 'viewer-key',
    name: 'viewer-key',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    placeholder: 'wink_view_…',
    'aria-describedby': 'viewer-key-hint',
  });
  const message = h('div', { class: 'form-message' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  // method=post: even without JavaScript the key could never end up in the address bar.
  const form = h(
    'form',
    { method: 'post', class: 'signin-form', 'aria-labelledby': 'signin-title' },
    h('label', { for: 'viewer-key' }, 'Viewer API key'),
    input,
    h(
      'small',
      { id: 'viewer-key-hint', class: 'hint' },
      'Ask your WINK administrator for a viewer key. It is kept only in this browser tab and forgotten when you close it.',
    ),
    button,
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    message.replaceChildren(h('span', { role: 'status' }, 'Checking the key…'));
    try {
      const { body } = await apiGet<StoreListView>('dashboard/stores', {}, { token });
      setToken(token);
      input.value = '';
      void boot(root, body.stores);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      const why =
        status === 401
          ? 'That key is not valid or has been revoked.'
          : status === 403
            ? 'That is an edge (camera) key: it can only send events. Sign in with a viewer key.'
            : (err as Error).message;
      message.replaceChildren(errorBox(why));
      button.disabled = false;
      input.focus();
      input.select();
    }
  });
  root.replaceChildren(
    h(
      'main',
      { id: 'main', class: 'signin', tabindex: -1 },
      h(
        'div',
        { class: 'signin-card' },
        h('p', { class: 'brand', 'aria-hidden': 'true' }, 'WINK'),
        h('h1', { id: 'signin-title' }, 'Store dashboard'),
        h('p', {}, 'Footfall, occupancy, zones, shelves and queues from your store cameras.'),
        notice ? errorBox(notice) : null,
        form,
      ),
    ),
  );
  root.removeAttribute('aria-busy');
  input.focus();
}

let current: View | null = null;
let banner: View | null = null;
let stopRouting: (() => void) | null = null;

function disposeCurrent(): void {
  current?.dispose();
  current = null;
  banner?.dispose();
  banner = null;
  stopRouting?.();
  stopRouting = null;
}

async function boot(root: HTMLElement, preloaded?: StoreSummary[]): Promise<void> {
  disposeCurrent();
  let stores = preloaded;
  if (!stores) {
    root.replaceChildren(h('main', { id: 'main', class: 'loading' }, h('p', { role: 'status' }, 'Loading your stores…')));
    try {
      stores = (await apiGet<StoreListView>('dashboard/stores')).body.stores;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return; // the unauthorized handler shows the sign-in form
      root.replaceChildren(
        h(
          'main',
          { id: 'main' },
          errorBox(`Could not load your stores: ${(err as Error).message}`),
          h('button', { type: 'button', onclick: () => void boot(root) }, 'Try again'),
        ),
      );
      return;
    }
  }
  if (stores.length === 0) {
    root.replaceChildren(h('main', { id: 'main' }, errorBox('Your organisation has no stores yet.'), signOutButton(root)));
    return;
  }
  shell(root, stores);
}

function signOutButton(root: HTMLElement): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        clearToken();
        signIn(root, undefined);
      },
    },
    'Sign out',
  );
}

/** Analytics can open on a promotion's dates (`promo_start`, `promo_end`), e.g. from the address `npm run demo` prints. */
interface Route {
  view: ViewId;
  store: string | null;
  promo: { start: string; end: string } | null;
}

function route(): Route {
  const m = new RegExp(`^#/(${VIEWS.map((v) => v.id).join('|')})(?:\\?(.*))?$`).exec(location.hash);
  const params = new URLSearchParams(m?.[2] ?? '');
  const view = (m?.[1] as ViewId | undefined) ?? 'live';
  const [start, end] = [params.get('promo_start'), params.get('promo_end')];
  const promo = view === 'analytics' && start && end && isDate(start) && isDate(end) && start <= end ? { start, end } : null;
  return { view, store: params.get('store'), promo };
}

function shell(root: HTMLElement, stores: StoreSummary[]): void {
  const select = h(
    'select',
    { id: 'store-picker', name: 'store' },
    stores.map((s) => h('option', { value: s.store_id }, `${s.name} (${s.store_id})`)),
  );
  const zone = h('span', { class: 'tz', id: 'store-tz' });
  const links = VIEWS.map((v) => h('a', { href: '#', class: 'nav-link', 'data-view': v.id }, v.label));
  const main = h('main', { id: 'main', tabindex: -1 });
  const bannerSlot = h('div', { class: 'banner-slot' });
  let bannerStore = '';
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'topbar-row' },
        h('p', { class: 'brand' }, 'WINK'),
        h('div', { class: 'picker' }, h('label', { for: 'store-picker' }, 'Store'), select, zone),
        signOutButton(root),
      ),
      h(
        'nav',
        { 'aria-label': 'Views' },
        h(
          'ul',
          {},
          links.map((a) => h('li', {}, a)),
        ),
      ),
    ),
    bannerSlot,
    main,
  );
  root.removeAttribute('aria-busy');

  const storeOf = (id: string | null) => stores.find((s) => s.store_id === id);
  let shown = '';
  const render = (focusHeading: boolean) => {
    const r = route();
    const store = storeOf(r.store) ?? storeOf(sessionStorage.getItem(STORE_KEY)) ?? stores[0];
    const promo = r.promo ? `&promo_start=${r.promo.start}&promo_end=${r.promo.end}` : '';
    const want = `#/${r.view}?store=${encodeURIComponent(store.store_id)}${promo}`;
    if (location.hash !== want) history.replaceState(null, '', want);
    sessionStorage.setItem(STORE_KEY, store.store_id);
    select.value = store.store_id;
    zone.textContent = `Store time: ${store.timezone} (${zoneOffsetLabel(store.timezone)})`;
    for (const a of links) {
      a.href = `#/${a.dataset.view}?store=${encodeURIComponent(store.store_id)}`;
      if (a.dataset.view === r.view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    // The banner follows the store, not the view: it keeps polling while the manager moves between views.
    if (bannerStore !== store.store_id) {
      bannerStore = store.store_id;
      banner?.dispose();
      banner = alertBanner(store.store_id, `#/alerts?store=${encodeURIComponent(store.store_id)}`);
      bannerSlot.replaceChildren(banner.element);
    }
    const key = `${r.view}|${store.store_id}${promo}`;
    if (key === shown) return;
    shown = key;
    current?.dispose();
    const ctx: ViewContext = { store, stores, promo: r.promo, admin: isAdminToken() };
    const def = VIEWS.find((v) => v.id === r.view)!;
    current = def.make(ctx);
    main.replaceChildren(current.element);
    document.title = `${def.label} · ${store.name} — WINK`;
    if (focusHeading) current.element.querySelector<HTMLElement>('h2')?.focus();
  };
  const onHash = () => render(true);
  window.addEventListener('hashchange', onHash);
  select.addEventListener('change', () => {
    history.replaceState(null, '', `#/${route().view}?store=${encodeURIComponent(select.value)}`);
    render(false);
  });
  stopRouting = () => window.removeEventListener('hashchange', onHash);
  render(false);
}
