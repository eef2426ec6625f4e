import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales beside footfall (issue #17): POS keys, the hourly sales of each store (what conversion is computed from),
 * the receipts some POS send instead (rolled into their hour on arrival), and the log of corrected hours.
 */
export class Sales1733100000000 implements MigrationInterface {
  name = 'Sales1733100000000';

  async up(q: QueryRunner): Promise<void> {
    // Write-only keys for point-of-sale systems: an organisation's (store_id null) or one store's.
    await q.query(`CREATE TABLE pos_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key_hash text NOT NULL UNIQUE,
      key_prefix text NOT NULL,
      org_id uuid NOT NULL REFERENCES organizations(id),
      store_id text REFERENCES stores(store_id),
      name text,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz)`);
    await q.query(`CREATE INDEX idx_pos_keys_org ON pos_keys (org_id)`);

    // Every change of an hour's numbers stamps it with the next value: reports over a range add the largest stamp
    // to the rollups' own to tell whether their data changed (analytics-reports.service.ts).
    await q.query(`CREATE SEQUENCE sales_version_seq`);
    // hour_start is the UTC instant a store-local hour begins, as in hourly_rollups, so the two join on it.
    await q.query(`CREATE TABLE sales_hours (
      store_id text NOT NULL REFERENCES stores(store_id),
      hour_start timestamptz NOT NULL,
      org_id uuid NOT NULL REFERENCES organizations(id),
      transactions integer NOT NULL CHECK (transactions >= 0),
      sales_amount numeric NOT NULL CHECK (sales_amount >= 0),
      units integer CHECK (units >= 0),
      currency char(3) NOT NULL,
      source text NOT NULL CHECK (source IN ('api','csv')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version bigint NOT NULL DEFAULT nextval('sales_version_seq'),
      PRIMARY KEY (store_id, hour_start))`);
    await q.query(`CREATE INDEX idx_sales_hours_org ON sales_hours (org_id, hour_start)`);

    await q.query(`CREATE TABLE sales_receipts (
      store_id text NOT NULL REFERENCES stores(store_id),
      receipt_id text NOT NULL,
      ts timestamptz NOT NULL,
      hour_start timestamptz NOT NULL,
      amount numeric NOT NULL CHECK (amount >= 0),
      units integer CHECK (units >= 0),
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (store_id, receipt_id))`);
    await q.query(`CREATE INDEX idx_sales_receipts_hour ON sales_receipts (store_id, hour_start)`);

    // An hour whose numbers changed: what it said before, what it says now, when and through which path.
    await q.query(`CREATE TABLE sales_corrections (
      id bigserial PRIMARY KEY,
      store_id text NOT NULL,
      hour_start timestamptz NOT NULL,
      old_transactions integer NOT NULL,
      old_sales_amount numeric NOT NULL,
      old_units integer,
      new_transactions integer NOT NULL,
      new_sales_amount numeric NOT NULL,
      new_units integer,
      source text NOT NULL,
      corrected_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX idx_sales_corrections_store ON sales_corrections (store_id, hour_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sales_corrections`);
    await q.query(`DROP TABLE IF EXISTS sales_receipts`);
    await q.query(`DROP TABLE IF EXISTS sales_hours`);
    await q.query(`DROP SEQUENCE IF EXISTS sales_version_seq`);
    await q.query(`DROP TABLE IF EXISTS pos_keys`);
  }
}
