import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (issue #15): the rules of each store (one row per store and alert type; a type without a row runs with
 * its defaults) and the alert episodes themselves, each firing once and resolving once.
 */
export class Alerts1732900000000 implements MigrationInterface {
  name = 'Alerts1732900000000';

  async up(q: QueryRunner): Promise<void> {
    // params holds only the settings the admin changed; defaults are filled in by the code (alert-rules.ts).
    await q.query(`CREATE TABLE alert_rules (
      org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      store_id text NOT NULL REFERENCES stores(store_id) ON DELETE CASCADE,
      type text NOT NULL,
      enabled boolean NOT NULL,
      params jsonb NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (store_id, type))`);
    // store_id is null for an organisation alert (a disabled webhook endpoint).
    await q.query(`CREATE TABLE alerts (
      alert_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      store_id text REFERENCES stores(store_id) ON DELETE CASCADE,
      type text NOT NULL,
      subject text NOT NULL DEFAULT '',
      state text NOT NULL DEFAULT 'firing' CHECK (state IN ('firing', 'resolved')),
      summary text NOT NULL,
      fired_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz,
      evidence jsonb NOT NULL DEFAULT '{}',
      resolve_evidence jsonb,
      CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)))`);
    // One open episode per condition, whichever process sees it first: fire is INSERT … ON CONFLICT DO NOTHING
    // against this index, so concurrent API processes and workers open it once and only the winner tells anyone.
    await q.query(`CREATE UNIQUE INDEX uq_alerts_firing ON alerts (org_id, (coalesce(store_id, '')), type, subject) WHERE state = 'firing'`);
    await q.query(`CREATE INDEX idx_alerts_org_fired ON alerts (org_id, fired_at DESC)`);
    await q.query(`CREATE INDEX idx_alerts_store_fired ON alerts (store_id, fired_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS alerts`);
    await q.query(`DROP TABLE IF EXISTS alert_rules`);
  }
}
