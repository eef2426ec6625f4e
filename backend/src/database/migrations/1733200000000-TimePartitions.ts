import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event and heartbeat tables partitioned by month (issue #19): retention drops a whole month instead of deleting
 * rows, and a query bounded in time reads only its months. Each table is rebuilt as a partitioned table and its
 * rows copied over (a populated database copies every row once: ~1 min per 5 M events here).
 *
 * PostgreSQL requires every unique index of a partitioned table to include the partition key, so the idempotency
 * key of the events becomes (store_id, camera_id, event_id, ts): the edge re-sends an event unchanged (same id,
 * same ts), which still collides and is dropped; an id re-used with another ts would now be kept twice.
 * Heartbeats are partitioned on received_at, the server's clock (what completeness reads), so they are never late.
 *
 * A DEFAULT partition per table takes whatever has no month partition yet (a late event from before the oldest
 * month, a far-future clock), so nothing is ever refused; TimePartitions (backend/src/retention) creates the
 * months ahead and moves rows out of the default when it creates their month. The tables are frozen here as they
 * were at this migration; the registry of partitioned tables for the running app is ingest/partitioned-tables.ts.
 */
const TABLES: readonly { table: string; column: string; unique: string | null; indexes: readonly (readonly [string, string])[] }[] = [
  ...['entrance_events', 'zone_events', 'shelf_interactions', 'queue_events'].map((table) => ({
    table,
    column: 'ts',
    unique: `uq_${table}_event`,
    indexes: [[`idx_${table}_store_ts`, '(store_id, ts)']] as const,
  })),
  { table: 'camera_heartbeats', column: 'received_at', unique: null, indexes: [['idx_camera_heartbeats_latest', '(store_id, camera_id, received_at DESC)']] },
];
/** Months created ahead of now by the migration (the scheduled job keeps that many from then on). */
const AHEAD = 3;

const monthName = (table: string, d: Date) => `${table}_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

export class TimePartitions1733200000000 implements MigrationInterface {
  name = 'TimePartitions1733200000000';

  async up(q: QueryRunner): Promise<void> {
    for (const { table, column, unique, indexes } of TABLES) {
      const old = `${table}_unpartitioned`;
      await q.query(`ALTER TABLE ${table} RENAME TO ${old}`);
      await q.query(`ALTER TABLE ${old} RENAME CONSTRAINT ${table}_pkey TO ${old}_pkey`);
      if (unique) await q.query(`DROP INDEX ${unique}`);
      for (const [name] of indexes) await q.query(`DROP INDEX ${name}`);
      // The id sequence survives the old table and numbers the new one on.
      await q.query(`ALTER SEQUENCE ${table}_id_seq OWNED BY NONE`);
      await q.query(`CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id, ${column})) PARTITION BY RANGE (${column})`);
      if (unique) await q.query(`CREATE UNIQUE INDEX ${unique} ON ${table} (store_id, camera_id, event_id, ts)`);
      for (const [name, cols] of indexes) await q.query(`CREATE INDEX ${name} ON ${table} ${cols}`);
      await q.query(`CREATE TABLE ${table}_default PARTITION OF ${table} DEFAULT`);
      // A partition for every month that holds rows, and for this month and the next AHEAD.
      const held = (await q.query(`SELECT DISTINCT to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM') AS m FROM ${old}`)) as { m: string }[];
      const months = new Map<string, Date>();
      const now = new Date();
      for (let i = 0; i <= AHEAD; i++) {
        const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
        months.set(monthName(table, d), d);
      }
      for (const { m } of held) {
        const d = new Date(`${m}-01T00:00:00Z`);
        months.set(monthName(table, d), d);
      }
      for (const [name, d] of months) {
        const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
        await q.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${d.toISOString()}') TO ('${to.toISOString()}')`);
      }
      await q.query(`INSERT INTO ${table} SELECT * FROM ${old}`);
      await q.query(`DROP TABLE ${old}`);
      await q.query(`ALTER SEQUENCE ${table}_id_seq OWNED BY ${table}.id`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, unique, indexes } of TABLES) {
      const part = `${table}_partitioned`;
      await q.query(`ALTER TABLE ${table} RENAME TO ${part}`);
      if (unique) await q.query(`DROP INDEX ${unique}`);
      for (const [name] of indexes) await q.query(`DROP INDEX ${name}`);
      await q.query(`ALTER SEQUENCE ${table}_id_seq OWNED BY NONE`);
      await q.query(`CREATE TABLE ${table} (LIKE ${part} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id))`);
      await q.query(`INSERT INTO ${table} SELECT * FROM ${part}`);
      await q.query(`DROP TABLE ${part}`);
      if (unique) await q.query(`CREATE UNIQUE INDEX ${unique} ON ${table} (store_id, camera_id, event_id)`);
      for (const [name, cols] of indexes) await q.query(`CREATE INDEX ${name} ON ${table} ${cols}`);
      await q.query(`ALTER SEQUENCE ${table}_id_seq OWNED BY ${table}.id`);
    }
  }
}
