// The backend's ingest endpoints as the edge sees them: every answer is sorted into "accepted",
// "retry later" or "rejected for good", which is all the outbox and the heartbeat need to know.
import type { EventBatch, Heartbeat } from '../../../shared/src/events.ts';
import { errorText } from './log.ts';

export type Delivery =
  | { outcome: 'accepted'; status: number }
  /** Try again later: the backend is unreachable, overloaded, or does not accept this device's key yet. */
  | { outcome: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  /**
   * The backend will never accept this request as it is (a 4xx about its content). `eventIndex` names
   * the one event it refused (the batch is all or nothing, so the others were not stored either).
   */
  | { outcome: 'rejected'; status: number; message: string; eventIndex?: number };

export class IngestApi {
  constructor(
    private readonly apiBase: string,
    private readonly timeoutMs: number,
  ) {}

  /** `dryRun`: the backend checks everything and stores nothing (the self-test). */
  postEvents(batch: EventBatch, apiKey: string, signal?: AbortSignal, opts: { dryRun?: boolean } = {}): Promise<Delivery> {
    return this.post('/api/ingest/events' + (opts.dryRun ? '?dry_run=true' : ''), batch, apiKey, signal);
  }

  /** GET /api/ingest/health: true when the backend says its database and Redis are up. */
  async healthy(signal?: AbortSignal): Promise<boolean> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(this.apiBase + '/api/ingest/health', { signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  postHeartbeat(heartbeat: Heartbeat, apiKey: string, signal?: AbortSignal, opts: { dryRun?: boolean } = {}): Promise<Delivery> {
    return this.post('/api/ingest/heartbeat' + (opts.dryRun ? '?dry_run=true' : ''), heartbeat, apiKey, signal);
  }

  private async post(path: string, body: unknown, apiKey: string, signal?: AbortSignal): Promise<Delivery> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.apiBase + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      text = await res.text();
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : signal?.aborted ? 'shutting down' : errorText(err);
      return { outcome: 'retry', reason: `backend unreachable: ${why}` };
    }
    return classify(res.status, text, res.headers.get('retry-after'));
  }
}

export function classify(status: number, body: string, retryAfter: string | null): Delivery {
  if (status >= 200 && status < 300) return { outcome: 'accepted', status };
  const { message: said, eventIndex } = backendError(body);
  const message = said || `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    return { outcome: 'retry', status, reason: `backend answered ${status}: ${message}`, retryAfterMs: retryAfterMs(retryAfter) };
  }
  // 401/403 say the device's key is wrong, revoked or for another camera: a problem of this device, not
  // of these events. Holding them on disk until the key is fixed loses nothing; dead-lettering would.
  // A 403 that names an event refuses that event's kind (the camera lacks the capability): set it aside.
  if ((status === 401 || status === 403) && eventIndex === undefined) {
    return { outcome: 'retry', status, reason: `backend refused this camera's api_key (${status}): ${message}; fix api_key in the config` };
  }
  return eventIndex === undefined ? { outcome: 'rejected', status, message } : { outcome: 'rejected', status, message, eventIndex };
}

/**
 * The backend answers errors as JSON `{statusCode, error, message, field?, event_index?}`; fall back to
 * the raw text.
 */
function backendError(body: string): { message: string; eventIndex?: number } {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; event_index?: unknown };
    const eventIndex = Number.isInteger(parsed?.event_index) && (parsed.event_index as number) >= 0 ? (parsed.event_index as number) : undefined;
    if (typeof parsed?.message === 'string') return { message: parsed.message, eventIndex };
  } catch {
    // not JSON
  }
  return { message: body.trim().slice(0, 500) };
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
