import { createHmac, randomBytes } from 'node:crypto';

/** Endpoint secrets look like Stripe's: `whsec_` and 32 random bytes (base64url). The whole string is the HMAC key. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The `Wink-Signature` header of one attempt: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signed at send time, so a retry carries a fresh `t` and receivers can refuse old replays (docs/webhooks.md).
 */
export function webhookSignature(secret: string, rawBody: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
