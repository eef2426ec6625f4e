import { EVENT_KINDS } from './event-kinds.ts';

// The ingest module's write-side SQL. The batch insert of events is generated from the kind registry
// (BATCH_INSERT_SQL in event-kinds.ts); the read side is in store-events.reader.ts and store-totals.reader.ts.

/** A camera heartbeat; answers the server's receipt time. */
export const INSERT_HEARTBEAT_SQL = `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, status_data) VALUES ($1, $2, $3, $4) RETURNING received_at`;

/** The health probe. */
export const PING_SQL = `SELECT 1`;

/** Every row the ingest module keeps of a store deleted with ?data=delete: its events of every kind, its cameras' heartbeats. */
export const FORGET_STORE_SQL: readonly string[] = [...Object.values(EVENT_KINDS).map((k) => k.table), 'camera_heartbeats'].map(
  (table) => `DELETE FROM ${table} WHERE store_id = $1`,
);
