import { EVENT_KINDS } from './event-kinds.ts';

// The ingest module's write-side SQL. The batch insert of events is generated from the kind registry
// (BATCH_INSERT_SQL in event-kinds.ts); the read side is in store-events.reader.ts and store-totals.reader.ts.

/** A camera heartbeat; answers the server's receipt time. */
export const INSERT_HEARTBEAT_SQL = `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, status_data) VALUES ($1, $2, $3, $4) RETURNING received_at`;

/** The health probe. */
export const PING_SQL = `SELECT 1`;

/**
 * Every row the ingest module keeps of a store deleted with ?data=delete: its events of every kind, its cameras'
 * heartbeats and their compacted days with the store's compaction mark (left behind, a store re-created under the
 * same id would read its old coverage for every day before that mark).
 */
export const FORGET_STORE_SQL: readonly string[] = [
  ...Object.values(EVENT_KINDS).map((k) => k.table),
  'camera_heartbeats',
  'camera_coverage_days',
  'heartbeat_compaction',
].map((table) => `DELETE FROM ${table} WHERE store_id = $1`);

/** Compacted heartbeat days of store $1, one per camera ($2) and UTC date ($3): first heartbeat ($4), ms covered per quarter hour ($5, comma-separated). */
export const UPSERT_COVERAGE_DAYS_SQL = `INSERT INTO camera_coverage_days (store_id, camera_id, day, first_at, covered_ms)
  SELECT $1, u.c, u.d::date, u.f, string_to_array(u.m, ',')::integer[] FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::text[]) AS u(c, d, f, m)
  ON CONFLICT (store_id, camera_id, day) DO UPDATE SET first_at = EXCLUDED.first_at, covered_ms = EXCLUDED.covered_ms`;

/** Store $1's compaction mark, created at $2 when it has none (committed before any compaction locks it). */
export const START_COMPACTION_SQL = `INSERT INTO heartbeat_compaction (store_id, compacted_until) VALUES ($1, $2) ON CONFLICT (store_id) DO NOTHING`;

/**
 * Store $1's compaction mark, locked to the end of the transaction: two compactions of a store take turns, and a
 * heartbeat that reopens a day (REOPEN_COMPACTED_DAYS_SQL) waits for the day being compacted and then moves its mark.
 */
export const LOCK_COMPACTION_SQL = `SELECT compacted_until FROM heartbeat_compaction WHERE store_id = $1 FOR UPDATE`;

/** Store $1 compacted up to $2 (set by the compaction that holds the lock). */
export const MOVE_COMPACTION_SQL = `UPDATE heartbeat_compaction SET compacted_until = $2 WHERE store_id = $1`;

/**
 * A heartbeat stored for a day already compacted (received at $2, ms): store $1's mark goes back to the UTC
 * midnight before the first interval it can change ($2 − 90 s), so reads take those days from the heartbeats again
 * and the next compaction redoes them. A no-op index probe for every heartbeat of a day not yet compacted.
 */
export const REOPEN_COMPACTED_DAYS_SQL = `UPDATE heartbeat_compaction
  SET compacted_until = date_trunc('day', ($2::timestamptz - make_interval(secs => $3)) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
  WHERE store_id = $1 AND compacted_until > $2::timestamptz - make_interval(secs => $3)`;

/** Store $1's first heartbeat received in [$2, $3): where compaction goes on after days without any. */
export const NEXT_HEARTBEAT_SQL = `SELECT min(received_at) AS at FROM camera_heartbeats WHERE store_id = $1 AND received_at >= $2 AND received_at < $3`;
