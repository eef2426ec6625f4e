// Month partitions of the event and heartbeat tables (issue #19) on real PostgreSQL: the migration from today's
// tables on a populated database, partitions created ahead, late and far-off events, dropping expired months.
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { databaseOptions, MIGRATIONS } from '../../src/database/database-options.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../src/database/throwaway-database.ts';
import { BATCH_INSERT_SQL, batchInsertParams, emptyByKind, EVENT_KINDS, KINDS, type EventsByKind } from '../../src/ingest/event-kinds.ts';
import { HEARTBEAT_TABLE, PARTITIONED_TABLES } from '../../src/ingest/partitioned-tables.ts';
import { monthOf, monthOfKey, type Month } from '../../src/retention/partition-planner.ts';
import { RetentionWorkers } from '../../src/retention/retention-workers.service.ts';
import { RETENTION_JOB, RETENTION_QUEUE } from '../../src/retention/retention.queues.ts';
import { type CreatedPartition, TimePartitions } from '../../src/retention/time-partitions.service.ts';
import { startTestApp, type TestApp } from '../test-app.ts';

const ORG = '00000000-0000-4000-8000-000000000019';
const SCOPE = { orgId: ORG, storeId: 'part_store', cameraId: 'cam1' };
const month = (key: string) => monthOfKey(key) as Month;

/** A batch with one event of every kind per instant, ids `<prefix>-<kind>-<i>`. */
function batch(prefix: string, instants: string[]): EventsByKind<{ event_id: string }> {
  const byKind = emptyByKind<{ event_id: string }>();
  instants.forEach((ts, i) => {
    const base = { ts, person_key: `p${i}`, event_id: '' };
    byKind.entrance.push({ ...base, type: 'entrance', direction: 'in', event_id: `${prefix}-entrance-${i}` });
    byKind.zone.push({ ...base, type: 'zone', zone_id: 'z1', enter_ts: ts, exit_ts: ts, dwell_seconds: 3, event_id: `${prefix}-zone-${i}` });
    byKind.shelf.push({ ...base, type: 'shelf', shelf_id: 's1', dwell_seconds: 2, event_id: `${prefix}-shelf-${i}` });
    byKind.queue.push({ ...base, type: 'queue', queue_id: 'q1', enter_ts: ts, exit_ts: ts, wait_seconds: 5, event_id: `${prefix}-queue-${i}` });
  });
  return byKind;
}
/** Stores a batch as ingest does; → how many rows were new. */
async function store(ds: DataSource, events: EventsByKind<{ event_id: string }>): Promise<number> {
  return ((await ds.query(BATCH_INSERT_SQL, batchInsertParams(SCOPE, events))) as unknown[]).length;
}
/** Rows of each table per partition (by name), e.g. {'entrance_events_p202405': 2}. */
async function rowsByPartition(ds: DataSource): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table } of PARTITIONED_TABLES) {
    for (const r of (await ds.query(`SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM ${table} GROUP BY 1`)) as { p: string; n: number }[])
      out[r.p] = r.n;
  }
  return out;
}

describe('time partitions (real PostgreSQL)', () => {
  let db: ThrowawayDatabase;
  let ds: DataSource;
  let partitions: TimePartitions;

  beforeAll(async () => {
    db = await createThrowawayDatabase({ migrate: false });
    // Today's schema first: every migration before the partitioning one.
    const cut = MIGRATIONS.findIndex((m) => new m().name === 'TimePartitions1733200000000');
    expect(cut).toBeGreaterThan(0);
    const old = new DataSource({ ...databaseOptions(db.url), migrations: [...MIGRATIONS.slice(0, cut)] });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    // A populated database, written by today's ingest statement (its conflict target without ts): two events of every kind in three months, heartbeats in two, and one duplicate sent twice.
    const todays = BATCH_INSERT_SQL.replaceAll('(store_id, camera_id, event_id, ts) DO NOTHING', '(store_id, camera_id, event_id) DO NOTHING');
    expect(todays).not.toBe(BATCH_INSERT_SQL);
    await old.query(todays, batchInsertParams(SCOPE, batch('old', ['2024-03-31T23:59:59.999Z', '2024-04-01T00:00:00Z', '2024-05-15T12:00:00Z'])));
    expect(await old.query(todays, batchInsertParams(SCOPE, batch('old', ['2024-03-31T23:59:59.999Z'])))).toEqual([]);
    await old.query(
      `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at) SELECT 'part_store', 'cam1', g, g
       FROM generate_series('2024-04-30T23:00:00Z'::timestamptz, '2024-05-01T00:59:30Z', interval '30 seconds') g`,
    );
    await old.destroy();
    ds = new DataSource(databaseOptions(db.url));
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    partitions = new TimePartitions(ds);
  }, 120_000);
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('the migration keeps every row, each in its month, and the ids go on from the old sequence', async () => {
    const rows = await rowsByPartition(ds);
    for (const kind of KINDS) {
      const t = EVENT_KINDS[kind].table;
      expect([rows[`${t}_p202403`], rows[`${t}_p202404`], rows[`${t}_p202405`], rows[`${t}_default`]]).toEqual([1, 1, 1, undefined]);
    }
    expect([rows.camera_heartbeats_p202404, rows.camera_heartbeats_p202405]).toEqual([120, 120]);
    const [{ max }] = await ds.query(`SELECT max(id)::int AS max FROM entrance_events`);
    await store(ds, batch('new', ['2024-05-16T00:00:00Z']));
    const [{ id }] = await ds.query(`SELECT id::int FROM entrance_events WHERE event_id = 'new-entrance-0'`);
    expect(id).toBeGreaterThan(max); // the old sequence numbers on (a deduplicated insert also takes a number)
    const [kind] = await ds.query(`SELECT relkind FROM pg_class WHERE relname = 'camera_heartbeats'`);
    expect(kind.relkind).toBe('p');
  });

  it('a re-sent batch is still deduplicated after the migration, in every kind', async () => {
    expect(await store(ds, batch('old', ['2024-03-31T23:59:59.999Z', '2024-04-01T00:00:00Z', '2024-05-15T12:00:00Z']))).toBe(0);
    const uniques = (await ds.query(`SELECT indexdef FROM pg_indexes WHERE tablename = ANY($1) AND indexname LIKE 'uq_%_event' ORDER BY 1`, [
      KINDS.map((k) => EVENT_KINDS[k].table),
    ])) as { indexdef: string }[];
    expect(uniques).toHaveLength(KINDS.length);
    for (const u of uniques) expect(u.indexdef).toMatch(/UNIQUE INDEX .* \(store_id, camera_id, event_id, ts\)$/);
  });

  it('creates this month and the next three for every table, once', async () => {
    const now = Date.parse('2031-06-15T10:00:00Z');
    const created = await partitions.ensureAhead(now);
    expect(created.map((c) => `${c.table} ${c.month}`).sort()).toEqual(
      PARTITIONED_TABLES.flatMap(({ table }) => ['203106', '203107', '203108', '203109'].map((m) => `${table} ${m}`)).sort(),
    );
    expect(await partitions.ensureAhead(now)).toEqual([]);
    expect((await partitions.months(HEARTBEAT_TABLE.table)).map((m) => m.key)).toEqual(expect.arrayContaining(['202404', '202405', '203106', '203109']));
  });

  it('a late event lands in its old month, not the default', async () => {
    expect(await store(ds, batch('late', ['2024-04-20T08:00:00Z']))).toBe(KINDS.length);
    for (const kind of KINDS) {
      const t = EVENT_KINDS[kind].table;
      const [row] = await ds.query(`SELECT tableoid::regclass::text AS p FROM ${t} WHERE event_id = $1`, [`late-${kind}-0`]);
      expect(row.p).toBe(`${t}_p202404`);
    }
  });

  it('an event of a month without a partition is kept in the default, and moved to its month when that is created', async () => {
    expect(await store(ds, batch('far', ['2029-02-03T04:05:06Z', '2029-02-28T23:59:59Z', '2029-03-01T00:00:00Z']))).toBe(3 * KINDS.length);
    const before = await rowsByPartition(ds);
    for (const kind of KINDS) expect(before[`${EVENT_KINDS[kind].table}_default`]).toBe(3);
    // The next upkeep gives the waiting rows their months (PostgreSQL would refuse to create them with rows in the default).
    const created = await partitions.ensureAhead(Date.parse('2031-06-15T10:00:00Z'));
    expect(created.filter((c) => c.table === 'entrance_events')).toEqual([
      { table: 'entrance_events', month: '202902', moved: 2 },
      { table: 'entrance_events', month: '202903', moved: 1 },
    ]);
    const after = await rowsByPartition(ds);
    for (const kind of KINDS) {
      const t = EVENT_KINDS[kind].table;
      expect([after[`${t}_default`], after[`${t}_p202902`], after[`${t}_p202903`]]).toEqual([undefined, 2, 1]);
    }
    // Still one row per event: re-sent, nothing new; the moved rows are found by the unique index of their month.
    expect(await store(ds, batch('far', ['2029-02-03T04:05:06Z', '2029-02-28T23:59:59Z', '2029-03-01T00:00:00Z']))).toBe(0);
  });

  it('a month created directly while its rows wait in the default moves exactly them', async () => {
    await store(ds, batch('x', ['2028-07-09T00:00:00Z', '2028-08-01T00:00:00Z']));
    const t = PARTITIONED_TABLES[0];
    expect(await partitions.createMonth(t, month('202807'))).toBe(1);
    expect(await partitions.createMonth(t, month('202807'))).toBeNull();
    const rows = await rowsByPartition(ds);
    expect([rows[`${t.table}_p202807`], rows[`${t.table}_default`]]).toEqual([1, 1]);
  });

  it('drops only the months wholly before the cutoff, and expired rows left in the default', async () => {
    const t = HEARTBEAT_TABLE;
    await ds.query(`INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at) VALUES ('part_store', 'cam1', now(), '2023-01-01T00:00:00Z')`);
    const cutoff = Date.parse('2024-05-10T00:00:00Z');
    expect(await partitions.dropBefore(t, cutoff)).toEqual(['202404']);
    const rows = await rowsByPartition(ds);
    expect([rows.camera_heartbeats_p202404, rows.camera_heartbeats_p202405, rows.camera_heartbeats_default]).toEqual([undefined, 120, undefined]);
    expect((await partitions.months(t.table))[0].key).toBe('202405');
    // The events' months are untouched: each table is dropped on its own retention.
    expect((await partitions.months('entrance_events'))[0].key).toBe('202403');
    expect(await partitions.dropBefore(t, cutoff)).toEqual([]);
    expect(monthOf(cutoff).key).toBe('202405');
  });
});

describe('partition upkeep job (real app, BullMQ worker)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ runWorkers: true, jobLockMs: 5000 });
  }, 60_000);
  afterAll(async () => {
    await t.app.get(RetentionWorkers).onModuleDestroy();
    await (t.app.get(getQueueToken(RETENTION_QUEUE), { strict: false }) as Queue).obliterate({ force: true });
    await t.close();
  });

  it('is scheduled hourly in Redis, and its run creates the months ahead of its clock', async () => {
    const queue: Queue = t.app.get(getQueueToken(RETENTION_QUEUE), { strict: false });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern])).toEqual(expect.arrayContaining([['partitions-ahead', '7 * * * *']]));
    const result = (await t.app
      .get(RetentionWorkers)
      .process({ name: RETENTION_JOB.partitionsAhead, data: {} } as never, Date.parse('2032-01-10T00:00:00Z'))) as { created: CreatedPartition[] };
    expect(new Set(result.created.map((c) => c.month))).toEqual(new Set(['203201', '203202', '203203', '203204']));
    expect(result.created).toHaveLength(4 * PARTITIONED_TABLES.length);
  });
});
