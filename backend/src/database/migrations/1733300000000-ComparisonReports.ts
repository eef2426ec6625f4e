import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The multi-store comparison (issue #17) is a third kind of stored analytics report. */
export class ComparisonReports1733300000000 implements MigrationInterface {
  name = 'ComparisonReports1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE analytics_reports DROP CONSTRAINT analytics_reports_kind_check`);
    await q.query(`ALTER TABLE analytics_reports ADD CONSTRAINT analytics_reports_kind_check CHECK (kind IN ('spikes','promo','comparison'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM analytics_reports WHERE kind = 'comparison'`);
    await q.query(`ALTER TABLE analytics_reports DROP CONSTRAINT analytics_reports_kind_check`);
    await q.query(`ALTER TABLE analytics_reports ADD CONSTRAINT analytics_reports_kind_check CHECK (kind IN ('spikes','promo'))`);
  }
}
