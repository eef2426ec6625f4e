// The analytics module's SQL, in one place: its own tables (hourly_rollups, rollup_dirty_hours, analytics_reports)
// and its advisory locks. The event tables are the ingest module's: analytics reads them through StoreEventsReader.

/** The newest ready report of these parameters ($1 hash) at least as new as the data ($2 version). */
export const READY_REPORT_SQL = `SELECT * FROM analytics_reports WHERE params_hash = $1 AND status = 'ready' AND data_version >= $2 ORDER BY data_version DESC, created_at DESC LIMIT 1`;

/** Requests a report (pending), or finds the one already requested for this data version; a failed one is requested again. Answers the row and its previous status. */
export const REQUEST_REPORT_SQL = `WITH previous AS (SELECT status FROM analytics_reports WHERE params_hash = $3 AND requested_version = $7)
  INSERT INTO analytics_reports (kind, params, params_hash, store_ids, data_from, data_to, requested_version, status)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
  ON CONFLICT (params_hash, requested_version) DO UPDATE
    SET status = CASE WHEN analytics_reports.status = 'failed' THEN 'pending' ELSE analytics_reports.status END,
        error = CASE WHEN analytics_reports.status = 'failed' THEN NULL ELSE analytics_reports.error END
  RETURNING *, (SELECT status FROM previous) AS previous_status`;

/** One report by id. */
export const REPORT_BY_ID_SQL = `SELECT * FROM analytics_reports WHERE id = $1`;

/** A worker starts on a report. */
export const REPORT_RUNNING_SQL = `UPDATE analytics_reports SET status = 'running', started_at = now(), runs = runs + 1 WHERE id = $1 AND status <> 'ready'`;

/** A report failed ($2 the error). */
export const REPORT_FAILED_SQL = `UPDATE analytics_reports SET status = 'failed', error = $2 WHERE id = $1 AND status <> 'ready'`;

/** (Re)marks hours ($2) of store $1 for rollup, refreshing marked_at. */
export const MARK_DIRTY_SQL = `INSERT INTO rollup_dirty_hours (store_id, hour_start, marked_at)
  SELECT $1, h, clock_timestamp() FROM unnest($2::timestamptz[]) AS h
  ON CONFLICT (store_id, hour_start) DO UPDATE SET marked_at = EXCLUDED.marked_at`;

/** PostgreSQL's clock (not the transaction start). */
export const DB_CLOCK_SQL = `SELECT clock_timestamp() AS now`;

/** Clears the marks of [$2, $3) made at or before $4. */
export const CLEAR_DIRTY_SQL = `DELETE FROM rollup_dirty_hours WHERE store_id = $1 AND hour_start >= $2 AND hour_start < $3 AND marked_at <= $4`;

/** Marked hours, those older than $1 ms, and the oldest mark's age in seconds. */
export const DIRTY_BACKLOG_SQL = `SELECT count(*)::int AS hours,
         count(*) FILTER (WHERE marked_at < clock_timestamp() - $1 * interval '1 millisecond')::int AS stale,
         coalesce(extract(epoch FROM clock_timestamp() - min(marked_at)), 0)::float8 AS oldest
  FROM rollup_dirty_hours`;

/** The healer's session lock (one healing pass at a time across processes). */
export const TRY_HEAL_LOCK_SQL = `SELECT pg_try_advisory_lock($1::int, $2::int) AS locked`;

/** Releases the healer's session lock. */
export const HEAL_UNLOCK_SQL = `SELECT pg_advisory_unlock($1::int, $2::int)`;

/** The oldest marks (at most $3), each stale when older than $2 ms before $1. */
export const DIRTY_MARKS_SQL = `SELECT store_id, hour_start, marked_at < $1::timestamptz - $2 * interval '1 millisecond' AS stale
  FROM rollup_dirty_hours ORDER BY marked_at LIMIT $3`;

/** Rolled-up events per store and hour over [$2, $3) (compared with the raw counts). */
export const ROLLED_EVENTS_SQL = `SELECT store_id, hour_start, sum(event_count + exit_count)::int AS events FROM hourly_rollups
  WHERE store_id = ANY($1) AND hour_start >= $2 AND hour_start < $3 GROUP BY 1, 2`;

/** A report is ready ($2 result, $3 data version). clock_timestamp(): now() would be the transaction's start. */
export const REPORT_READY_SQL = `UPDATE analytics_reports SET status = 'ready', result = $2, data_version = $3, error = NULL, completed_at = clock_timestamp() WHERE id = $1`;

/** Serialises the rollups of store $2 (namespace $1) until the transaction ends. */
export const ROLLUP_LOCK_SQL = `SELECT pg_advisory_xact_lock($1::int, hashtext($2))`;

/**
 * Largest rollup row version of stores $1 over [$2, $3), from the day summaries: local dates within a day of the
 * range, so it may also grow for a change just outside it (a report is then recomputed needlessly, never served stale).
 */
export const DATA_VERSION_SQL = `SELECT coalesce(max(version), 0)::text AS v FROM rollup_days
  WHERE store_id = ANY($1) AND local_date >= ($2::timestamptz - interval '1 day')::date AND local_date <= ($3::timestamptz + interval '1 day')::date`;

/** Footfall (the entrance row's in-count) per local hour of store $1 over [$2, $3). */
export const FOOTFALL_BY_HOUR_SQL = `SELECT hour_start, event_count FROM hourly_rollups
  WHERE store_id = $1 AND kind = 'entrance' AND subject_id = '' AND hour_start >= $2 AND hour_start < $3`;

/** Footfall (the entrance row's in-count) per store and local hour, of each store $1[i] over [$2[i], $3[i]). */
export const FOOTFALL_BY_STORE_HOUR_SQL = `SELECT h.store_id, h.hour_start, h.event_count
  FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS s(store_id, f, t)
  JOIN hourly_rollups h ON h.store_id = s.store_id AND h.kind = 'entrance' AND h.subject_id = '' AND h.hour_start >= s.f AND h.hour_start < s.t`;

/** Per store ($1) and local date within [$2, $3]: the day's footfall (null: no entrance row) and hour bitmask (rollup_days). */
export const FOOTFALL_BY_STORE_DAY_SQL = `SELECT store_id, local_date::text AS date, footfall, hours_mask AS mask
  FROM rollup_days WHERE store_id = ANY($1::text[]) AND local_date >= $2::date AND local_date <= $3::date AND footfall IS NOT NULL`;

/**
 * Recomputes rollup_days of store $1 (time zone $2) for the local dates touching [$3, $4) from its hourly rows: the
 * entrance footfall, the bitmask of its hours with footfall (bit (epoch hour) mod 32) and the largest version of any
 * row of the day. Run after REPLACE_ROLLUPS_SQL in the same transaction.
 */
export const REFRESH_ROLLUP_DAYS_SQL = `INSERT INTO rollup_days (store_id, local_date, footfall, hours_mask, version)
  SELECT $1, local_date, sum(event_count) FILTER (WHERE kind = 'entrance' AND subject_id = '')::int,
    coalesce(bit_or(1 << ((extract(epoch FROM hour_start)::bigint / 3600) % 32)::int) FILTER (WHERE kind = 'entrance' AND subject_id = '' AND event_count > 0), 0),
    max(version)
  FROM hourly_rollups
  WHERE store_id = $1 AND hour_start >= $3::timestamptz - interval '1 day' AND hour_start < $4::timestamptz + interval '1 day'
    AND local_date BETWEEN ($3::timestamptz AT TIME ZONE $2)::date AND (($4::timestamptz - interval '1 millisecond') AT TIME ZONE $2)::date
  GROUP BY local_date
  ON CONFLICT (store_id, local_date) DO UPDATE SET footfall = EXCLUDED.footfall, hours_mask = EXCLUDED.hours_mask, version = EXCLUDED.version
    WHERE (rollup_days.footfall, rollup_days.hours_mask, rollup_days.version) IS DISTINCT FROM (EXCLUDED.footfall, EXCLUDED.hours_mask, EXCLUDED.version)`;

/** Local dates with any rollup row, store $1, [$2, $3). */
export const OBSERVED_DATES_SQL = `SELECT DISTINCT local_date::text AS d FROM hourly_rollups WHERE store_id = $1 AND hour_start >= $2 AND hour_start < $3`;

/** Per local date and subject, the day's sums of store $1 over [$2, $3). */
export const DAILY_TOTALS_SQL = `SELECT local_date::text AS date, kind, subject_id, sum(event_count)::int AS n, sum(exit_count)::int AS x, sum(seconds_sum)::float8 AS s
  FROM hourly_rollups WHERE store_id = $1 AND hour_start >= $2 AND hour_start < $3
  GROUP BY local_date, kind, subject_id`;

/** Whether store $1 ever recorded subject $3 of kind $2. */
export const KNOWS_SUBJECT_SQL = `SELECT 1 FROM hourly_rollups WHERE store_id = $1 AND kind = $2 AND subject_id = $3 LIMIT 1`;

/**
 * Upserts the fresh aggregate of a range and zeroes rows the aggregate no longer has, in one statement. A row
 * only gets a new version when its numbers change, so re-running a range leaves the table — versions
 * included — exactly as it was, and reports over it stay valid.
 */
export const REPLACE_ROLLUPS_SQL = `
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

/** What analytics keeps of a store deleted with ?data=delete: its rollups, their dirty marks, and every report that read it. */
export const FORGET_STORE_SQL: readonly string[] = [
  `DELETE FROM hourly_rollups WHERE store_id = $1`,
  `DELETE FROM rollup_days WHERE store_id = $1`,
  `DELETE FROM rollup_dirty_hours WHERE store_id = $1`,
  `DELETE FROM analytics_reports WHERE $1 = ANY(store_ids)`,
];
