// The dashboard module's SQL, in one place: its own table (occupancy_corrections) and the history's bucket grid.
// Stores are read through the admin module's StoreDirectory, events through the ingest module's StoreTotalsReader.

/**
 * One row per closing (stores with opening hours): the people still counted inside ($6, max(0, in − out of the
 * range's entrance events)), closed out at `closed_at`. Upserted, so a closing of the last 48 h is corrected by
 * late events and several API processes may record the same closing; `recorded_at` says when the count last changed.
 */
export const RECORD_CORRECTIONS_SQL = `
  INSERT INTO occupancy_corrections (store_id, closed_at, date, opened_at, count, reason)
  SELECT $1, s.c, s.d::date, s.o, s.n, $5
  FROM unnest($2::timestamptz[], $3::timestamptz[], $4::text[], $6::int[]) AS s(o, c, d, n)
  ON CONFLICT (store_id, closed_at) DO UPDATE SET count = excluded.count, opened_at = excluded.opened_at, recorded_at = now()
    WHERE occupancy_corrections.count IS DISTINCT FROM excluded.count
  RETURNING closed_at`;

/** The closings of store $1 in ($2, $3], in time order. */
export const CORRECTIONS_SQL = `SELECT to_char(date, 'YYYY-MM-DD') AS date, opened_at, closed_at, count, reason, recorded_at FROM occupancy_corrections
  WHERE store_id = $1 AND closed_at > $2 AND closed_at <= $3 ORDER BY closed_at`;

/**
 * Every local bucket that overlaps [from, to), empty ones included (charts want a continuous axis): a
 * grid of instants mapped to local labels, so a DST gap makes no phantom hour and a DST repeat one label.
 */
export const BUCKETS_SQL = `
  SELECT DISTINCT to_char(date_trunc($3, g AT TIME ZONE $4), $5) AS bucket
  FROM (SELECT generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond', $6::interval) AS g
        UNION ALL SELECT $2::timestamptz - interval '1 microsecond') grid
  ORDER BY 1`;

/** What the dashboard keeps of a store deleted with ?data=delete: its closings. */
export const FORGET_STORE_SQL: readonly string[] = [`DELETE FROM occupancy_corrections WHERE store_id = $1`];
