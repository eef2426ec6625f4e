import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per store and local date, what reports over many stores read instead of every hour (issue #17's comparison of
 * 100 stores × 90 days): the entrance footfall and the largest version of the day's rollups (analytics), and the
 * day's sales with the largest version of its sales hours (sales). `hours_mask` has bit ((epoch hour) mod 32) set
 * for each hour with footfall (or with a sales row): a local day is at most 25 consecutive hours, so the bits of
 * one day never collide, and the two masks tell whether a day's sales pair with its footfall hour for hour.
 * Written beside the hourly rows, in their transaction; backfilled here.
 */
export class DaySummaries1733400000000 implements MigrationInterface {
  name = 'DaySummaries1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE rollup_days (
      store_id text NOT NULL,
      local_date date NOT NULL,
      footfall integer,
      hours_mask integer NOT NULL,
      version bigint NOT NULL,
      PRIMARY KEY (store_id, local_date))`);
    await q.query(`INSERT INTO rollup_days (store_id, local_date, footfall, hours_mask, version)
      SELECT store_id, local_date, sum(event_count) FILTER (WHERE kind = 'entrance' AND subject_id = '')::int,
        coalesce(bit_or(1 << ((extract(epoch FROM hour_start)::bigint / 3600) % 32)::int) FILTER (WHERE kind = 'entrance' AND subject_id = '' AND event_count > 0), 0),
        max(version)
      FROM hourly_rollups GROUP BY store_id, local_date`);
    await q.query(`CREATE TABLE sales_days (
      store_id text NOT NULL,
      local_date date NOT NULL,
      transactions integer NOT NULL,
      sales_amount numeric NOT NULL,
      currency char(3) NOT NULL,
      hours integer NOT NULL,
      hours_mask integer NOT NULL,
      version bigint NOT NULL,
      PRIMARY KEY (store_id, local_date))`);
    await q.query(`INSERT INTO sales_days (store_id, local_date, transactions, sales_amount, currency, hours, hours_mask, version)
      SELECT h.store_id, (h.hour_start AT TIME ZONE s.timezone)::date, sum(h.transactions), sum(h.sales_amount), min(h.currency), count(*),
        bit_or(1 << ((extract(epoch FROM h.hour_start)::bigint / 3600) % 32)::int), max(h.version)
      FROM sales_hours h JOIN stores s ON s.store_id = h.store_id GROUP BY 1, 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sales_days`);
    await q.query(`DROP TABLE IF EXISTS rollup_days`);
  }
}
