import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { sqlRowsOwner, TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { localDate } from '../common/store-clock.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { StoreTotalsReader } from '../ingest/store-totals.reader.ts';
import { FORGET_STORE_SQL, RECORD_CORRECTIONS_SQL } from './dashboard.queries.ts';
import { DEFAULT_LIVE_RECONCILE_SECONDS } from './live-reconciler.ts';
import { sessionsBetween } from './occupancy.ts';

/** Closings this recent are (re)recorded each round: late events for a closed range still correct its count. */
export const CORRECTION_WINDOW_MS = 48 * 3_600_000;
export const CLOSE_OUT_REASON = 'still counted inside at closing (in − out since the opening), closed out';

/**
 * Records the closing-time correction of occupancy (issue #13) in PostgreSQL: every LIVE_RECONCILE_SECONDS,
 * for every store with opening hours, each closing of the last 48 h that has passed. `/live` and the
 * history compute the same number from the counters and events (occupancy.ts); this table is the record.
 */
@Injectable()
export class OccupancyCorrections implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OccupancyCorrections.name);
  private readonly periodMs: number;
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly directory: StoreDirectory,
    private readonly totals: StoreTotalsReader,
    lifecycle: TenantLifecycle,
  ) {
    lifecycle.ownData(sqlRowsOwner('occupancy corrections', db, { store: FORGET_STORE_SQL }));
    this.periodMs = (config.liveReconcileSeconds ?? DEFAULT_LIVE_RECONCILE_SECONDS) * 1000;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.periodMs).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    if (this.running) await this.running.catch(() => undefined);
  }

  /** One round (skipped while the previous one runs). → closings written or changed. */
  tick(nowMs = Date.now()): Promise<number> {
    if (!this.running) {
      this.running = this.recordDue(nowMs)
        .catch((e: Error) => {
          this.logger.warn(`occupancy corrections not recorded: ${e.message}`);
          return 0;
        })
        .finally(() => {
          this.running = null;
        });
    }
    return this.running;
  }

  /** Records the closings in (now − 48 h, now] of every store with opening hours (or of `storeIds`). → rows written or changed. */
  async recordDue(nowMs = Date.now(), storeIds?: string[]): Promise<number> {
    const wanted = storeIds && new Set(storeIds);
    const stores = (await this.directory.listStores()).filter((s) => s.opening_hours && (!wanted || wanted.has(s.store_id)));
    let written = 0;
    for (const s of stores) {
      if (!s.opening_hours) continue;
      const sessions = sessionsBetween(localDate(nowMs - CORRECTION_WINDOW_MS, s.timezone), localDate(nowMs, s.timezone), s.opening_hours, s.timezone).filter(
        (x) => x.closesOut && x.close <= nowMs && x.close > nowMs - CORRECTION_WINDOW_MS,
      );
      if (!sessions.length) continue;
      const opens = sessions.map((x) => new Date(x.open));
      const closes = sessions.map((x) => new Date(x.close));
      // The people still counted inside at each closing: max(0, in − out of the range's entrance events).
      const inside = (await this.totals.crossingsPerRange(s.store_id, { opens, closes })).map((c) => Math.max(0, c.in - c.out));
      const result = (await this.db.query(RECORD_CORRECTIONS_SQL, [
        s.store_id,
        opens,
        closes,
        sessions.map((x) => x.date),
        CLOSE_OUT_REASON,
        inside,
      ])) as unknown[];
      written += result.length;
    }
    return written;
  }
}
