// The sales module's SQL: its own tables (sales_hours, sales_receipts, sales_corrections). Other modules read
// sales through SalesService.

/** Serialises the sales writes of store $2 (namespace $1) until the transaction ends: corrections log the true old value. */
export const SALES_LOCK_SQL = `SELECT pg_advisory_xact_lock($1::int, hashtext($2))`;

/** The currency store $1 reports in (null before its first sales). */
export const STORE_CURRENCY_SQL = `SELECT currency FROM sales_hours WHERE store_id = $1 LIMIT 1`;

/**
 * Upserts hours of store $1 (org $2): a new hour is inserted; a re-sent hour with the same numbers changes nothing
 * (not even its version); a changed hour is replaced and its old and new numbers logged in sales_corrections.
 * Every CTE sees the table as it was before the statement, so `before` holds the old numbers.
 */
export const WRITE_HOURS_SQL = `
WITH incoming AS (
  SELECT * FROM unnest($3::timestamptz[], $4::int[], $5::numeric[], $6::int[]) AS i(hour_start, transactions, sales_amount, units)
), before AS (
  SELECT s.hour_start, s.transactions, s.sales_amount, s.units FROM sales_hours s JOIN incoming i ON i.hour_start = s.hour_start WHERE s.store_id = $1
), written AS (
  INSERT INTO sales_hours (store_id, hour_start, org_id, transactions, sales_amount, units, currency, source)
  SELECT $1, hour_start, $2, transactions, sales_amount, units, $7, $8 FROM incoming
  ON CONFLICT (store_id, hour_start) DO UPDATE
    SET transactions = EXCLUDED.transactions, sales_amount = EXCLUDED.sales_amount, units = EXCLUDED.units,
        source = EXCLUDED.source, updated_at = now(), version = nextval('sales_version_seq')
    WHERE (sales_hours.transactions, sales_hours.sales_amount, sales_hours.units)
          IS DISTINCT FROM (EXCLUDED.transactions, EXCLUDED.sales_amount, EXCLUDED.units)
  RETURNING hour_start, transactions, sales_amount, units
), logged AS (
  INSERT INTO sales_corrections (store_id, hour_start, old_transactions, old_sales_amount, old_units, new_transactions, new_sales_amount, new_units, source)
  SELECT $1, w.hour_start, b.transactions, b.sales_amount, b.units, w.transactions, w.sales_amount, w.units, $8
  FROM written w JOIN before b ON b.hour_start = w.hour_start
  RETURNING 1
)
SELECT (SELECT count(*) FROM written)::int AS written, (SELECT count(*) FROM logged)::int AS corrected`;

/** The hours that receipts $2 of store $1 were in before this request (a corrected receipt may move hours). */
export const RECEIPT_HOURS_SQL = `SELECT DISTINCT hour_start FROM sales_receipts WHERE store_id = $1 AND receipt_id = ANY($2::text[])`;

/** Upserts receipts of store $1; a re-sent receipt is rewritten only when it changed. */
export const WRITE_RECEIPTS_SQL = `INSERT INTO sales_receipts (store_id, receipt_id, ts, hour_start, amount, units)
  SELECT $1, * FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::numeric[], $6::int[])
  ON CONFLICT (store_id, receipt_id) DO UPDATE
    SET ts = EXCLUDED.ts, hour_start = EXCLUDED.hour_start, amount = EXCLUDED.amount, units = EXCLUDED.units, received_at = now()
    WHERE (sales_receipts.ts, sales_receipts.amount, sales_receipts.units) IS DISTINCT FROM (EXCLUDED.ts, EXCLUDED.amount, EXCLUDED.units)`;

/** The totals of hours $2 of store $1 from its receipts (an hour left without receipts: zero). */
export const RECEIPT_TOTALS_SQL = `SELECT h AS hour_start, count(r.receipt_id)::int AS transactions, coalesce(sum(r.amount), 0)::text AS sales_amount,
    sum(r.units)::int AS units
  FROM unnest($2::timestamptz[]) AS h LEFT JOIN sales_receipts r ON r.store_id = $1 AND r.hour_start = h
  GROUP BY h ORDER BY h`;

/** Sales of stores $1 per hour over [$2, $3). */
export const SALES_BY_HOUR_SQL = `SELECT store_id, hour_start, transactions, sales_amount::float8 AS sales_amount, units, currency
  FROM sales_hours WHERE store_id = ANY($1::text[]) AND hour_start >= $2 AND hour_start < $3 ORDER BY store_id, hour_start`;

/** Sales per store and local hour of each store $1[i] over [$2[i], $3[i]) (as SALES_BY_HOUR_SQL, for many spans). */
export const SALES_BY_STORE_SPANS_SQL = `SELECT h.store_id, h.hour_start, h.transactions, h.sales_amount::float8 AS sales_amount, h.units, h.currency
  FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS s(store_id, f, t)
  JOIN sales_hours h ON h.store_id = s.store_id AND h.hour_start >= s.f AND h.hour_start < s.t`;

/** Sales per store ($1) and local date in [$2, $3], with the bitmask of the hours sent (sales_days). */
export const SALES_BY_DAY_SQL = `SELECT store_id, local_date::text AS date, transactions, sales_amount::float8 AS sales_amount, currency, hours, hours_mask AS mask
  FROM sales_days WHERE store_id = ANY($1::text[]) AND local_date >= $2::date AND local_date <= $3::date`;

/**
 * Recomputes sales_days of store $1 (time zone $2) for the local dates of hours $3 from its sales hours: totals, hours
 * sent, their bitmask (bit (epoch hour) mod 32: a local day never spans more than 25 hours) and the largest version.
 * Run after WRITE_HOURS_SQL in the same transaction; hours are never deleted, so every such date has a row.
 */
export const REFRESH_SALES_DAYS_SQL = `WITH d AS (SELECT DISTINCT (h AT TIME ZONE $2)::date AS local_date FROM unnest($3::timestamptz[]) AS h)
  INSERT INTO sales_days (store_id, local_date, transactions, sales_amount, currency, hours, hours_mask, version)
  SELECT $1, d.local_date, sum(s.transactions), sum(s.sales_amount), min(s.currency), count(*),
    bit_or(1 << ((extract(epoch FROM s.hour_start)::bigint / 3600) % 32)::int), max(s.version)
  FROM d JOIN sales_hours s ON s.store_id = $1 AND s.hour_start >= (d.local_date::timestamp AT TIME ZONE $2)
    AND s.hour_start < ((d.local_date + 1)::timestamp AT TIME ZONE $2)
  GROUP BY d.local_date
  ON CONFLICT (store_id, local_date) DO UPDATE SET transactions = EXCLUDED.transactions, sales_amount = EXCLUDED.sales_amount,
    currency = EXCLUDED.currency, hours = EXCLUDED.hours, hours_mask = EXCLUDED.hours_mask, version = EXCLUDED.version`;

/** The corrections of store $1, newest first, at most $2. */
export const CORRECTIONS_SQL = `SELECT hour_start, old_transactions, old_sales_amount::float8 AS old_sales_amount, old_units,
    new_transactions, new_sales_amount::float8 AS new_sales_amount, new_units, source, corrected_at
  FROM sales_corrections WHERE store_id = $1 ORDER BY id DESC LIMIT $2`;

/**
 * Largest sales version of stores $1 over [$2, $3): grows whenever any hour in the range changes. From the day
 * summaries (local dates within a day of the range): it may also grow for a change just outside the range.
 */
export const SALES_VERSION_SQL = `SELECT coalesce(max(version), 0)::text AS v FROM sales_days
  WHERE store_id = ANY($1::text[]) AND local_date >= ($2::timestamptz - interval '1 day')::date AND local_date <= ($3::timestamptz + interval '1 day')::date`;

/** What the sales module keeps of a store deleted with ?data=delete: its hours, receipts and corrections. */
export const FORGET_STORE_SQL: readonly string[] = [
  `DELETE FROM sales_corrections WHERE store_id = $1`,
  `DELETE FROM sales_receipts WHERE store_id = $1`,
  `DELETE FROM sales_hours WHERE store_id = $1`,
  `DELETE FROM sales_days WHERE store_id = $1`,
];
