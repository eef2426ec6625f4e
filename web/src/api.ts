/**
 * The backend's read API with the viewer key. The key lives in sessionStorage only (gone when the tab
 * closes) and travels in the Authorization header, never in a URL.
 */

const TOKEN_KEY = 'wink.viewerKey';

export function getToken(): string | null {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}
export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}
export function clearToken(): void {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage disabled */ }
}

/** An answer other than 2xx, with the backend's message (`field: why`). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly field: string | null) {
    super(message);
  }
}

/** Fired on window when the key stops working (401), so the shell can return to the sign-in form. */
export const UNAUTHORIZED_EVENT = 'wink:unauthorized';

export interface ApiAnswer<T> { status: number; body: T }

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
export async function apiGet<T>(path: string, params: Params = {}, opts: { token?: string; signal?: AbortSignal } = {}): Promise<ApiAnswer<T>> {
  const token = opts.token ?? getToken();
  if (!token) throw new ApiError(401, 'Not signed in', 'authorization');
  let res: Response;
  try {
    res = await fetch(`api/${path}${query(params)}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'The server did not answer. Check the connection; retrying.', null);
  }
  let body: any = null;
  const text = await res.text();
  try { body = text ? JSON.parse(text) : null; } catch { body = { message: text.slice(0, 200) }; }
  if (!res.ok) {
    if (res.status === 401 && !opts.token) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    const message = typeof body?.message === 'string' ? body.message : Array.isArray(body?.message) ? body.message.join('; ') : `HTTP ${res.status}`;
    throw new ApiError(res.status, message, typeof body?.field === 'string' ? body.field : null);
  }
  return { status: res.status, body: body as T };
}

// ---- The shapes the views read (see docs/dashboard.md and docs/analytics.md) ----

export interface StoreInfo { store_id: string; name: string; timezone: string }

export interface ZoneMetrics { entries: number; unique_visitors: number; avg_dwell: number }
export interface ShelfMetrics { interactions: number; avg_dwell: number }
export interface QueueMetrics { waits: number; avg_wait: number; max_wait: number }
export interface Metrics {
  footfall: number; occupancy: number;
  zones: Record<string, ZoneMetrics>; shelves: Record<string, ShelfMetrics>; queues: Record<string, QueueMetrics>;
}
export interface CameraInfo {
  camera_id: string; name: string; capabilities: string[]; status: string; last_heartbeat: string | null; status_data?: Record<string, unknown> | null;
}
/** /live's occupancy fields (backend/src/dashboard/occupancy.ts OccupancyNow). */
export interface OccupancyNow {
  capacity: number | null; utilisation: number | null; open: boolean | null; closed_out: number; opening_hours: [string, string][] | null;
}
/** Occupancy per history bucket (backend/src/dashboard/occupancy.ts BucketOccupancy); avg and peak are null for a bucket not yet begun. */
export interface BucketOccupancy { occupancy_avg: number | null; occupancy_peak: number | null; closed_out: number }
export interface OccupancyCorrection { date: string; opened_at: string; closed_at: string; count: number; reason: string; recorded_at: string }
export interface LiveView extends Metrics, OccupancyNow { store_id: string; date: string; timezone: string; cameras: CameraInfo[]; timestamp: string }
export interface HistoryView {
  store_id: string; timezone: string; granularity: 'hour' | 'day'; from: string; to: string; buckets: ({ bucket: string } & Metrics & BucketOccupancy)[];
  corrections: OccupancyCorrection[];
}

export interface ReportHead { report_id: string; kind: 'spikes' | 'promo'; status: 'pending' | 'running' | 'ready' | 'failed'; created_at: string; poll?: string }
export interface Report<R> extends ReportHead { result: R; completed_at: string | null }

export interface SpikeHour { local: string; utc: string; count: number | null; expected: number | null; threshold: number | null; spike: boolean }
export interface Spike { local: string; utc: string; count: number; expected: number; threshold: number; score: number; p_value: number; baseline: string; baseline_points: number }
export interface SpikeResult {
  store_id: string; timezone: string; days: number; start_date: string; end_date: string;
  summary: { hours: number; hours_with_data: number; hours_without_baseline: number; footfall: number; spikes: number };
  spikes: Spike[]; series: SpikeHour[];
}

export interface CountLift {
  kind: 'count'; promo: number; baseline: number; lift_abs: number; lift_pct: number | null; ci95_pct: [number, number | null] | null;
  p_value: number; significant: boolean; method: string;
}
export interface RatioLift {
  kind: 'ratio'; promo: number; baseline: number; lift_abs: number; lift_pct: number; ci95_pct: [number, number] | null;
  significant: boolean | null; method: string;
}
export interface Unavailable { available: false; reason: string }
export interface DidLift { lift_pct: number | null; ci95_pct: [number, number] | null; p_value: number | null; significant: boolean | null; method: string }
export interface PeriodSummary { start_date: string; end_date: string; days: number; days_with_data: number; missing_dates: string[] }
export interface PromoResult {
  store_id: string; timezone: string; filters: { shelf_id: string | null; zone_id: string | null };
  promo: PeriodSummary; baseline: PeriodSummary & { mode: string; weeks?: number };
  metrics: Record<string, CountLift | RatioLift | Unavailable>;
  did: { control_store_ids: string[]; promo_store_days: number; baseline_store_days: number; metrics: Record<string, DidLift | Unavailable> } | null;
}
