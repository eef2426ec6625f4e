import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import type { EventKind } from '../ingest/event-kinds.ts';
import { StoreEventsReader } from '../ingest/store-events.reader.ts';

const DAY_MS = 86_400_000;
/** Advisory-lock namespace ('WINK'): rollups of one store run one at a time, across all worker processes. */
const ROLLUP_LOCK_NAMESPACE = 0x57494e4b;

export interface RollupOutcome { events: number; rows: number; changed: number }

export interface DailyRow { date: string; kind: EventKind; subjectId: string; eventCount: number; exitCount: number; secondsSum: number }

/**
 * Upserts the fresh aggregate of a range and zeroes rows the aggregate no longer has, in one statement. A row
 * only gets a new version when its numbers change, so re-running a range leaves the table — versions
 * included — exactly as it was, and reports over it stay valid.
 */
const REPLACE_SQL = `
WITH fresh AS (
  SELECT * FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::int[], $6::int[], $7::float8[])
    AS f(hour_start, kind, subject_id, event_count, exit_count, seconds_sum)
), upserted AS (
  INSERT INTO hourly_rollups (store_id, hour_start, kind, subject_id, local_date, local_hour, iso_dow, event_count, exit_count, seconds_sum, version)
  SELECT $1, f.hour_start, f.kind, f.subject_id, (f.hour_start AT TIME ZONE $8)::date,
         extract(hour FROM f.hour_start AT TIME ZONE $8), extract(isodow FROM f.hour_start AT TIME ZONE $8),
         f.event_count, f.exit_count, f.seconds_sum, nextval('hourly_rollup_version_seq')
  FROM fresh f
  ON CONFLICT (store_id, hour_start, kind, subject_id) DO UPDATE
    SET event_count = EXCLUDED.event_count, exit_count = EXCLUDED.exit_count, seconds_sum = EXCLUDED.seconds_sum, version = EXCLUDED.version
    WHERE (hourly_rollups.event_count, hourly_rollups.exit_count, hourly_rollups.seconds_sum)
          IS DISTINCT FROM (EXCLUDED.event_count, EXCLUDED.exit_count, EXCLUDED.seconds_sum)
  RETURNING 1
), emptied AS (
  UPDATE hourly_rollups h SET event_count = 0, exit_count = 0, seconds_sum = 0, version = nextval('hourly_rollup_version_seq')
  WHERE h.store_id = $1 AND h.hour_start >= $9 AND h.hour_start < $10
    AND (h.event_count, h.exit_count, h.seconds_sum) <> (0, 0, 0)
    AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.hour_start = h.hour_start AND f.kind = h.kind AND f.subject_id = h.subject_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted)::int + (SELECT count(*) FROM emptied)::int AS changed`;

/**
 * The hourly rollup table: per store, per store-local hour, per subject (of each subject kind, event-kinds.ts), the event
 * counts and summed seconds. Written only here, from aggregates the ingest module computes over its
 * event tables; read by the report builders.
 */
@Injectable()
export class HourlyRollup {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: StoreEventsReader,
    private readonly stores: ReadableStores,
  ) {}

  /**
   * Recomputes the rollups of [fromMs, toMs) from the raw events, a day per transaction. Idempotent: any
   * number of runs, in any order, interrupted or not, leave the rows the events imply.
   */
  async rollUp(storeId: string, fromMs: number, toMs: number): Promise<RollupOutcome> {
    const store = await this.stores.lookup(storeId);
    if (!store) return { events: 0, rows: 0, changed: 0 };
    const out: RollupOutcome = { events: 0, rows: 0, changed: 0 };
    for (let t = fromMs; t < toMs; t += DAY_MS) {
      const chunkEnd = Math.min(toMs, t + DAY_MS);
      await this.db.transaction(async (m) => {
        // Serialise per store: otherwise a rollup that read older events could commit after one that read newer.
        // The aggregate is read after the lock, so it sees every event committed before.
        await m.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [ROLLUP_LOCK_NAMESPACE, storeId]);
        const agg = await this.events.hourlyAggregates({ storeId, timezone: store.timezone, from: new Date(t), to: new Date(chunkEnd) }, m);
        const r = agg.rows;
        const [{ changed }] = await m.query(REPLACE_SQL, [
          storeId, r.map((x) => x.hourStart), r.map((x) => x.kind), r.map((x) => x.subjectId),
          r.map((x) => x.eventCount), r.map((x) => x.exitCount), r.map((x) => x.secondsSum),
          store.timezone, agg.from, agg.to,
        ]) as { changed: number }[];
        out.events += r.reduce((a, x) => a + x.eventCount + x.exitCount, 0);
        out.rows += r.length;
        out.changed += changed;
      });
    }
    return out;
  }

  /** Largest row version over the stores and range: changes whenever any rolled-up number in it changes. */
  async dataVersion(storeIds: string[], fromMs: number, toMs: number, manager?: EntityManager): Promise<number> {
    const [row] = await (manager ?? this.db.manager).query(
      `SELECT coalesce(max(version), 0)::text AS v FROM hourly_rollups WHERE store_id = ANY($1) AND hour_start >= $2 AND hour_start < $3`,
      [storeIds, new Date(fromMs), new Date(toMs)],
    ) as { v: string }[];
    return Number(row.v);
  }

  /** Footfall ('in') per local hour start (ms) over [fromMs, toMs); hours without a row had none. */
  async footfallByHour(storeId: string, fromMs: number, toMs: number, manager?: EntityManager): Promise<Map<number, number>> {
    const rows = await (manager ?? this.db.manager).query(
      `SELECT hour_start, event_count FROM hourly_rollups
       WHERE store_id = $1 AND kind = 'entrance' AND subject_id = '' AND hour_start >= $2 AND hour_start < $3`,
      [storeId, new Date(fromMs), new Date(toMs)],
    ) as { hour_start: Date; event_count: number }[];
    return new Map(rows.map((r) => [r.hour_start.getTime(), r.event_count]));
  }

  /**
   * Local dates on which the store recorded anything at all. A date without any row is unknown (cameras off,
   * or before the store's history), never "zero visitors".
   */
  async observedDates(storeId: string, fromMs: number, toMs: number, manager?: EntityManager): Promise<Set<string>> {
    const rows = await (manager ?? this.db.manager).query(
      `SELECT DISTINCT local_date::text AS d FROM hourly_rollups WHERE store_id = $1 AND hour_start >= $2 AND hour_start < $3`,
      [storeId, new Date(fromMs), new Date(toMs)],
    ) as { d: string }[];
    return new Set(rows.map((r) => r.d));
  }

  /** Per local date and subject, the day's sums over [fromMs, toMs). */
  async dailyTotals(storeId: string, fromMs: number, toMs: number, manager?: EntityManager): Promise<DailyRow[]> {
    const rows = await (manager ?? this.db.manager).query(
      `SELECT local_date::text AS date, kind, subject_id, sum(event_count)::int AS n, sum(exit_count)::int AS x, sum(seconds_sum)::float8 AS s
       FROM hourly_rollups WHERE store_id = $1 AND hour_start >= $2 AND hour_start < $3
       GROUP BY local_date, kind, subject_id`,
      [storeId, new Date(fromMs), new Date(toMs)],
    ) as { date: string; kind: EventKind; subject_id: string; n: number; x: number; s: number }[];
    return rows.map((r) => ({ date: r.date, kind: r.kind, subjectId: r.subject_id, eventCount: r.n, exitCount: r.x, secondsSum: r.s }));
  }

  /** Whether the store ever recorded this zone or shelf. There is no registry of zones and shelves: the data is it. */
  async knowsSubject(storeId: string, kind: 'zone' | 'shelf', subjectId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM hourly_rollups WHERE store_id = $1 AND kind = $2 AND subject_id = $3 LIMIT 1`,
      [storeId, kind, subjectId],
    );
    return rows.length > 0;
  }
}
