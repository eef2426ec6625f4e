/**
 * The simulator's only way into WINK: the public admin and ingest HTTP APIs, as an operator and an edge
 * would use them. Rate limiting (429) and server errors (5xx) or a dropped connection are retried with
 * exponential backoff; any other refusal is final and carries the API's status and message.
 */
import type { EventBatch, Heartbeat } from '../../shared/src/events.ts';
import type { SalesReceiptDto, SalesWriteOutcome } from '../../backend/src/sales/sales.dto.ts';

/** A till's receipts for one store (POST /api/sales). */
export interface SalesReceiptBatch {
  store_id: string;
  currency: string;
  receipts: SalesReceiptDto[];
}

export interface IngestResult {
  status: 'ok';
  received: number;
  accepted: number;
  duplicates: number;
}

export class WinkApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status, or 0 when the API could not be reached at all. */
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${method} ${path} → ${status === 0 ? 'no response' : status}: ${detail}`);
    this.name = 'WinkApiError';
  }
}

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 250, maxDelayMs: 10_000 };

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500 || status === 0;
}

/**
 * How long to wait before retry number `retry` (1 = the first retry): the server's Retry-After when it
 * sent one, else exponential backoff with "full jitter" (a random share of the cap, so parallel senders
 * do not retry in lock-step).
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, retryAfter: string | null, random: () => number = Math.random): number {
  const seconds = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
  if (seconds !== null) return Math.min(policy.maxDelayMs, seconds * 1000);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.max(policy.baseDelayMs / 2, Math.round(cap * random()));
}

/** The message of an API error body (`{"message": "events[2].ts: …"}`), or the start of a non-JSON body. */
export function describeErrorBody(text: string, statusText: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    if (typeof message === 'string' && message) return message;
    if (typeof body.error === 'string' && body.error) return body.error;
  } catch {
    // not JSON: fall through to the raw text
  }
  const raw = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return raw ? `${statusText} ${raw}`.trim() : statusText || 'empty response';
}

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

export interface WinkApiClientOptions {
  retry?: RetryPolicy;
  /** Called before each retry (for a progress line); the default prints nothing. */
  onRetry?: (info: { method: string; path: string; status: number; detail: string; retry: number; delayMs: number }) => void;
  sleep?: (ms: number) => Promise<void>;
}

export class WinkApiClient {
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly baseUrl: string,
    private readonly adminToken: string,
    private readonly options: WinkApiClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** One request, no retries: a clear message when nothing answers at --api. */
  async health(): Promise<{ status: string; database?: string; redis?: string }> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/ingest/health`);
    } catch (e) {
      throw new WinkApiError('GET', '/api/ingest/health', 0, `cannot reach the WINK API at ${this.baseUrl} (${networkReason(e)}); is it running? (--api)`);
    }
    const text = await res.text();
    if (res.status === 503) {
      const body = JSON.parse(text) as { database?: string; redis?: string };
      throw new WinkApiError('GET', '/api/ingest/health', 503, `the API is up but not healthy (database ${body.database}, redis ${body.redis})`);
    }
    if (!res.ok)
      throw new WinkApiError('GET', '/api/ingest/health', res.status, `${describeErrorBody(text, res.statusText)} (is ${this.baseUrl} a WINK API? --api)`);
    return JSON.parse(text);
  }

  async admin<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    try {
      return await this.request<T>(method, path, this.adminToken, body);
    } catch (e) {
      if (e instanceof WinkApiError && e.status === 401) {
        throw new WinkApiError(e.method, e.path, e.status, `${e.detail} (check --admin-token or ADMIN_TOKEN)`);
      }
      throw e;
    }
  }

  ingestEvents(apiKey: string, batch: EventBatch): Promise<IngestResult> {
    return this.request<IngestResult>('POST', '/api/ingest/events', apiKey, batch);
  }

  heartbeat(apiKey: string, hb: Heartbeat): Promise<{ status: 'ok' }> {
    return this.request('POST', '/api/ingest/heartbeat', apiKey, hb);
  }

  /** POST /api/sales with a POS key, as a till would: receipts of one store, all stored or none, idempotent. */
  sendSales(posKey: string, batch: SalesReceiptBatch): Promise<SalesWriteOutcome> {
    return this.request('POST', '/api/sales', posKey, batch);
  }

  private async request<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let detail: string;
      let retryAfter: string | null = null;
      try {
        const res = await fetch(this.baseUrl + path, { method, headers, body: payload });
        const text = await res.text();
        if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
        status = res.status;
        detail = describeErrorBody(text, res.statusText);
        retryAfter = res.headers.get('retry-after');
      } catch (e) {
        status = 0;
        detail = `cannot reach ${this.baseUrl} (${networkReason(e)})`;
      }
      if (!isRetryableStatus(status) || attempt >= this.retry.attempts) {
        throw new WinkApiError(method, path, status, attempt > 1 ? `${detail} (after ${attempt} attempts)` : detail);
      }
      const delayMs = retryDelayMs(attempt, this.retry, retryAfter);
      this.options.onRetry?.({ method, path, status, detail, retry: attempt, delayMs });
      await this.sleep(delayMs);
    }
  }
}
