import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Hourly rollups of the raw events and the stored analytics reports (issue #4). */
export class AnalyticsRollups1732600000000 implements MigrationInterface {
  name = 'AnalyticsRollups1732600000000';

  async up(q: QueryRunner): Promise<void> {
    // Every write that changes a rollup row stamps it with the next value: the largest stamp over a report's
    // data range says whether the data changed since the report was computed.
    await q.query(`CREATE SEQUENCE hourly_rollup_version_seq`);
    // One row per store-local hour and subject. hour_start is the UTC instant the local hour begins, which is
    // unambiguous across DST and in :30/:45 zones; the local columns are what reports group by.
    await q.query(`CREATE TABLE hourly_rollups (
      store_id text NOT NULL,
      hour_start timestamptz NOT NULL,
      kind text NOT NULL CHECK (kind IN ('entrance','zone','shelf','queue')),
      subject_id text NOT NULL,
      local_date date NOT NULL,
      local_hour smallint NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
      iso_dow smallint NOT NULL CHECK (iso_dow BETWEEN 1 AND 7),
      event_count integer NOT NULL CHECK (event_count >= 0),
      exit_count integer NOT NULL CHECK (exit_count >= 0),
      seconds_sum double precision NOT NULL CHECK (seconds_sum >= 0),
      version bigint NOT NULL,
      PRIMARY KEY (store_id, hour_start, kind, subject_id))`);
    await q.query(`CREATE INDEX idx_hourly_rollups_subject ON hourly_rollups (store_id, kind, subject_id, hour_start)`);

    // json, not jsonb: reports are only stored and served, never queried into, and json keeps the order the
    // builders wrote (summary before the long series) for whoever reads the raw response.
    await q.query(`CREATE TABLE analytics_reports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('spikes','promo')),
      params json NOT NULL,
      params_hash text NOT NULL,
      store_ids text[] NOT NULL,
      data_from timestamptz NOT NULL,
      data_to timestamptz NOT NULL,
      requested_version bigint NOT NULL,
      data_version bigint,
      status text NOT NULL CHECK (status IN ('pending','running','ready','failed')),
      runs integer NOT NULL DEFAULT 0,
      result json,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      completed_at timestamptz,
      UNIQUE (params_hash, requested_version))`);
    await q.query(`CREATE INDEX idx_analytics_reports_ready ON analytics_reports (params_hash, data_version DESC) WHERE status = 'ready'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS analytics_reports`);
    await q.query(`DROP TABLE IF EXISTS hourly_rollups`);
    await q.query(`DROP SEQUENCE IF EXISTS hourly_rollup_version_seq`);
  }
}
