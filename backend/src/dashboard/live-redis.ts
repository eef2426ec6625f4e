import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.ts';
import { within } from '../common/within.ts';
import { REDIS } from '../redis/redis.module.ts';

/** A request-path Redis call that takes longer than this is given up (and the request answered without Redis). */
export const REDIS_REQUEST_TIMEOUT_MS = 400;
/** After a call timed out, Redis is not asked again on a request path for this long: one slow answer, not one per request. */
const SUSPECT_MS = 2000;

export class RedisUnavailable extends Error {}

/**
 * The dashboard's Redis, for calls on a request path (a `/live` read, the counters of an ingest request):
 * refused at once while the connection is not ready (Redis down or restarting: ioredis would otherwise
 * keep the command queued for seconds and then throw MaxRetriesPerRequestError), and given up after
 * {@link REDIS_REQUEST_TIMEOUT_MS} when Redis is connected but does not answer. The caller then answers
 * from PostgreSQL or skips the counters; the periodic reconciliation (LiveReconciler) heals them later.
 */
@Injectable()
export class LiveRedis {
  private readonly logger = new Logger('LiveRedis');
  private suspectUntil = 0;
  private failing = false;

  constructor(@Inject(REDIS) readonly client: RedisClient) {}

  /** Whether a request path should try Redis at all right now. */
  get usable(): boolean {
    return this.client.status === 'ready' && Date.now() >= this.suspectUntil;
  }

  /** `call()`, bounded to `timeoutMs`; rejects with RedisUnavailable at once when Redis is known to be unusable. */
  async run<T>(what: string, call: () => Promise<T>, timeoutMs = REDIS_REQUEST_TIMEOUT_MS): Promise<T> {
    if (this.client.status !== 'ready') throw this.down(new RedisUnavailable(`Redis is ${this.client.status} (${what})`));
    if (Date.now() < this.suspectUntil) throw new RedisUnavailable(`Redis did not answer a moment ago (${what})`);
    try {
      const result = await within(call(), timeoutMs, `Redis gave no answer in ${timeoutMs} ms (${what})`);
      if (this.failing) {
        this.failing = false;
        this.logger.log('Redis answers again: live numbers served from Redis');
      }
      return result;
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('Redis gave no answer')) throw e;
      this.suspectUntil = Date.now() + SUSPECT_MS;
      throw this.down(new RedisUnavailable(e.message));
    }
  }

  /** Logs the first failure of a run of them (not one line per request while Redis is down). */
  private down(e: RedisUnavailable): RedisUnavailable {
    if (!this.failing) {
      this.failing = true;
      this.logger.warn(`${e.message}: live numbers answered from PostgreSQL, counters skipped until it is back (then reconciled)`);
    }
    return e;
  }
}
