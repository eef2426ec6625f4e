import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER } from '../../../shared/src/alerts.ts';
import { webhookSignature } from './webhook-signature.ts';

/** What one attempt got: an HTTP status (any), or no answer at all (`status` null: timeout, refused, DNS …). */
export interface AttemptResult {
  status: number | null;
  /** null on a 2xx; otherwise why, for the delivery log. */
  error: string | null;
}

/** The start of a refusing answer's body goes into the delivery log; the rest is not read. */
const ERROR_BODY_CHARS = 200;

/**
 * POSTs one signed delivery with Node's fetch (undici). Redirects are not followed: a 3xx is a failure, as the
 * signature and the admin's choice of URL cover this URL only.
 */
export async function postWebhook(opts: { url: string; secret: string; deliveryId: string; body: string; timeoutMs: number }): Promise<AttemptResult> {
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'WINK-Webhooks/1',
    [WEBHOOK_DELIVERY_HEADER]: opts.deliveryId,
    [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(opts.secret, opts.body, Date.now() / 1000),
  };
  try {
    const res = await fetch(opts.url, { method: 'POST', headers, body: opts.body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { status: res.status, error: null };
    }
    const text = (await res.text().catch(() => '')).slice(0, ERROR_BODY_CHARS).trim();
    return { status: res.status, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${text ? `: ${text}` : ''}` };
  } catch (e) {
    return { status: null, error: describeFetchError(e, opts.timeoutMs) };
  }
}

/**
 * fetch hides the reason in `cause` ("fetch failed" ← ECONNREFUSED 127.0.0.1:9). Duck-typed, not instanceof:
 * undici's errors may come from another realm (jest's VM modules).
 */
function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = (e ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timeout: no answer within ${timeoutMs} ms`;
  if (err.cause?.code) return `${err.cause.code}: ${err.cause.message ?? ''}`.trim();
  return err.message ?? String(e);
}
