import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { spanColumns, type StoreSpan } from '../common/store-span.ts';
import { COVERAGE_SLOT_MS, type CoverageDay, type HeartbeatSample, SLOTS_PER_DAY } from './data-completeness.ts';
import { ENTRANCE, SUBJECT_KINDS, unionOverKinds, VISITORS_KIND, type EventKind } from './event-kinds.ts';

export type StoredEventKind = EventKind;
export type BucketGranularity = 'hour' | 'day';

/**
 * One row of totals: per kind and id (direction for entrances, else the subject id; kinds as in event-kinds.ts), the count,
 * the sum and the maximum of its duration in integer milliseconds (`floor(seconds * 1000 + 0.5)`, so
 * sums are exact and agree with counters kept elsewhere), and for zones the exact distinct visitors.
 * bigint columns arrive as strings.
 */
export interface StoreTotalsRow {
  kind: StoredEventKind | 'session';
  id: string;
  n: number;
  total: string;
  top: string;
  visitors: number;
}

/** Opening ranges [opens[i], closes[i]) of a day, whose entrance crossings are counted apart (rows of kind `session`). */
export interface SessionRanges {
  opens: Date[];
  closes: Date[];
}

/** to_char() formats of store-local bucket labels (they sort chronologically as text): 2024-01-15T10:00, 2024-01-15. */
export const BUCKET_LABEL_FORMAT: Record<BucketGranularity, string> = { hour: 'YYYY-MM-DD"T"HH24:00', day: 'YYYY-MM-DD' };

/** The identity of a stored event row (its unique index is per table, store and camera). */
export function storedEventKey(kind: StoredEventKind, cameraId: string, eventId: string): string {
  return `${kind}/${cameraId}/${eventId}`;
}

const MS = (col: string) => `floor(${col} * 1000 + 0.5)`;

/** Totals over [$2, $3) for store $1; `$bucket` is the grouping expression ('' for none). */
function totalsSql(bucket: string): string {
  const b = bucket ? `${bucket} AS bucket, ` : '';
  const g = bucket ? '1, ' : '';
  const where = 'WHERE store_id = $1 AND ts >= $2 AND ts < $3';
  // Per subject kind: count, duration sum, maximum (kinds keeping one), distinct visitors (the kind counting them).
  const subjects = SUBJECT_KINDS.map((k) => {
    const total = k.duration ? `sum(${MS(k.duration)})::bigint` : '0';
    const top = k.duration && k.live.maxMs ? `max(${MS(k.duration)})::bigint` : '0';
    const visitors = k.live.visitors ? 'count(DISTINCT person_key)::int' : '0';
    return `
  UNION ALL
  SELECT ${b}'${k.kind}', ${k.subject}, count(*)::int, ${total}, ${top}, ${visitors}
    FROM ${k.table} ${where} GROUP BY ${g}${k.subject}`;
  });
  return `
  SELECT ${b}'entrance' AS kind, direction AS id, count(*)::int AS n, 0::bigint AS total, 0::bigint AS top, 0 AS visitors
    FROM ${ENTRANCE.table} ${where} GROUP BY ${g}direction${subjects.join('')}`;
}

const TOTALS_SQL = totalsSql('');
/**
 * Totals per bucket: bucket i holds the events from its start $4[i] to the next one's (the last to $3), labelled $5[i].
 * A binary search over the bucket starts, not a time-zone conversion of every row: 3× faster on a month of a busy
 * store's events (the buckets, DST included, are worked out once, as local labels with their first instants).
 */
const BUCKET_TOTALS_SQL = totalsSql(`($5::text[])[width_bucket(ts, $4::timestamptz[])]`);
/** Entrance crossings per opening range ($4 opens, $5 closes) as rows of kind 'session', id "<index>:<direction>" (index from 0). */
const SESSIONS_SQL = `SELECT 'session' AS kind, (s.i - 1) || ':' || e.direction AS id, count(*)::int AS n, 0::bigint AS total, 0::bigint AS top, 0 AS visitors
  FROM ${ENTRANCE.table} e JOIN unnest($4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS s(o, c, i) ON e.ts >= s.o AND e.ts < s.c
  WHERE e.store_id = $1 AND e.ts >= $2 AND e.ts < $3 GROUP BY s.i, e.direction`;
/** Entrance crossings per instant, in time order: the history's occupancy through the day. */
const ENTRANCE_FLOW_SQL = `SELECT floor(extract(epoch FROM ts) * 1000)::float8 AS t, count(*) FILTER (WHERE direction = 'in')::int AS n_in, count(*) FILTER (WHERE direction = 'out')::int AS n_out
  FROM ${ENTRANCE.table} WHERE store_id = $1 AND ts >= $2 AND ts < $3 GROUP BY ts ORDER BY ts`;
/** The distinct person keys per subject of the kind counting visitors (column `zone_id`, as the only such kind is the zone). */
const VISITORS_SQL = `SELECT ${VISITORS_KIND.subject} AS zone_id, array_agg(DISTINCT person_key) AS persons
  FROM ${VISITORS_KIND.table} WHERE store_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1`;
const RECENT_SQL = unionOverKinds(
  (kind, table) => `SELECT '${kind}/' || camera_id || '/' || event_id AS key FROM ${table}
    WHERE store_id = $1 AND ts >= $2 AND ts < $3 AND received_at > now() - make_interval(secs => $4)`,
);
/** In and out crossings of store $1 within each range [$2[i], $3[i]), in range order (zeros for a range without any). */
const CROSSINGS_PER_RANGE_SQL = `SELECT count(e.direction) FILTER (WHERE e.direction = 'in')::int AS n_in, count(e.direction) FILTER (WHERE e.direction = 'out')::int AS n_out
  FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS s(o, c, i)
  LEFT JOIN ${ENTRANCE.table} e ON e.store_id = $1 AND e.ts >= s.o AND e.ts < s.c
  GROUP BY s.i ORDER BY s.i`;
const LATEST_HEARTBEATS_SQL = `SELECT DISTINCT ON (camera_id) camera_id, received_at, status_data
  FROM camera_heartbeats WHERE store_id = $1 ORDER BY camera_id, received_at DESC`;

/** A jsonb number field of status_data as float8, or null when absent or not a number (never a cast error). */
const NUM = (field: string) => `CASE WHEN jsonb_typeof(status_data->'${field}') = 'number' THEN (status_data->>'${field}')::float8 END`;
/** Heartbeats of store $1 received in [$2, $3): what data completeness needs of each (see data-completeness.ts). */
const HEARTBEAT_SAMPLES_SQL = `SELECT camera_id, (extract(epoch FROM received_at) * 1000)::float8 AS at_ms,
    CASE WHEN jsonb_typeof(status_data->'stream_state') = 'string' THEN status_data->>'stream_state' END AS stream_state,
    coalesce(${NUM('fps_achieved')}, ${NUM('fps')}) AS fps, ${NUM('target_fps')} AS target_fps
  FROM camera_heartbeats WHERE store_id = $1 AND received_at >= $2 AND received_at < $3
  ORDER BY camera_id, received_at`;
/** Each camera's first heartbeat ever (one index probe per camera), its compacted days included (they outlive the heartbeats). */
const FIRST_HEARTBEATS_SQL = `SELECT c AS camera_id, least(
    (SELECT received_at FROM camera_heartbeats h WHERE h.store_id = $1 AND h.camera_id = c ORDER BY received_at LIMIT 1),
    (SELECT min(first_at) FROM camera_coverage_days d WHERE d.store_id = $1 AND d.camera_id = c)) AS first_at
  FROM unnest($2::text[]) AS c`;
/**
 * A compacted day's quarter hours as text (`covered`, comma-separated), or null when every one is covered in full (most
 * days): a day's 96 numbers parsed from an int[] cost more than the rest of a 100-store report's reads together.
 */
const COVERED = `CASE WHEN covered_ms = array_fill(${COVERAGE_SLOT_MS}, ARRAY[${SLOTS_PER_DAY}]) THEN NULL ELSE array_to_string(covered_ms, ',') END AS covered`;
/** Up to when store $1's heartbeats were compacted (a row: every UTC day before it is read compacted). */
const COMPACTED_UNTIL_SQL = `SELECT compacted_until FROM heartbeat_compaction WHERE store_id = $1`;
/** The compacted days of store $1 in [$2, $3) (UTC dates), with each day's start in ms. */
const COVERAGE_DAYS_SQL = `SELECT camera_id, (extract(epoch FROM day::timestamp AT TIME ZONE 'UTC') * 1000)::float8 AS day_ms, ${COVERED}
  FROM camera_coverage_days WHERE store_id = $1 AND day >= $2::date AND day < $3::date ORDER BY camera_id, day`;
// The same reads for many stores at once (a report over an organisation): one statement each instead of one per store.
/** Up to when each of stores $1 was compacted (stores never compacted have no row). */
const COMPACTED_UNTIL_OF_STORES_SQL = `SELECT store_id, compacted_until FROM heartbeat_compaction WHERE store_id = ANY($1::text[])`;
/** The compacted days of each store $1[i] in [$2[i], $3[i]) (UTC dates), as COVERAGE_DAYS_SQL. */
const COVERAGE_DAYS_OF_STORES_SQL = `SELECT d.store_id, d.camera_id, (extract(epoch FROM d.day::timestamp AT TIME ZONE 'UTC') * 1000)::float8 AS day_ms, ${COVERED}
  FROM unnest($1::text[], $2::date[], $3::date[]) AS r(s, f, t)
  JOIN camera_coverage_days d ON d.store_id = r.s AND d.day >= r.f AND d.day < r.t
  ORDER BY d.store_id, d.camera_id, d.day`;
/** The heartbeats of each store $1[i] received in [$2[i], $3[i]), as HEARTBEAT_SAMPLES_SQL. */
const HEARTBEAT_SAMPLES_OF_STORES_SQL = `SELECT h.store_id, h.camera_id, (extract(epoch FROM h.received_at) * 1000)::float8 AS at_ms,
    CASE WHEN jsonb_typeof(h.status_data->'stream_state') = 'string' THEN h.status_data->>'stream_state' END AS stream_state,
    coalesce(${NUM('fps_achieved')}, ${NUM('fps')}) AS fps, ${NUM('target_fps')} AS target_fps
  FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS r(s, f, t)
  JOIN camera_heartbeats h ON h.store_id = r.s AND h.received_at >= r.f AND h.received_at < r.t
  ORDER BY h.store_id, h.camera_id, h.received_at`;
/** The first heartbeat ever of each camera ($1[i] store, $2[i] camera), as FIRST_HEARTBEATS_SQL. */
const FIRST_HEARTBEATS_OF_STORES_SQL = `SELECT r.s AS store_id, r.c AS camera_id, least(
    (SELECT received_at FROM camera_heartbeats h WHERE h.store_id = r.s AND h.camera_id = r.c ORDER BY received_at LIMIT 1),
    (SELECT min(first_at) FROM camera_coverage_days d WHERE d.store_id = r.s AND d.camera_id = r.c)) AS first_at
  FROM unnest($1::text[], $2::text[]) AS r(s, c)`;
/** Store $1's first heartbeat received before $2 (where its compaction starts). */
const FIRST_STORE_HEARTBEAT_SQL = `SELECT min(received_at) AS first_at FROM camera_heartbeats WHERE store_id = $1 AND received_at < $2`;

/** A heartbeat reduced to what completeness needs, with its camera. */
export type CameraHeartbeatSample = HeartbeatSample & { cameraId: string };

interface HeartbeatSampleRow {
  camera_id: string;
  at_ms: number;
  stream_state: string | null;
  fps: number | null;
  target_fps: number | null;
}
interface CoverageDayRow {
  camera_id: string;
  day_ms: number;
  covered: string | null;
}
/** A day covered in full (shared: never changed by readers). */
const FULL_DAY: readonly number[] = Object.freeze(Array.from({ length: SLOTS_PER_DAY }, () => COVERAGE_SLOT_MS));

const heartbeatSample = (r: HeartbeatSampleRow): CameraHeartbeatSample => ({
  cameraId: r.camera_id,
  atMs: Number(r.at_ms),
  streamState: r.stream_state,
  fps: r.fps === null ? null : Number(r.fps),
  targetFps: r.target_fps === null ? null : Number(r.target_fps),
});
const coverageDay = (r: CoverageDayRow): CoverageDay => ({
  dayStartMs: Number(r.day_ms),
  coveredMs: r.covered === null ? FULL_DAY : r.covered.split(',').map(Number),
});
const utcDate = (d: Date) => d.toISOString().slice(0, 10);

/** The list under `key`, created empty when missing. */
function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/**
 * Read access to the event and heartbeat tables for the dashboard: totals, never rows. The tables stay
 * private to ingest. Every query is bounded by (store_id, ts) and served by the (store_id, ts) indexes.
 */
@Injectable()
export class StoreTotalsReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Totals of the events of one store with `ts` in [from, to), in one statement (one snapshot); per opening range too when given. */
  async totals(storeId: string, from: Date, to: Date, sessions?: SessionRanges): Promise<StoreTotalsRow[]> {
    if (!sessions?.opens.length) return this.db.query(TOTALS_SQL, [storeId, from, to]);
    return this.db.query(`${TOTALS_SQL} UNION ALL ${SESSIONS_SQL}`, [storeId, from, to, sessions.opens, sessions.closes]);
  }

  /** In and out crossings of one store within each range [opens[i], closes[i]), in range order. */
  async crossingsPerRange(storeId: string, ranges: SessionRanges): Promise<{ in: number; out: number }[]> {
    const rows = (await this.db.query(CROSSINGS_PER_RANGE_SQL, [storeId, ranges.opens, ranges.closes])) as { n_in: number; n_out: number }[];
    return rows.map((r) => ({ in: r.n_in, out: r.n_out }));
  }

  /** Entrance crossings of one store with `ts` in [from, to), summed per instant, in time order. */
  async entranceFlow(storeId: string, from: Date, to: Date): Promise<{ t: number; in: number; out: number }[]> {
    // Instants as numbers: a month of a busy store is ~150,000 rows, and parsing each timestamp into a Date cost more
    // than the query.
    const rows = await this.oneWorker<{ t: number; n_in: number; n_out: number }>(ENTRANCE_FLOW_SQL, [storeId, from, to]);
    return rows.map((r) => ({ t: r.t, in: r.n_in, out: r.n_out }));
  }

  /**
   * What a counter rebuild needs, all from ONE repeatable-read snapshot: the totals, each zone's distinct
   * visitors (person keys), and the keys ({@link storedEventKey}) of the rows in those totals that were
   * stored in the last `recentSeconds` (whose ingest listeners may still be about to run).
   */
  async countingSnapshot(
    storeId: string,
    from: Date,
    to: Date,
    recentSeconds: number,
    sessions?: SessionRanges,
  ): Promise<{
    totals: StoreTotalsRow[];
    visitors: { zoneId: string; persons: string[] }[];
    recentEventKeys: string[];
  }> {
    const params = [storeId, from, to];
    return this.db.transaction('REPEATABLE READ', async (tx) => ({
      totals: (sessions?.opens.length
        ? await tx.query(`${TOTALS_SQL} UNION ALL ${SESSIONS_SQL}`, [...params, sessions.opens, sessions.closes])
        : await tx.query(TOTALS_SQL, params)) as StoreTotalsRow[],
      visitors: ((await tx.query(VISITORS_SQL, params)) as { zone_id: string; persons: string[] }[]).map((r) => ({ zoneId: r.zone_id, persons: r.persons })),
      recentEventKeys: ((await tx.query(RECENT_SQL, [...params, recentSeconds])) as { key: string }[]).map((r) => r.key),
    }));
  }

  /**
   * Totals per store-local bucket of events in [from, to): `buckets` are the labels (as {@link BUCKET_LABEL_FORMAT})
   * with their first instants, in time order, the first starting at `from`; each row carries its bucket's label.
   */
  async bucketTotals(q: {
    storeId: string;
    from: Date;
    to: Date;
    buckets: readonly { label: string; startMs: number }[];
  }): Promise<(StoreTotalsRow & { bucket: string })[]> {
    const starts = q.buckets.map((b) => new Date(b.startMs));
    return this.oneWorker<StoreTotalsRow & { bucket: string }>(BUCKET_TOTALS_SQL, [q.storeId, q.from, q.to, starts, q.buckets.map((b) => b.label)]);
  }

  /**
   * A statement without parallel workers. A store's month is ~150,000 rows, but on a year-sized table the planner
   * plans a parallel scan, whose gather and merge cost more than they save while the request's other reads run
   * beside it: the entrance flow took 355–556 ms with workers and 214–263 ms without (111 M events, 2 cores).
   */
  private oneWorker<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    return this.db.transaction(async (tx) => {
      await tx.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return (await tx.query(sql, params)) as Row[];
    });
  }

  /** Heartbeats of a store received in [from, to), per camera in time order, reduced to what completeness needs. */
  async heartbeatSamples(storeId: string, from: Date, to: Date): Promise<CameraHeartbeatSample[]> {
    return ((await this.db.query(HEARTBEAT_SAMPLES_SQL, [storeId, from, to])) as HeartbeatSampleRow[]).map(heartbeatSample);
  }

  /** Each camera's first heartbeat ever, or null. */
  async firstHeartbeats(storeId: string, cameraIds: string[]): Promise<Map<string, number | null>> {
    const rows = (await this.db.query(FIRST_HEARTBEATS_SQL, [storeId, cameraIds])) as { camera_id: string; first_at: Date | null }[];
    return new Map(rows.map((r) => [r.camera_id, r.first_at ? new Date(r.first_at).getTime() : null]));
  }

  /**
   * Store's compacted heartbeats (data-completeness.ts, compaction): up to when (null: never compacted) and each
   * camera's compacted UTC days overlapping [from, to).
   */
  async compactedCoverage(storeId: string, from: Date, to: Date): Promise<{ untilMs: number | null; days: Map<string, CoverageDay[]> }> {
    const [row] = (await this.db.query(COMPACTED_UNTIL_SQL, [storeId])) as { compacted_until: Date }[];
    const days = new Map<string, CoverageDay[]>();
    const untilMs = row ? new Date(row.compacted_until).getTime() : null;
    if (untilMs === null || untilMs <= from.getTime()) return { untilMs, days };
    const rows = (await this.db.query(COVERAGE_DAYS_SQL, [storeId, utcDate(from), utcDate(new Date(to.getTime() + 86_400_000))])) as CoverageDayRow[];
    for (const r of rows) listIn(days, r.camera_id).push(coverageDay(r));
    return { untilMs, days };
  }

  /** {@link compactedCoverage}'s mark for many stores: store → compacted until (ms); never compacted stores are absent. */
  async compactedUntilOf(storeIds: readonly string[]): Promise<Map<string, number>> {
    const rows = (await this.db.query(COMPACTED_UNTIL_OF_STORES_SQL, [storeIds])) as { store_id: string; compacted_until: Date }[];
    return new Map(rows.map((r) => [r.store_id, new Date(r.compacted_until).getTime()]));
  }

  /** {@link compactedCoverage}'s days for many stores, each over its own span: store → camera → days in order. */
  async coverageDaysOf(spans: readonly StoreSpan[]): Promise<Map<string, Map<string, CoverageDay[]>>> {
    const out = new Map<string, Map<string, CoverageDay[]>>();
    if (!spans.length) return out;
    const rows = (await this.db.query(COVERAGE_DAYS_OF_STORES_SQL, [
      spans.map((r) => r.storeId),
      spans.map((r) => utcDate(new Date(r.fromMs))),
      spans.map((r) => utcDate(new Date(r.toMs + 86_400_000))),
    ])) as (CoverageDayRow & { store_id: string })[];
    for (const r of rows) {
      let store = out.get(r.store_id);
      if (!store) out.set(r.store_id, (store = new Map()));
      listIn(store, r.camera_id).push(coverageDay(r));
    }
    return out;
  }

  /** {@link heartbeatSamples} for many stores, each over its own span: store → its samples (per camera in time order). */
  async heartbeatSamplesOf(spans: readonly StoreSpan[]): Promise<Map<string, CameraHeartbeatSample[]>> {
    const out = new Map<string, CameraHeartbeatSample[]>();
    if (!spans.length) return out;
    const rows = (await this.db.query(HEARTBEAT_SAMPLES_OF_STORES_SQL, spanColumns(spans))) as (HeartbeatSampleRow & { store_id: string })[];
    for (const r of rows) listIn(out, r.store_id).push(heartbeatSample(r));
    return out;
  }

  /** {@link firstHeartbeats} for many stores' cameras: store → camera → first heartbeat ever (ms) or null. */
  async firstHeartbeatsOf(cameras: readonly { storeId: string; cameraId: string }[]): Promise<Map<string, Map<string, number | null>>> {
    const out = new Map<string, Map<string, number | null>>();
    if (!cameras.length) return out;
    const rows = (await this.db.query(FIRST_HEARTBEATS_OF_STORES_SQL, [cameras.map((c) => c.storeId), cameras.map((c) => c.cameraId)])) as {
      store_id: string;
      camera_id: string;
      first_at: Date | null;
    }[];
    for (const r of rows) {
      let store = out.get(r.store_id);
      if (!store) out.set(r.store_id, (store = new Map()));
      store.set(r.camera_id, r.first_at ? new Date(r.first_at).getTime() : null);
    }
    return out;
  }

  /** The store's first heartbeat received before `before`, or null. */
  async firstStoreHeartbeat(storeId: string, before: Date): Promise<number | null> {
    const [row] = (await this.db.query(FIRST_STORE_HEARTBEAT_SQL, [storeId, before])) as { first_at: Date | null }[];
    return row?.first_at ? new Date(row.first_at).getTime() : null;
  }

  /** Each camera's latest heartbeat (server receipt time). */
  async latestHeartbeats(storeId: string): Promise<{ cameraId: string; receivedAt: Date; statusData: Record<string, unknown> }[]> {
    const rows = (await this.db.query(LATEST_HEARTBEATS_SQL, [storeId])) as { camera_id: string; received_at: Date; status_data: Record<string, unknown> }[];
    return rows.map((r) => ({ cameraId: r.camera_id, receivedAt: r.received_at, statusData: r.status_data }));
  }
}
