import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Occupancy done properly (issue #13): stores get opening hours (store-local, per weekday) and a capacity;
 * the people still counted inside at each closing time are closed out, one row per store and closing.
 */
export class StoreOpeningHours1732800000000 implements MigrationInterface {
  name = 'StoreOpeningHours1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stores ADD COLUMN opening_hours jsonb, ADD COLUMN capacity integer CHECK (capacity > 0)`);
    // date is the store-local date of the closing; count = max(0, in − out) from that opening to that closing.
    await q.query(`CREATE TABLE occupancy_corrections (
      store_id text NOT NULL REFERENCES stores(store_id) ON DELETE CASCADE,
      closed_at timestamptz NOT NULL,
      date date NOT NULL,
      opened_at timestamptz NOT NULL,
      count integer NOT NULL CHECK (count >= 0),
      reason text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (store_id, closed_at))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS occupancy_corrections`);
    await q.query(`ALTER TABLE stores DROP COLUMN IF EXISTS opening_hours, DROP COLUMN IF EXISTS capacity`);
  }
}
