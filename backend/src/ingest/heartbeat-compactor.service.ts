import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { coverageDay, MAX_HEARTBEAT_GAP_S, type HeartbeatSample } from './data-completeness.ts';
import { SET_COMPACTED_UNTIL_SQL, UPSERT_COVERAGE_DAYS_SQL } from './ingest.queries.ts';
import { StoreTotalsReader } from './store-totals.reader.ts';

const DAY_MS = 86_400_000;

/**
 * Compacts a store's heartbeats into camera_coverage_days before retention removes them (data-completeness.ts,
 * "Compaction"): per camera and UTC day, the ms vouched for in each quarter hour and the day's first heartbeat.
 * From then on completeness reads those days instead of the heartbeats, with the same result. Each store goes from
 * where it was last compacted (heartbeat_compaction) up to a UTC midnight, a day at a time, so a day is never
 * recompacted once its heartbeats may be gone; a run cut short resumes where it stopped.
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
    const { untilMs: done } = await this.totals.compactedCoverage(storeId, new Date(until), new Date(until));
    let day: number;
    if (done !== null) day = done;
    else {
      const first = await this.totals.firstStoreHeartbeat(storeId, new Date(until));
      day = first === null ? until : Math.floor(first / DAY_MS) * DAY_MS;
    }
    let days = 0;
    const margin = MAX_HEARTBEAT_GAP_S * 1000;
    for (; day < until; day += DAY_MS) {
      const samples = await this.totals.heartbeatSamples(storeId, new Date(day - margin), new Date(day + DAY_MS + margin));
      const byCamera = new Map<string, HeartbeatSample[]>();
      for (const s of samples) {
        let list = byCamera.get(s.cameraId);
        if (!list) byCamera.set(s.cameraId, (list = []));
        list.push(s);
      }
      const rows = { cameras: [] as string[], days: [] as string[], firsts: [] as Date[], covered: [] as string[] };
      const dayStart = day;
      for (const [cameraId, beats] of byCamera) {
        const first = beats.find((b) => b.atMs >= dayStart && b.atMs < dayStart + DAY_MS);
        if (!first) continue; // a day without heartbeats reads as 0 (or unknown) from nothing, as it always did
        rows.cameras.push(cameraId);
        rows.days.push(new Date(day).toISOString().slice(0, 10));
        rows.firsts.push(new Date(first.atMs));
        rows.covered.push(coverageDay(beats, day).coveredMs.join(','));
      }
      await this.db.transaction(async (tx) => {
        if (rows.cameras.length) await tx.query(UPSERT_COVERAGE_DAYS_SQL, [storeId, rows.cameras, rows.days, rows.firsts, rows.covered]);
        await tx.query(SET_COMPACTED_UNTIL_SQL, [storeId, new Date(day + DAY_MS)]);
      });
      days++;
    }
    if (days === 0) await this.db.query(SET_COMPACTED_UNTIL_SQL, [storeId, new Date(until)]);
    return days;
  }
}
