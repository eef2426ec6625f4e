import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export type StoredEventKind = 'entrance' | 'zone' | 'shelf' | 'queue';
export type BucketGranularity = 'hour' | 'day';

/**
 * One row of totals: per kind and id (direction for entrances; zone, shelf or queue id), the count,
 * the sum and the maximum of its duration in integer milliseconds (`floor(seconds * 1000 + 0.5)`, so
 * sums are exact and agree with counters kept elsewhere), and for zones the exact distinct visitors.
 * bigint columns arrive as strings.
 */
export interface StoreTotalsRow { kind: StoredEventKind; id: string; n: number; total: string; top: string; visitors: number }

/** to_char() formats of store-local bucket labels (they sort chronologically as text): 2024-01-15T10:00, 2024-01-15. */
export const BUCKET_LABEL_FORMAT: Record<BucketGranularity, string> = { hour: 'YYYY-MM-DD"T"HH24:00', day: 'YYYY-MM-DD' };

/** The identity of a stored event row (its unique index is per table, store and camera). */
export function storedEventKey(kind: StoredEventKind, cameraId: string, eventId: string): string {
  return `${kind}/${cameraId}/${eventId}`;
}

const MS = (col: string) => `floor(${col} * 1000 + 0.5)`;

/** Totals over [$2, $3) for store $1; `$bucket` is the grouping expression ('' for none), entrances may start earlier ($entrancesFrom). */
function totalsSql(bucket: string, entrancesFrom = '$2'): string {
  const b = bucket ? `${bucket} AS bucket, ` : '';
  const g = bucket ? '1, ' : '';
  const where = (from: string) => `WHERE store_id = $1 AND ts >= ${from} AND ts < $3`;
  return `
  SELECT ${b}'entrance' AS kind, direction AS id, count(*)::int AS n, 0::bigint AS total, 0::bigint AS top, 0 AS visitors
    FROM entrance_events ${where(entrancesFrom)} GROUP BY ${g}direction
  UNION ALL
  SELECT ${b}'zone', zone_id, count(*)::int, sum(${MS('dwell_seconds')})::bigint, 0, count(DISTINCT person_key)::int
    FROM zone_events ${where('$2')} GROUP BY ${g}zone_id
  UNION ALL
  SELECT ${b}'shelf', shelf_id, count(*)::int, sum(${MS('dwell_seconds')})::bigint, 0, 0
    FROM shelf_interactions ${where('$2')} GROUP BY ${g}shelf_id
  UNION ALL
  SELECT ${b}'queue', queue_id, count(*)::int, sum(${MS('wait_seconds')})::bigint, max(${MS('wait_seconds')})::bigint, 0
    FROM queue_events ${where('$2')} GROUP BY ${g}queue_id`;
}

const TOTALS_SQL = totalsSql('');
const BUCKET_TOTALS_SQL = totalsSql(`to_char(date_trunc($4, ts AT TIME ZONE $5), $6)`, '$7');
const VISITORS_SQL = `SELECT zone_id, array_agg(DISTINCT person_key) AS persons
  FROM zone_events WHERE store_id = $1 AND ts >= $2 AND ts < $3 GROUP BY zone_id`;
const RECENT_SQL = (['entrance_events:entrance', 'zone_events:zone', 'shelf_interactions:shelf', 'queue_events:queue'] as const)
  .map((pair) => pair.split(':'))
  .map(([table, kind]) => `SELECT '${kind}/' || camera_id || '/' || event_id AS key FROM ${table}
    WHERE store_id = $1 AND ts >= $2 AND ts < $3 AND received_at > now() - make_interval(secs => $4)`)
  .join(' UNION ALL ');
const LATEST_HEARTBEATS_SQL = `SELECT DISTINCT ON (camera_id) camera_id, received_at, status_data
  FROM camera_heartbeats WHERE store_id = $1 ORDER BY camera_id, received_at DESC`;

/**
 * Read access to the event and heartbeat tables for the dashboard: totals, never rows. The tables stay
 * private to ingest. Every query is bounded by (store_id, ts) and served by the (store_id, ts) indexes.
 */
@Injectable()
export class StoreTotalsReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Totals of the events of one store with `ts` in [from, to), in one statement (one snapshot). */
  async totals(storeId: string, from: Date, to: Date): Promise<StoreTotalsRow[]> {
    return this.db.query(TOTALS_SQL, [storeId, from, to]);
  }

  /**
   * What a counter rebuild needs, all from ONE repeatable-read snapshot: the totals, each zone's distinct
   * visitors (person keys), and the keys ({@link storedEventKey}) of the rows in those totals that were
   * stored in the last `recentSeconds` (whose ingest listeners may still be about to run).
   */
  async countingSnapshot(storeId: string, from: Date, to: Date, recentSeconds: number): Promise<{
    totals: StoreTotalsRow[]; visitors: { zoneId: string; persons: string[] }[]; recentEventKeys: string[];
  }> {
    const params = [storeId, from, to];
    return this.db.transaction('REPEATABLE READ', async (tx) => ({
      totals: (await tx.query(TOTALS_SQL, params)) as StoreTotalsRow[],
      visitors: ((await tx.query(VISITORS_SQL, params)) as { zone_id: string; persons: string[] }[]).map((r) => ({ zoneId: r.zone_id, persons: r.persons })),
      recentEventKeys: ((await tx.query(RECENT_SQL, [...params, recentSeconds])) as { key: string }[]).map((r) => r.key),
    }));
  }

  /**
   * Totals per store-local bucket (labels as {@link BUCKET_LABEL_FORMAT}) of events in [from, to);
   * entrances from `entrancesFrom` (≤ from), so a caller can carry occupancy into the range.
   */
  async bucketTotals(q: { storeId: string; timezone: string; granularity: BucketGranularity; from: Date; to: Date; entrancesFrom: Date }): Promise<(StoreTotalsRow & { bucket: string })[]> {
    return this.db.query(BUCKET_TOTALS_SQL, [q.storeId, q.from, q.to, q.granularity, q.timezone, BUCKET_LABEL_FORMAT[q.granularity], q.entrancesFrom]);
  }

  /** Each camera's latest heartbeat (server receipt time). */
  async latestHeartbeats(storeId: string): Promise<{ cameraId: string; receivedAt: Date; statusData: Record<string, unknown> }[]> {
    const rows = (await this.db.query(LATEST_HEARTBEATS_SQL, [storeId])) as { camera_id: string; received_at: Date; status_data: Record<string, unknown> }[];
    return rows.map((r) => ({ cameraId: r.camera_id, receivedAt: r.received_at, statusData: r.status_data }));
  }
}
