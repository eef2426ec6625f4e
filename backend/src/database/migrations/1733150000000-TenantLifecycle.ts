import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lifecycle of the tenant tree (issue #19): organisations, stores and cameras can be disabled (their keys are
 * refused, their history stays readable); organisations and stores can be deleted, their data removed or kept
 * (`deleted_at` marks a store or organisation deleted with its data kept). Cameras are deleted outright.
 */
export class TenantLifecycle1733150000000 implements MigrationInterface {
  name = 'TenantLifecycle1733150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN disabled_at timestamptz, ADD COLUMN deleted_at timestamptz`);
    await q.query(`ALTER TABLE stores ADD COLUMN disabled_at timestamptz, ADD COLUMN deleted_at timestamptz`);
    await q.query(`ALTER TABLE cameras ADD COLUMN disabled_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cameras DROP COLUMN IF EXISTS disabled_at`);
    await q.query(`ALTER TABLE stores DROP COLUMN IF EXISTS disabled_at, DROP COLUMN IF EXISTS deleted_at`);
    await q.query(`ALTER TABLE organizations DROP COLUMN IF EXISTS disabled_at, DROP COLUMN IF EXISTS deleted_at`);
  }
}
