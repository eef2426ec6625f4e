import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ENTRANCE, SUBJECT_KINDS, unionOverKinds, type EventKind } from './event-kinds.ts';

export type { EventKind } from './event-kinds.ts';

const RANGE = `store_id = $1 AND ts >= $2 AND ts < $3`;
/** Per event: its local hour's inputs (kind, subject, in-count, out-count, seconds), from every kind's table over [$2, $3). */
const HOURLY_AGGREGATES_SQL = `SELECT date_trunc('hour', e.ts, $4) AS hour_start, e.kind, e.subject_id,
              sum(e.n)::int AS event_count, sum(e.x)::int AS exit_count, coalesce(sum(e.s), 0)::float8 AS seconds_sum
       FROM (
         SELECT ts, 'entrance' AS kind, '' AS subject_id, (direction = 'in')::int AS n, (direction = 'out')::int AS x, NULL::numeric AS s
           FROM ${ENTRANCE.table} WHERE ${RANGE}
         ${SUBJECT_KINDS.map((k) => `UNION ALL SELECT ts, '${k.kind}', ${k.subject}, 1, 0, ${k.duration ? `${k.duration}::numeric` : 'NULL::numeric'} FROM ${k.table} WHERE ${RANGE}`).join('\n         ')}
       ) e
       GROUP BY 1, 2, 3`;
// Rows from an hour before `from`: a local hour of a :30 zone that starts at `from` began in that UTC hour.
const COUNTS_RANGE = `store_id = ANY($1) AND ts >= $3::timestamptz - interval '1 hour' AND ts < $4`;
const EVENT_COUNTS_SQL = `SELECT e.store_id, date_trunc('hour', e.ts, s.tz) AS hour_start, count(*)::int AS events
       FROM (
         ${unionOverKinds((_, table) => `SELECT store_id, ts FROM ${table} WHERE ${COUNTS_RANGE}`)}
       ) e JOIN unnest($1::text[], $2::text[]) AS s(store_id, tz) USING (store_id)
       WHERE date_trunc('hour', e.ts, s.tz) >= $3
       GROUP BY 1, 2`;
const EVENT_SPAN_SQL = `SELECT min(lo) AS first, max(hi) AS last FROM (
         ${unionOverKinds((_, table) => `SELECT min(ts) AS lo, max(ts) AS hi FROM ${table} WHERE store_id = $1`)}) s`;

/** The events of one store-local hour and one subject (of a subject kind, event-kinds.ts; '' for the entrance). */
export interface HourlyEventAggregate {
  hourStart: Date;
  kind: EventKind;
  subjectId: string;
  /** entrance: 'in' crossings; a subject kind: its events (zone entries, completed queue waits, …). */
  eventCount: number;
  /** entrance: 'out' crossings; 0 otherwise. */
  exitCount: number;
  /** The kind's duration column (dwell, wait …), summed; 0 for kinds without one. */
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
    const [bounds] = (await run.query(
      `SELECT date_trunc('hour', $1::timestamptz, $3) AS lo,
              date_trunc('hour', $2::timestamptz - interval '1 microsecond', $3) + interval '1 hour' AS hi`,
      [q.from, q.to, q.timezone],
    )) as { lo: Date; hi: Date }[];
    const rows = (await run.query(HOURLY_AGGREGATES_SQL, [q.storeId, bounds.lo, bounds.hi, q.timezone])) as {
      hour_start: Date;
      kind: EventKind;
      subject_id: string;
      event_count: number;
      exit_count: number;
      seconds_sum: number;
    }[];
    return {
      from: bounds.lo,
      to: bounds.hi,
      rows: rows.map((r) => ({
        hourStart: r.hour_start,
        kind: r.kind,
        subjectId: r.subject_id,
        eventCount: r.event_count,
        exitCount: r.exit_count,
        secondsSum: r.seconds_sum,
      })),
    };
  }

  /**
   * Stored events per store and store-local hour, every kind together (an entrance row counts once, in or out),
   * for local hours starting in [from, to). The number a rollup hour's event_count + exit_count must equal:
   * analytics compares the two to find hours whose rollup missed events.
   */
  async eventCountsByLocalHour(
    stores: { storeId: string; timezone: string }[],
    from: Date,
    to: Date,
  ): Promise<{ storeId: string; hourStart: Date; events: number }[]> {
    if (stores.length === 0) return [];
    const rows = (await this.db.query(EVENT_COUNTS_SQL, [stores.map((s) => s.storeId), stores.map((s) => s.timezone), from, to])) as {
      store_id: string;
      hour_start: Date;
      events: number;
    }[];
    return rows.map((r) => ({ storeId: r.store_id, hourStart: r.hour_start, events: r.events }));
  }

  /** First and last event time of a store, over all event types (null without events): the span a backfill covers. */
  async eventSpan(storeId: string): Promise<{ first: Date; last: Date } | null> {
    const [row] = (await this.db.query(EVENT_SPAN_SQL, [storeId])) as { first: Date | null; last: Date | null }[];
    return row.first && row.last ? { first: row.first, last: row.last } : null;
  }
}
