import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { reconcileLockKey } from './live-keys.ts';
import { LiveRedis, RedisUnavailable } from './live-redis.ts';
import { LiveStoreMetrics } from './live-store-metrics.service.ts';

export const DEFAULT_LIVE_RECONCILE_SECONDS = 30;

/**
 * Heals the live counters from PostgreSQL, the source of truth: every LIVE_RECONCILE_SECONDS, today's
 * counters of each store that ingested in the last 15 minutes are recomputed from PostgreSQL and swapped in
 * (LiveStoreMetrics.reconcile; batches counted meanwhile are kept). So rows the counters missed — the API
 * died between its insert and the Redis update, Redis was unreachable — are counted within one period.
 *
 * Every API process runs the timer; a per-store lock (SET NX PX, most of a period) makes one of them do
 * each store per period. Correctness does not depend on the lock: the reconciliation itself is exact
 * whoever runs it, and two at once cannot both swap (the store-day's state token).
 */
@Injectable()
export class LiveReconciler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveReconciler.name);
  private readonly periodMs: number;
  private readonly prefix: string;
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    private readonly metrics: LiveStoreMetrics,
    private readonly redis: LiveRedis,
    private readonly stores: ReadableStores,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.periodMs = (config.liveReconcileSeconds ?? DEFAULT_LIVE_RECONCILE_SECONDS) * 1000;
    this.prefix = config.redisPrefix;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.periodMs).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    // A reconciliation cut short is harmless (its state lock expires), but let one that is nearly done finish.
    if (this.running) await within(this.running, 2000, 'reconciliation still running').catch(() => undefined);
  }

  /** One round over the recently active stores (skipped while the previous one runs). → store-days reconciled. */
  tick(nowMs = Date.now()): Promise<number> {
    if (!this.running)
      this.running = this.round(nowMs).finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async round(nowMs: number): Promise<number> {
    let done = 0;
    try {
      if (!this.redis.usable) return 0; // nothing to heal into; /live answers from PostgreSQL meanwhile
      for (const storeId of await this.metrics.recentlyActive(nowMs)) {
        // 80 % of a period: the process that took it finds it free again at its own next tick.
        const lockMs = Math.max(500, Math.floor(this.periodMs * 0.8));
        // One store failing (PostgreSQL hiccup) does not stop the round; Redis unusable does (caught below).
        const mine = await this.redis.run('reconcile lock', () => this.redis.client.set(reconcileLockKey(this.prefix, storeId), '1', 'PX', lockMs, 'NX'));
        if (mine !== 'OK') continue;
        try {
          const store = await this.stores.lookup(storeId);
          if (store && (await this.metrics.reconcile(store, Date.now()))) done++;
        } catch (e) {
          if (e instanceof RedisUnavailable) throw e;
          this.logger.warn(`live counters of ${storeId} not reconciled: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      if (!(e instanceof RedisUnavailable)) this.logger.warn(`live counters not reconciled: ${(e as Error).message}`);
    }
    return done;
  }
}
