/**
 * The backend's read API with the viewer key. The key lives in sessionStorage only (gone when the tab
 * closes) and travels in the Authorization header, never in a URL.
 */

const TOKEN_KEY = 'wink.viewerKey';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}
export function clearToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled */
  }
}

/**
 * Whether the page is used with the operator's admin token rather than a viewer key: a key the read API accepted
 * that is not a viewer key can only be the admin token (edge and POS keys are refused at sign-in). The prefixes are
 * the backend's key formats (backend/src/common/bearer-token.ts), which the browser bundle cannot import.
 */
export function isAdminToken(token: string | null = getToken()): boolean {
  return !!token && !/^wink_(view|edge|pos)_/.test(token);
}

/** An answer other than 2xx, with the backend's message (`field: why`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

/** Fired on window when the key stops working (401), so the shell can return to the sign-in form. */
export const UNAUTHORIZED_EVENT = 'wink:unauthorized';

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

type Params = Record<string, string | number | undefined | null | readonly string[]>;

export function query(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** GET a JSON endpoint; 2xx answers (200 and 202) resolve, anything else throws ApiError. */
export function apiGet<T>(path: string, params: Params = {}, opts: { token?: string; signal?: AbortSignal } = {}): Promise<ApiAnswer<T>> {
  return send<T>(path, params, {}, opts);
}

/** POST a text body (a CSV file) with the signed-in token; 2xx resolves, anything else throws ApiError naming the field. */
export function apiPostText<T>(path: string, params: Params, text: string, contentType: string, opts: { signal?: AbortSignal } = {}): Promise<ApiAnswer<T>> {
  return send<T>(path, params, { method: 'POST', body: text, headers: { 'content-type': contentType } }, opts);
}

/** One request to the API with the key (`opts.token`: a key being tried at sign-in, else the signed-in one). */
async function send<T>(
  path: string,
  params: Params,
  init: { method?: string; body?: string; headers?: Record<string, string> },
  opts: { token?: string; signal?: AbortSignal },
): Promise<ApiAnswer<T>> {
  const token = opts.token ?? getToken();
  if (!token) throw new ApiError(401, 'Not signed in', 'authorization');
  let res: Response;
  try {
    res = await fetch(`api/${path}${query(params)}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...init.headers },
      cache: 'no-store',
      credentials: 'omit',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    // Reads are polled again by the views; a write is for the user to send again.
    throw new ApiError(0, `The server did not answer. Check the connection${init.method ? ' and try again.' : '; retrying.'}`, null);
  }
  return readAnswer<T>(res, !opts.token);
}

/** The JSON of an answer; a 401 on the signed-in key (`signedIn`) sends the page back to the sign-in form. */
async function readAnswer<T>(res: Response, signedIn: boolean): Promise<ApiAnswer<T>> {
  let body: any = null;
  const text = await res.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (!res.ok) {
    if (res.status === 401 && signedIn) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    const message = typeof body?.message === 'string' ? body.message : Array.isArray(body?.message) ? body.message.join('; ') : `HTTP ${res.status}`;
    throw new ApiError(res.status, message, typeof body?.field === 'string' ? body.field : null);
  }
  return { status: res.status, body: body as T };
}

// ---- The shapes the views read: the read contract, declared once in shared/ (the backend builds its answers
// with the same types, so a renamed field breaks both builds). Type-only: nothing of it reaches the bundle. ----

export type {
  BucketCompleteness,
  ComparisonMeasure,
  ComparisonMetricName,
  ComparisonResult,
  ComparisonStore,
  CameraState,
  CameraStatusView,
  CountLift,
  DidLift,
  HistoryBucket,
  LeftOutHours,
  LiveView,
  PeriodSummary,
  PromoResult,
  QueueLengthReading,
  QueueMetrics,
  RatioLift,
  Report,
  SalesLeftOut,
  SalesMeasures,
  ReportHead,
  ShelfMetrics,
  Spike,
  SpikeHour,
  SpikeResult,
  StoreHistoryView,
  StoreListView,
  StoreSummary,
  Unavailable,
  ZoneMetrics,
} from '../../shared/src/read-contract.ts';
export type { AlertListView, AlertType, AlertView } from '../../shared/src/alerts.ts';
/** What a sales upload did (the admin API's answer), declared beside its schema in the backend. */
export type { SalesWriteOutcome } from '../../backend/src/sales/sales.dto.ts';
