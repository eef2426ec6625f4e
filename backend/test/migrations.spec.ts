import { readdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { databaseOptions, MIGRATIONS } from '../src/database/database-options.ts';
import { migrate } from '../src/database/database-bootstrap.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../src/database/throwaway-database.ts';
import { EVENT_KINDS, KINDS } from '../src/ingest/event-kinds.ts';

describe('migrations (real PostgreSQL)', () => {
  let db: ThrowawayDatabase;
  beforeAll(async () => {
    db = await createThrowawayDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('are every <timestamp>-<Name>.ts file of the migrations folder, oldest first (found, not listed)', () => {
    const files = readdirSync(new URL('../src/database/migrations/', import.meta.url)).filter((f) => /^\d{13}-/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(MIGRATIONS.map((m) => new m().name)).toEqual(files.sort().map((f) => f.replace(/^(\d{13})-(.+)\.ts$/, '$2$1')));
  });

  it('build the whole schema from an empty database, and a second run applies nothing', async () => {
    expect(await migrate(db.url)).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(await migrate(db.url)).toEqual([]);
    const ds = new DataSource(databaseOptions(db.url));
    await ds.initialize();
    try {
      const tables = (await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map(
        (r: { table_name: string }) => r.table_name,
      );
      expect(tables).toEqual(
        expect.arrayContaining([
          'organizations',
          'stores',
          'cameras',
          'edge_keys',
          'entrance_events',
          'zone_events',
          'shelf_interactions',
          'queue_events',
          'camera_heartbeats',
          ...KINDS.map((k) => EVENT_KINDS[k].table),
        ]),
      );
      const tsTypes = await ds.query(`SELECT data_type FROM information_schema.columns WHERE table_name = 'entrance_events' AND column_name = 'ts'`);
      expect(tsTypes[0].data_type).toBe('timestamp with time zone');
      const uniques = await ds.query(`SELECT indexname FROM pg_indexes WHERE indexname LIKE 'uq_%_event' ORDER BY 1`);
      // One per event kind's table (event-kinds.ts): idempotent ingest.
      expect(uniques.map((u: { indexname: string }) => u.indexname)).toEqual(KINDS.map((k) => `uq_${EVENT_KINDS[k].table}_event`).sort());
    } finally {
      await ds.destroy();
    }
  });
});
