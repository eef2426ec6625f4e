import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { OpeningHours } from '../admin/admin.dto.ts';
import { localDate } from '../common/store-clock.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { DEFAULT_LIVE_RECONCILE_SECONDS } from './live-reconciler.ts';
import { sessionsBetween } from './occupancy.ts';

/** Closings this recent are (re)recorded each round: late events for a closed range still correct its count. */
export const CORRECTION_WINDOW_MS = 48 * 3_600_000;
export const CLOSE_OUT_REASON = 'still counted inside at closing (in − out since the opening), closed out';

/**
 * One row per closing (stores with opening hours): the people still counted inside, max(0, in − out of the
 * range's entrance events), closed out at `closed_at`. Upserted, so a closing of the last 48 h is corrected by
 * late events and several API processes may record the same closing; `recorded_at` says when the count last changed.
 */
const RECORD_SQL = `
  INSERT INTO occupancy_corrections (store_id, closed_at, date, opened_at, count, reason)
  SELECT $1, s.c, s.d::date, s.o,
         greatest(0, count(e.direction) FILTER (WHERE e.direction = 'in') - count(e.direction) FILTER (WHERE e.direction = 'out'))::int, $5
  FROM unnest($2::timestamptz[], $3::timestamptz[], $4::text[]) AS s(o, c, d)
  LEFT JOIN entrance_events e ON e.store_id = $1 AND e.ts >= s.o AND e.ts < s.c
  GROUP BY s.o, s.c, s.d
  ON CONFLICT (store_id, closed_at) DO UPDATE SET count = excluded.count, opened_at = excluded.opened_at, recorded_at = now()
    WHERE occupancy_corrections.count IS DISTINCT FROM excluded.count
  RETURNING closed_at`;

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

  constructor(@InjectDataSource() private readonly db: DataSource, @Inject(APP_CONFIG) config: AppConfig) {
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
        .catch((e: Error) => { this.logger.warn(`occupancy corrections not recorded: ${e.message}`); return 0; })
        .finally(() => { this.running = null; });
    }
    return this.running;
  }

  /** Records the closings in (now − 48 h, now] of every store with opening hours (or of `storeIds`). → rows written or changed. */
  async recordDue(nowMs = Date.now(), storeIds?: string[]): Promise<number> {
    const stores = (await this.db.query(
      `SELECT store_id, timezone, opening_hours FROM stores WHERE opening_hours IS NOT NULL AND ($1::text[] IS NULL OR store_id = ANY($1)) ORDER BY store_id`,
      [storeIds ?? null],
    )) as { store_id: string; timezone: string; opening_hours: OpeningHours }[];
    let written = 0;
    for (const s of stores) {
      const sessions = sessionsBetween(localDate(nowMs - CORRECTION_WINDOW_MS, s.timezone), localDate(nowMs, s.timezone), s.opening_hours, s.timezone)
        .filter((x) => x.closesOut && x.close <= nowMs && x.close > nowMs - CORRECTION_WINDOW_MS);
      if (!sessions.length) continue;
      const result = (await this.db.query(RECORD_SQL, [
        s.store_id, sessions.map((x) => new Date(x.open)), sessions.map((x) => new Date(x.close)), sessions.map((x) => x.date), CLOSE_OUT_REASON,
      ])) as unknown[];
      written += result.length;
    }
    return written;
  }
}
