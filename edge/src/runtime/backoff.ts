// Exponential backoff with jitter, shared by the outbox's replay and the supervisor's restarts.
// Hand-written: retry libraries (p-retry, exponential-backoff) wrap ONE call in a retry loop, but
// here the loop outlives any single call (the outbox keeps spooling new batches to disk between
// attempts, and stops on shutdown), so only the delay formula is needed — a few lines.

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
   * The wait before the next attempt: doubling from initialMs up to maxMs, then "equal jitter"
   * (half fixed, half random) so many edges recovering at once do not retry in lockstep, while
   * the wait never collapses to zero.
   */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  reset(): void {
    this.failures = 0;
  }
}
