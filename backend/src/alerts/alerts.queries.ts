// The alerts module's SQL, in one place: its own tables (alerts, alert_rules). Stores are read through the admin
// module's StoreDirectory/ReadableStores, live numbers through the dashboard's services, never their tables.

const ALERT_COLUMNS = `alert_id, org_id, store_id, type, subject, state, summary, fired_at, resolved_at, evidence, resolve_evidence`;

/**
 * Opens an episode unless one of the same condition is already firing (uq_alerts_firing): answers the new row
 * to the one caller whose insert won, nothing to every other. $1 org, $2 store (null: organisation), $3 type,
 * $4 subject, $5 summary, $6 evidence, $7 fired_at.
 */
export const FIRE_ALERT_SQL = `
  INSERT INTO alerts (org_id, store_id, type, subject, summary, evidence, fired_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (org_id, (coalesce(store_id, '')), type, subject) WHERE state = 'firing' DO NOTHING
  RETURNING ${ALERT_COLUMNS}`;

/** Resolves the firing episode of a condition: answers the row to the one caller whose update won. $5 resolved_at. */
export const RESOLVE_ALERT_SQL = `
  UPDATE alerts SET state = 'resolved', resolved_at = greatest($5::timestamptz, fired_at), resolve_evidence = $6
  WHERE org_id = $1 AND coalesce(store_id, '') = coalesce($2, '') AND type = $3 AND subject = $4 AND state = 'firing'
  RETURNING ${ALERT_COLUMNS}`;

/** The firing episodes of stores $1 (text[]; all types), for the evaluators' cheap "is it open?" check. */
export const FIRING_IN_STORES_SQL = `SELECT ${ALERT_COLUMNS} FROM alerts WHERE store_id = ANY($1::text[]) AND state = 'firing'`;

/**
 * The alerts of organisation $1 (null: every organisation, the admin token), newest first: of the stores $2
 * (text[]), plus the organisations' own alerts when $3; state $4 or any (null); at most $5.
 */
export const LIST_ALERTS_SQL = `
  SELECT ${ALERT_COLUMNS} FROM alerts
  WHERE ($1::uuid IS NULL OR org_id = $1) AND (store_id = ANY($2::text[]) OR ($3 AND store_id IS NULL)) AND ($4::text IS NULL OR state = $4)
  ORDER BY fired_at DESC, alert_id LIMIT $5`;

/**
 * Opens a traffic spike episode for an hour that never had one: a spike hour alerts once, however often late
 * events re-roll it (and re-assess it) after its episode resolved. Same parameters as FIRE_ALERT_SQL.
 */
export const FIRE_ALERT_ONCE_SQL = `
  INSERT INTO alerts (org_id, store_id, type, subject, summary, evidence, fired_at)
  SELECT $1, $2, $3, $4, $5, $6, $7
  WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE org_id = $1 AND store_id = $2 AND type = $3 AND subject = $4)
  ON CONFLICT (org_id, (coalesce(store_id, '')), type, subject) WHERE state = 'firing' DO NOTHING
  RETURNING ${ALERT_COLUMNS}`;

/** The stored rules of store $1 (types without a row run with their defaults). */
export const STORE_RULES_SQL = `SELECT type, enabled, params FROM alert_rules WHERE store_id = $1`;

/** Writes the rules of store $2 (org $1): one row per type in $3 (text[]) with $4 (bool[]) and $5 (jsonb[]). */
export const UPSERT_RULES_SQL = `
  INSERT INTO alert_rules (org_id, store_id, type, enabled, params)
  SELECT $1, $2, r.type, r.enabled, r.params FROM unnest($3::text[], $4::boolean[], $5::jsonb[]) AS r(type, enabled, params)
  ON CONFLICT (store_id, type) DO UPDATE SET enabled = excluded.enabled, params = excluded.params, updated_at = now()`;

/** What the alerts module keeps of a store deleted with ?data=delete: its alerts and its rules. */
export const FORGET_STORE_SQL: readonly string[] = [`DELETE FROM alerts WHERE store_id = $1`, `DELETE FROM alert_rules WHERE store_id = $1`];

/** … and of an organisation deleted so: its organisation alerts (its stores' went with them). */
export const FORGET_ORG_SQL: readonly string[] = [`DELETE FROM alerts WHERE org_id = $1`];
