// Exponential backoff with jitter, shared by the outbox's replay, the supervisor's restarts and the frame
// source's reconnects.
// Hand-written: retry libraries (p-retry, exponential-backoff) wrap ONE call in a retry loop, but
// here the loop outlives any single call (the outbox keeps spooling new batches to disk between
// attempts, and stops on shutdown), so only the delay formula is needed — a few lines.

/**
 * The wait before attempt `attempt` (0 = the first retry): doubling from initialMs up to maxMs, then "equal
 * jitter" — a random delay in [d/2, d] — so many edges recovering at once do not retry in lockstep, while
 * the wait never collapses to zero. Used by the outbox, the supervisor (through {@link Backoff}) and the
 * frame source's reconnects.
 */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Source of randomness in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /**
   * The wait before the next attempt ({@link backoffDelayMs}), rounded to whole milliseconds.
   */
  next(): number {
    return Math.round(backoffDelayMs(this.failures++, this.options.initialMs, this.options.maxMs, this.options.random));
  }

  reset(): void {
    this.failures = 0;
  }
}
