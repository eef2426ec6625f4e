import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-organisation read keys for the dashboard and analytics APIs (issue #3). */
export class ViewerApiKeys1732500000000 implements MigrationInterface {
  name = 'ViewerApiKeys1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE viewer_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key_hash text NOT NULL UNIQUE,
      key_prefix text NOT NULL,
      org_id uuid NOT NULL REFERENCES organizations(id),
      role text NOT NULL CHECK (role IN ('viewer')),
      name text,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz)`);
    await q.query(`CREATE INDEX idx_viewer_keys_org ON viewer_keys (org_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS viewer_keys`);
  }
}
