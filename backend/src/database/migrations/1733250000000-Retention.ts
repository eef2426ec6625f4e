import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (issue #19): each organisation's settings (absent: the defaults of retention/retention-policy.ts), and
 * the heartbeats' compacted days, kept after the heartbeats themselves are dropped so completeness still answers.
 */
export class Retention1733250000000 implements MigrationInterface {
  name = 'Retention1733250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE retention_settings (
      org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
      raw_event_months integer NOT NULL CHECK (raw_event_months BETWEEN 1 AND 120),
      heartbeat_days integer NOT NULL CHECK (heartbeat_days BETWEEN 2 AND 3650),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    // One row per camera and UTC day that had heartbeats: the ms vouched for in each quarter hour (96 slots), and
    // the day's first heartbeat (before a camera's first ever, completeness is unknown, not 0).
    await q.query(`CREATE TABLE camera_coverage_days (
      store_id text NOT NULL,
      camera_id text NOT NULL,
      day date NOT NULL,
      first_at timestamptz NOT NULL,
      covered_ms integer[] NOT NULL CHECK (cardinality(covered_ms) = 96),
      PRIMARY KEY (store_id, camera_id, day))`);
    // Per store: every UTC day before compacted_until is read from camera_coverage_days, never from heartbeats.
    await q.query(`CREATE TABLE heartbeat_compaction (
      store_id text PRIMARY KEY,
      compacted_until timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS heartbeat_compaction`);
    await q.query(`DROP TABLE IF EXISTS camera_coverage_days`);
    await q.query(`DROP TABLE IF EXISTS retention_settings`);
  }
}
