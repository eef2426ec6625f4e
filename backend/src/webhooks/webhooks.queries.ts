// The webhooks module's SQL: endpoints (admin API) and deliveries (publisher, worker, delivery log).

/** What the admin API shows of an endpoint: never the secret, only its first characters to tell secrets apart. */
const ENDPOINT_VIEW = `endpoint_id, org_id, url, description, enabled, disabled_at, disabled_reason, consecutive_failures, created_at,
  left(secret, 10) AS secret_prefix`;

export const INSERT_ENDPOINT_SQL = `INSERT INTO webhook_endpoints (org_id, url, secret, description) VALUES ($1, $2, $3, $4) RETURNING ${ENDPOINT_VIEW}`;

export const LIST_ENDPOINTS_SQL = `SELECT ${ENDPOINT_VIEW} FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, endpoint_id`;

/** Scoped by organisation: another organisation's endpoint is not found, like a missing one. */
export const GET_ENDPOINT_SQL = `SELECT ${ENDPOINT_VIEW} FROM webhook_endpoints WHERE org_id = $1 AND endpoint_id = $2`;

export const DELETE_ENDPOINT_SQL = `DELETE FROM webhook_endpoints WHERE org_id = $1 AND endpoint_id = $2 RETURNING endpoint_id, url`;

export const ROTATE_SECRET_SQL = `UPDATE webhook_endpoints SET secret = $3 WHERE org_id = $1 AND endpoint_id = $2 RETURNING endpoint_id`;

/** Re-enabling starts the failure count afresh. */
export const ENABLE_ENDPOINT_SQL = `UPDATE webhook_endpoints
  SET enabled = true, disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0, failing_since = NULL
  WHERE org_id = $1 AND endpoint_id = $2 RETURNING ${ENDPOINT_VIEW}`;

/** Only the call that turns it off gets a row back: that one raises the alert, once, whichever process it runs in. */
export const DISABLE_ENDPOINT_SQL = `UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = $3
  WHERE org_id = $1 AND endpoint_id = $2 AND enabled RETURNING ${ENDPOINT_VIEW}`;

/**
 * One delivery per enabled endpoint of the organisation (or the one endpoint $4), its id generated here and
 * written into the payload: `$3` is the payload without `id`.
 */
export const CREATE_DELIVERIES_SQL = `WITH targets AS (
    SELECT gen_random_uuid() AS delivery_id, endpoint_id FROM webhook_endpoints
    WHERE org_id = $1 AND enabled AND ($4::uuid IS NULL OR endpoint_id = $4))
  INSERT INTO webhook_deliveries (delivery_id, org_id, endpoint_id, event_type, payload)
  SELECT delivery_id, $1, endpoint_id, $2, jsonb_build_object('id', delivery_id) || $3::jsonb FROM targets
  RETURNING delivery_id, endpoint_id`;

const DELIVERY_VIEW = `delivery_id, endpoint_id, event_type AS type, state, attempts, last_status, last_error, created_at, first_attempt_at,
  delivered_at, latency_ms, payload`;

export const LIST_DELIVERIES_SQL = `SELECT ${DELIVERY_VIEW} FROM webhook_deliveries
  WHERE org_id = $1 AND ($2::uuid IS NULL OR endpoint_id = $2) AND ($3::text IS NULL OR state = $3)
  ORDER BY created_at DESC, delivery_id LIMIT $4`;

/** What one attempt needs: the delivery and its endpoint (gone when the endpoint was deleted). */
export const DELIVERY_FOR_ATTEMPT_SQL = `SELECT d.delivery_id, d.org_id, d.endpoint_id, d.state, d.payload, e.url, e.secret, e.enabled
  FROM webhook_deliveries d JOIN webhook_endpoints e USING (endpoint_id) WHERE d.delivery_id = $1`;

export const START_ATTEMPT_SQL = `UPDATE webhook_deliveries SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now())
  WHERE delivery_id = $1 AND state = 'pending' RETURNING attempts`;

/** Latency from the event's creation (the row) to the 2xx. */
export const DELIVERED_SQL = `UPDATE webhook_deliveries SET state = 'delivered', last_status = $2, last_error = NULL, delivered_at = now(),
    latency_ms = round(extract(epoch FROM now() - created_at) * 1000)
  WHERE delivery_id = $1 AND state = 'pending' RETURNING latency_ms`;

/** A failed attempt; $4 = true when it was the last one (the delivery has failed). */
export const ATTEMPT_FAILED_SQL = `UPDATE webhook_deliveries SET last_status = $2, last_error = $3,
    state = CASE WHEN $4 THEN 'failed' ELSE state END
  WHERE delivery_id = $1 AND state = 'pending'`;

/** A delivery that will not be attempted again (its endpoint is disabled). */
export const ABANDON_DELIVERY_SQL = `UPDATE webhook_deliveries SET state = 'failed', last_error = $2 WHERE delivery_id = $1 AND state = 'pending'`;

export const ENDPOINT_SUCCEEDED_SQL = `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL WHERE endpoint_id = $1 AND consecutive_failures <> 0`;

/** One more failed attempt in the streak; the streak's age (seconds since its first failure) comes back with it. */
export const ENDPOINT_FAILED_SQL = `UPDATE webhook_endpoints
  SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
  WHERE endpoint_id = $1
  RETURNING consecutive_failures, extract(epoch FROM now() - failing_since)::float8 AS failing_seconds`;

/** Pending deliveries older than $1 ms: their jobs are added again (a no-op when the job is still in Redis). */
export const STALE_PENDING_SQL = `SELECT delivery_id FROM webhook_deliveries
  WHERE state = 'pending' AND created_at < now() - make_interval(secs => $1 / 1000.0) ORDER BY created_at LIMIT 1000`;

/** What the webhooks module keeps of an organisation deleted with ?data=delete: its deliveries and endpoints. */
export const FORGET_ORG_SQL: readonly string[] = [`DELETE FROM webhook_deliveries WHERE org_id = $1`, `DELETE FROM webhook_endpoints WHERE org_id = $1`];

/** An organisation deleted with its data kept sends nothing more: its endpoints are disabled (and listed so). */
export const DISABLE_ORG_ENDPOINTS_SQL = `UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = 'organisation deleted'
  WHERE org_id = $1 AND enabled`;
