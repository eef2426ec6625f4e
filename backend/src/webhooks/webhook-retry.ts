/**
 * The retry schedule of a delivery: exponential from WEBHOOK_RETRY_BASE_MS (×2 per failed attempt), each wait
 * capped at an hour so an endpoint that comes back after a long outage hears from us within the hour, for as many
 * attempts as fit in WEBHOOK_RETRY_MAX_SECONDS. BullMQ applies it (a custom backoff strategy of the worker).
 */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/** The wait after the `failedAttempts`-th failed attempt (1 = after the first). */
export function retryDelayMs(failedAttempts: number, baseMs: number): number {
  if (failedAttempts < 1) return 0;
  // 2^31 × base would overflow nothing in JS, but Math.min keeps the cap exact for any attempt count.
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(failedAttempts - 1, 40));
}

/** The waits between attempts, in order, as long as their sum stays within `maxSeconds`. */
export function retrySchedule(baseMs: number, maxSeconds: number): number[] {
  if (!(baseMs > 0)) throw new RangeError('baseMs must be positive');
  const waits: number[] = [];
  let total = 0;
  for (let n = 1; ; n++) {
    const wait = retryDelayMs(n, baseMs);
    if (total + wait > maxSeconds * 1000) return waits;
    waits.push(wait);
    total += wait;
  }
}

/** BullMQ's `attempts` of a delivery job: the first try and every retry of the schedule. */
export function retryAttempts(baseMs: number, maxSeconds: number): number {
  return 1 + retrySchedule(baseMs, maxSeconds).length;
}
