import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hours whose raw events changed since their rollup (issue #12): the durable half of the rollup trigger. A
 * rollup job lives only in Redis; this row lives in PostgreSQL until a rollup that read the hour's events
 * after the row was marked clears it, so a Redis flush or restart can lose the job but never the hour.
 */
export class RollupDirtyHours1732700000000 implements MigrationInterface {
  name = 'RollupDirtyHours1732700000000';

  async up(q: QueryRunner): Promise<void> {
    // hour_start is a UTC hour (the trigger's unit); marked_at is refreshed by every batch that touches the
    // hour, and a rollup clears the row only if it started after marked_at.
    await q.query(`CREATE TABLE rollup_dirty_hours (
      store_id text NOT NULL,
      hour_start timestamptz NOT NULL,
      marked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (store_id, hour_start))`);
    await q.query(`CREATE INDEX idx_rollup_dirty_hours_marked ON rollup_dirty_hours (marked_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rollup_dirty_hours`);
  }
}
