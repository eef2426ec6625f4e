// Fit for a distributed PostgreSQL (Citus, issue #19): every statement the app runs against a table distributed by
// store (database/distribution.ts) names store_id, so it can be routed to the one node holding that store — or it is
// one of the few multi-shard statements listed below with the reason. The statements are the real ones: captured
// from PostgreSQL's query runner while the app ingests, rolls up, answers the dashboard and reports, compacts and
// applies retention, so SQL generated from the registries is checked as it is sent.
import type { DataSource } from 'typeorm';
import { RollupHealer } from '../src/analytics/rollup-healer.service.ts';
import { DISTRIBUTED_TABLES, DISTRIBUTION_KEY } from '../src/database/distribution.ts';
import { RetentionWorkers } from '../src/retention/retention-workers.service.ts';
import { RETENTION_JOB } from '../src/retention/retention.queues.ts';
import {
  closeAnalyticsApp,
  drain,
  entrances,
  HOUR,
  ingest,
  provisionCamera,
  seededRandom,
  startAnalyticsApp,
  viewerKey,
} from './analytics/analytics-harness.ts';
import { heartbeat } from './dashboard/dashboard-fixtures.ts';
import type { TestApp } from './test-app.ts';

/** Statements that read or write many stores at once by design, with why that is right on a distributed database too. */
const MULTI_SHARD: readonly [RegExp, string][] = [
  [
    /FROM rollup_dirty_hours( ORDER BY marked_at|$)/,
    'the rollup healer and the health figures sweep every store for overdue hours: a periodic multi-shard read',
  ],
  [/_default\b/, 'partition upkeep moves or expires rows of a default partition: runs on every shard, once an hour or day'],
  [/^SELECT count\(\*\)::int AS n FROM [a-z_]+_p\d{6}$/, 'the size of a partition just created (partition upkeep)'],
  [/^(LOCK|CREATE|ALTER|DROP|SET LOCAL)\b/, 'DDL of partition upkeep; Citus propagates DDL of distributed tables to their shards'],
];

/** Whether a statement confines itself to stores it names: store_id in its filter or join, or in the columns it inserts. */
function namesKey(sql: string): boolean {
  const key = DISTRIBUTION_KEY;
  return (
    new RegExp(`INSERT INTO \\w+ \\([^)]*\\b${key}\\b`).test(sql) ||
    new RegExp(`\\b(WHERE|AND|ON)\\s+\\(?(\\w+\\.)?${key}\\s*(=|IN\\b)`, 'i').test(sql) ||
    new RegExp(`USING \\(${key}\\)`).test(sql)
  );
}

/** The distributed tables (or their partitions) a statement reads or writes. */
function distributedTargets(sql: string): string[] {
  const names = [...sql.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_0-9]+)/gi)].map((m) => m[1]);
  return names.filter((n) => DISTRIBUTED_TABLES.some((t) => n === t || n.startsWith(`${t}_p`) || n === `${t}_default`));
}

describe('every statement on a distributed table names the distribution key (real app, real PostgreSQL)', () => {
  let t: TestApp;
  const seen = new Map<string, number>();

  beforeAll(async () => {
    t = await startAnalyticsApp();
    // Every statement passes through a query runner; record them from here on.
    const ds = t.app.get<DataSource>(await import('typeorm').then((m) => m.DataSource));
    const proto = Object.getPrototypeOf(ds.createQueryRunner()) as { query: (sql: string, ...rest: unknown[]) => Promise<unknown> };
    const original = proto.query;
    proto.query = function (this: unknown, sql: string, ...rest: unknown[]) {
      const key = sql.replace(/\s+/g, ' ').trim();
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return original.call(this, sql, ...rest);
    };
    const door = await provisionCamera(t, {
      storeId: 'dist_store',
      cameraId: 'door',
      timezone: 'Asia/Kolkata',
      capabilities: ['entrance', 'zones', 'shelves', 'queue'],
    });
    const viewer = await viewerKey(t, door.orgId);
    const random = seededRandom(5);
    const start = Date.parse('2024-05-01T00:00:00Z');
    const events = [];
    for (let d = 0; d < 35; d++) events.push(...entrances(start + d * 24 * HOUR + 10 * HOUR, 5, 'dist', random));
    events.push({
      type: 'zone',
      event_id: 'z1',
      ts: new Date().toISOString(),
      person_key: 'p',
      zone_id: 'z',
      enter_ts: new Date().toISOString(),
      exit_ts: new Date().toISOString(),
      dwell_seconds: 1,
    } as never);
    await ingest(t, door, events);
    await heartbeat(t, door, { stream_state: 'streaming', fps: 5, target_fps: 5 });
    await drain(t, 120_000);
    const read = (path: string) => t.call('GET', path, { token: viewer });
    expect((await read('/api/dashboard/live?store_id=dist_store')).status).toBe(200);
    expect((await read('/api/dashboard/history?store_id=dist_store&from=2024-05-01&to=2024-05-08&granularity=hour')).status).toBe(200);
    expect((await read('/api/dashboard/cameras?store_id=dist_store')).status).toBe(200);
    expect((await read('/api/analytics/spikes?store_id=dist_store&days=7&end_date=2024-06-04')).status).toBe(200);
    expect((await read('/api/analytics/promo?store_id=dist_store&start_date=2024-05-27&end_date=2024-06-02')).status).toBe(200);
    expect((await t.admin('GET', '/api/analytics/health')).status).toBe(200);
    await t.app.get(RollupHealer).heal();
    await t.app.get(RetentionWorkers).process({ name: RETENTION_JOB.partitionsAhead, data: {} } as never, Date.parse('2031-01-01T00:00:00Z'));
    await t.app.get(RetentionWorkers).process({ name: RETENTION_JOB.retention, data: {} } as never, Date.parse('2026-01-01T00:00:00Z'));
    proto.query = original;
  }, 240_000);
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it('the flows ran statements on every distributed table they own', () => {
    const touched = new Set([...seen.keys()].flatMap(distributedTargets).map((n) => DISTRIBUTED_TABLES.find((t) => n === t || n.startsWith(`${t}_`))));
    expect([...touched].sort()).toEqual(
      expect.arrayContaining([
        'camera_coverage_days',
        'camera_heartbeats',
        'entrance_events',
        'heartbeat_compaction',
        'hourly_rollups',
        'queue_events',
        'rollup_dirty_hours',
        'shelf_interactions',
        'zone_events',
      ]),
    );
  });

  it(`each names ${DISTRIBUTION_KEY}, or is a multi-shard statement listed with its reason`, () => {
    const offenders = [...seen.keys()].filter((sql) => distributedTargets(sql).length > 0 && !namesKey(sql) && !MULTI_SHARD.some(([re]) => re.test(sql)));
    expect(offenders).toEqual([]);
    // The list is not a blanket: each entry matched something this run.
    for (const [re, why] of MULTI_SHARD) expect([why, [...seen.keys()].some((sql) => re.test(sql))]).toEqual([why, true]);
  });
});
