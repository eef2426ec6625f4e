import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { coverageDay, MAX_HEARTBEAT_GAP_S, samplesByCamera } from './data-completeness.ts';
import { LOCK_COMPACTION_SQL, MOVE_COMPACTION_SQL, NEXT_HEARTBEAT_SQL, START_COMPACTION_SQL, UPSERT_COVERAGE_DAYS_SQL } from './ingest.queries.ts';
import { StoreTotalsReader } from './store-totals.reader.ts';

const DAY_MS = 86_400_000;

/**
 * A UTC day is compacted once this long after its end: its last interval is vouched for by a heartbeat up to
 * MAX_HEARTBEAT_GAP_S after midnight, and an insert stamped just before midnight may commit a little later.
 */
export const COMPACTION_DELAY_MS = 15 * 60_000;

/** The UTC midnight up to which the days are finished at `nowMs` (see COMPACTION_DELAY_MS). */
export const finishedDaysUntil = (nowMs: number): number => Math.floor((nowMs - COMPACTION_DELAY_MS) / DAY_MS) * DAY_MS;

/**
 * Compacts a store's heartbeats into camera_coverage_days (data-completeness.ts, "Compaction"): per camera and UTC
 * day, the ms vouched for in each quarter hour and the day's first heartbeat. Completeness reads the days before
 * the store's mark (heartbeat_compaction) from there, 96 numbers instead of 2,880 heartbeats, with the same result.
 * Run hourly for the finished days (retention worker) and by retention before heartbeats go. A day at a time from
 * the mark, each in a transaction holding the mark's row lock: a run cut short resumes where it stopped, and a
 * heartbeat stored for a compacted day (IngestService.recordHeartbeat) moves the mark back so the day is redone.
 */
@Injectable()
export class HeartbeatCompactor {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly totals: StoreTotalsReader,
  ) {}

  /** Compacts store `storeId` up to `untilMs` (rounded down to a UTC midnight). → the days compacted. */
  async compact(storeId: string, untilMs: number): Promise<number> {
    const until = Math.floor(untilMs / DAY_MS) * DAY_MS;
    // A store never compacted starts at its first heartbeat's day (or at `until` when it has none before it).
    const { untilMs: mark } = await this.totals.compactedCoverage(storeId, new Date(until), new Date(until));
    if (mark === null) {
      const first = await this.totals.firstStoreHeartbeat(storeId, new Date(until));
      await this.db.query(START_COMPACTION_SQL, [storeId, new Date(first === null ? until : Math.floor(first / DAY_MS) * DAY_MS)]);
    }
    let days = 0;
    for (let n: number; (n = await this.db.transaction((tx) => this.compactNextDays(tx.query.bind(tx), storeId, until))) > 0; ) days += n;
    return days;
  }

  /**
   * The day at the store's mark, under its lock; with no heartbeat near it, every day up to the next heartbeat's
   * (nothing to keep: a store silent for months costs one query, not one a day). → days passed, 0 at `until`.
   */
  private async compactNextDays(query: (sql: string, params: unknown[]) => Promise<unknown>, storeId: string, until: number): Promise<number> {
    const [row] = (await query(LOCK_COMPACTION_SQL, [storeId])) as { compacted_until: Date }[];
    const day = new Date(row.compacted_until).getTime();
    if (day >= until) return 0;
    const margin = MAX_HEARTBEAT_GAP_S * 1000;
    const samples = await this.totals.heartbeatSamples(storeId, new Date(day - margin), new Date(day + DAY_MS + margin));
    if (!samples.length) {
      // None within 90 s of the day: the next heartbeat's interval starts after it, so its day is the next to keep.
      const [next] = (await query(NEXT_HEARTBEAT_SQL, [storeId, new Date(day + DAY_MS), new Date(until)])) as { at: Date | null }[];
      const to = next.at ? Math.floor(new Date(next.at).getTime() / DAY_MS) * DAY_MS : until;
      await query(MOVE_COMPACTION_SQL, [storeId, new Date(to)]);
      return (to - day) / DAY_MS;
    }
    const byCamera = samplesByCamera(samples);
    const rows = { cameras: [] as string[], days: [] as string[], firsts: [] as Date[], covered: [] as string[] };
    for (const [cameraId, beats] of byCamera) {
      const first = beats.find((b) => b.atMs >= day && b.atMs < day + DAY_MS);
      if (!first) continue; // a day without heartbeats reads as 0 (or unknown) from nothing, as it always did
      rows.cameras.push(cameraId);
      rows.days.push(new Date(day).toISOString().slice(0, 10));
      rows.firsts.push(new Date(first.atMs));
      rows.covered.push(coverageDay(beats, day).coveredMs.join(','));
    }
    if (rows.cameras.length) await query(UPSERT_COVERAGE_DAYS_SQL, [storeId, rows.cameras, rows.days, rows.firsts, rows.covered]);
    await query(MOVE_COMPACTION_SQL, [storeId, new Date(day + DAY_MS)]);
    return 1;
  }
}
