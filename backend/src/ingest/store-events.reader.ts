import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export type EventKind = 'entrance' | 'zone' | 'shelf' | 'queue';

/** The events of one store-local hour and one subject (zone, shelf, queue; '' for the entrance). */
export interface HourlyEventAggregate {
  hourStart: Date;
  kind: EventKind;
  subjectId: string;
  /** entrance: 'in' crossings; zone: entries; shelf: interactions; queue: completed waits. */
  eventCount: number;
  /** entrance: 'out' crossings; 0 otherwise. */
  exitCount: number;
  /** Zone/shelf dwell or queue wait, summed. */
  secondsSum: number;
}

/**
 * Read access to the event tables for other modules (analytics). The tables stay private to ingest: callers
 * get aggregates, never the rows or the table names. An event counts in the store-local hour of its `ts`
 * (a zone visit or a queue wait in the hour it ended), the column the (store_id, ts) indexes serve.
 */
@Injectable()
export class StoreEventsReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Per store-local hour aggregates over [from, to), widened to whole local hours (a UTC hour overlaps two
   * local hours in :30/:45 zones). Returns the widened range with the rows. Pass `manager` to read inside the
   * caller's transaction. Sums go through numeric so that re-running gives bit-identical results whatever
   * order the rows are read in.
   */
  async hourlyAggregates(
    q: { storeId: string; timezone: string; from: Date; to: Date },
    manager?: EntityManager,
  ): Promise<{ from: Date; to: Date; rows: HourlyEventAggregate[] }> {
    const run = manager ?? this.db.manager;
    const [bounds] = await run.query(
      `SELECT date_trunc('hour', $1::timestamptz, $3) AS lo,
              date_trunc('hour', $2::timestamptz - interval '1 microsecond', $3) + interval '1 hour' AS hi`,
      [q.from, q.to, q.timezone],
    ) as { lo: Date; hi: Date }[];
    const range = `store_id = $1 AND ts >= $2 AND ts < $3`;
    const rows = await run.query(
      `SELECT date_trunc('hour', e.ts, $4) AS hour_start, e.kind, e.subject_id,
              sum(e.n)::int AS event_count, sum(e.x)::int AS exit_count, coalesce(sum(e.s), 0)::float8 AS seconds_sum
       FROM (
         SELECT ts, 'entrance' AS kind, '' AS subject_id, (direction = 'in')::int AS n, (direction = 'out')::int AS x, NULL::numeric AS s
           FROM entrance_events WHERE ${range}
         UNION ALL SELECT ts, 'zone', zone_id, 1, 0, dwell_seconds::numeric FROM zone_events WHERE ${range}
         UNION ALL SELECT ts, 'shelf', shelf_id, 1, 0, dwell_seconds::numeric FROM shelf_interactions WHERE ${range}
         UNION ALL SELECT ts, 'queue', queue_id, 1, 0, wait_seconds::numeric FROM queue_events WHERE ${range}
       ) e
       GROUP BY 1, 2, 3`,
      [q.storeId, bounds.lo, bounds.hi, q.timezone],
    ) as { hour_start: Date; kind: EventKind; subject_id: string; event_count: number; exit_count: number; seconds_sum: number }[];
    return {
      from: bounds.lo,
      to: bounds.hi,
      rows: rows.map((r) => ({
        hourStart: r.hour_start, kind: r.kind, subjectId: r.subject_id, eventCount: r.event_count, exitCount: r.exit_count, secondsSum: r.seconds_sum,
      })),
    };
  }

  /**
   * Stored events per store and store-local hour, every kind together (an entrance row counts once, in or out),
   * for local hours starting in [from, to). The number a rollup hour's event_count + exit_count must equal:
   * analytics compares the two to find hours whose rollup missed events.
   */
  async eventCountsByLocalHour(stores: { storeId: string; timezone: string }[], from: Date, to: Date): Promise<{ storeId: string; hourStart: Date; events: number }[]> {
    if (stores.length === 0) return [];
    // Rows from an hour before `from`: a local hour of a :30 zone that starts at `from` began in that UTC hour.
    const range = `store_id = ANY($1) AND ts >= $3::timestamptz - interval '1 hour' AND ts < $4`;
    const rows = await this.db.query(
      `SELECT e.store_id, date_trunc('hour', e.ts, s.tz) AS hour_start, count(*)::int AS events
       FROM (
         SELECT store_id, ts FROM entrance_events WHERE ${range}
         UNION ALL SELECT store_id, ts FROM zone_events WHERE ${range}
         UNION ALL SELECT store_id, ts FROM shelf_interactions WHERE ${range}
         UNION ALL SELECT store_id, ts FROM queue_events WHERE ${range}
       ) e JOIN unnest($1::text[], $2::text[]) AS s(store_id, tz) USING (store_id)
       WHERE date_trunc('hour', e.ts, s.tz) >= $3
       GROUP BY 1, 2`,
      [stores.map((s) => s.storeId), stores.map((s) => s.timezone), from, to],
    ) as { store_id: string; hour_start: Date; events: number }[];
    return rows.map((r) => ({ storeId: r.store_id, hourStart: r.hour_start, events: r.events }));
  }

  /** First and last event time of a store, over all event types (null without events): the span a backfill covers. */
  async eventSpan(storeId: string): Promise<{ first: Date; last: Date } | null> {
    const [row] = await this.db.query(
      `SELECT min(lo) AS first, max(hi) AS last FROM (
         SELECT min(ts) AS lo, max(ts) AS hi FROM entrance_events WHERE store_id = $1
         UNION ALL SELECT min(ts), max(ts) FROM zone_events WHERE store_id = $1
         UNION ALL SELECT min(ts), max(ts) FROM shelf_interactions WHERE store_id = $1
         UNION ALL SELECT min(ts), max(ts) FROM queue_events WHERE store_id = $1) s`,
      [storeId],
    ) as { first: Date | null; last: Date | null }[];
    return row.first && row.last ? { first: row.first, last: row.last } : null;
  }
}
