// The retention module's SQL in one place. Table and partition names come from the ingest registry
// (ingest/partitioned-tables.ts) and the planner's YYYYMM names, bounds from the planner's own instants: nothing a
// request sends is ever spliced in.

/** The partitions of table $1 (by name). */
export const LIST_PARTITIONS_SQL = `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = $1::regclass ORDER BY 1`;

/** The UTC months (YYYYMM) of the rows waiting in a table's default partition. */
export const defaultMonthsSql = (table: string, column: string) =>
  `SELECT DISTINCT to_char(${column} AT TIME ZONE 'UTC', 'YYYYMM') AS key FROM ${table}_default ORDER BY 1`;

/** Serialises partition changes to one table across workers (held to the end of the transaction). */
export const PARTITION_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('wink-partitions:' || $1))`;

/** Whether a relation exists. */
export const EXISTS_SQL = `SELECT to_regclass($1) IS NOT NULL AS found`;

/**
 * A month partition created beside the table, filled with that month's rows from the default partition, then
 * attached: PostgreSQL refuses to create a partition whose rows sit in the default, so they are moved first. The
 * default is locked first so no insert lands in it between the move and the attach's check.
 */
export const createMonthPartitionSql = (table: string, column: string, name: string, from: string, to: string) => [
  `LOCK TABLE ${table}_default IN ACCESS EXCLUSIVE MODE`,
  `CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
  `WITH moved AS (DELETE FROM ${table}_default WHERE ${column} >= '${from}' AND ${column} < '${to}' RETURNING *)
    INSERT INTO ${name} SELECT * FROM moved`,
  `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`,
];

/** How many rows the month took from the default (the INSERT's row count is not returned by a multi-step DDL). */
export const countRowsSql = (name: string) => `SELECT count(*)::int AS n FROM ${name}`;

/** A partition dropped whole; a short lock wait so a busy table is retried on the next run, not queued behind. */
export const dropPartitionSql = (name: string) => [`SET LOCAL lock_timeout = '5s'`, `DROP TABLE ${name}`];

/** Expired rows in the default partition (late events from before the oldest month): few, deleted as rows. */
export const deleteExpiredDefaultSql = (table: string, column: string) => `DELETE FROM ${table}_default WHERE ${column} < $1`;

/** An organisation's retention settings (no row: the defaults). */
export const GET_SETTINGS_SQL = `SELECT raw_event_months, heartbeat_days FROM retention_settings WHERE org_id = $1`;
/** Every organisation's settings that differ from the defaults. */
export const LIST_SETTINGS_SQL = `SELECT org_id, raw_event_months, heartbeat_days FROM retention_settings`;
export const PUT_SETTINGS_SQL = `INSERT INTO retention_settings (org_id, raw_event_months, heartbeat_days) VALUES ($1, $2, $3)
  ON CONFLICT (org_id) DO UPDATE SET raw_event_months = EXCLUDED.raw_event_months, heartbeat_days = EXCLUDED.heartbeat_days, updated_at = now()`;

/** An organisation's expired rows of a partitioned table: its stores ($1), from the oldest month kept ($2) to its cutoff ($3). */
export const deleteExpiredRowsSql = (table: string, column: string) =>
  `DELETE FROM ${table} WHERE store_id = ANY($1::text[]) AND ${column} >= $2 AND ${column} < $3`;
