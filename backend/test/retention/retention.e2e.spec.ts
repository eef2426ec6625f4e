// Retention (issue #19) on real PostgreSQL: per-organisation settings through the admin API, the daily run dropping
// only expired months (heartbeats compacted first), shorter retention deleted as rows, and the reports and
// completeness over what is kept unchanged.
import { DataSource } from 'typeorm';
import { HourlyRollup } from '../../src/analytics/hourly-rollup.service.ts';
import { SpikeReport } from '../../src/analytics/spike-report.service.ts';
import { localHourStarts, startOfLocalDay } from '../../src/common/store-clock.ts';
import { DataCompleteness } from '../../src/ingest/data-completeness.service.ts';
import { BATCH_INSERT_SQL, batchInsertParams, emptyByKind } from '../../src/ingest/event-kinds.ts';
import { PARTITIONED_TABLES } from '../../src/ingest/partitioned-tables.ts';
import { monthOf } from '../../src/retention/partition-planner.ts';
import { RETENTION_DEFAULTS } from '../../src/retention/retention-policy.ts';
import { RetentionWorkers } from '../../src/retention/retention-workers.service.ts';
import { RETENTION_JOB } from '../../src/retention/retention.queues.ts';
import { type RetentionOutcome } from '../../src/retention/retention-enforcer.service.ts';
import { TimePartitions } from '../../src/retention/time-partitions.service.ts';
import { type ProvisionedCamera, provisionCamera, startTestApp, type TestApp } from '../test-app.ts';

const NOW = Date.parse('2030-03-10T12:00:00Z');
const DAY = 86_400_000;
/** Entrance events on these days (10:00–10:59 UTC): expired for all, kept only by the longer retention, kept by both. */
const EVENT_DAYS = ['2028-12-15', '2029-06-15', '2030-02-15'];

async function entrances(ds: DataSource, cam: ProvisionedCamera, day: string, n: number): Promise<void> {
  const byKind = emptyByKind<{ event_id: string }>();
  for (let i = 0; i < n; i++)
    byKind.entrance.push({
      type: 'entrance',
      direction: 'in',
      ts: new Date(Date.parse(`${day}T10:00:00Z`) + i * 60_000).toISOString(),
      person_key: `p${i}`,
      event_id: `${day}-${i}`,
    });
  await ds.query(BATCH_INSERT_SQL, batchInsertParams({ orgId: cam.orgId, storeId: cam.storeId, cameraId: cam.cameraId }, byKind));
}

/** Heartbeats every 30 s over [from, to), streaming, except a 20-minute outage each day at 10:00 and silence each 23:58–00:00 UTC. */
async function heartbeats(ds: DataSource, cam: ProvisionedCamera, from: string, to: string): Promise<void> {
  await ds.query(
    `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at, status_data)
     SELECT $1, $2, g, g, '{"stream_state":"streaming","fps":5,"fps_achieved":5,"target_fps":5}'::jsonb
     FROM generate_series($3::timestamptz, $4::timestamptz - interval '1 second', interval '30 seconds') g
     WHERE NOT ((g::time >= '10:00' AND g::time < '10:20') OR g::time >= '23:58')`,
    [cam.storeId, cam.cameraId, from, to],
  );
}

const count = async (ds: DataSource, sql: string, params: unknown[]) => ((await ds.query(sql, params)) as { n: number }[])[0].n;

describe('retention (real PostgreSQL)', () => {
  let t: TestApp;
  let ds: DataSource;
  let a: ProvisionedCamera; // organisation with the defaults
  let b: ProvisionedCamera; // organisation keeping 2 months of events and 7 days of heartbeats

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
    a = await provisionCamera(t, { storeId: 'ret_a', cameraId: 'door', timezone: 'Asia/Kolkata', capabilities: ['entrance'] });
    b = await provisionCamera(t, { storeId: 'ret_b', cameraId: 'door', timezone: 'UTC', capabilities: ['entrance'] });
    const partitions = t.app.get(TimePartitions);
    for (let m = monthOf(Date.parse('2028-12-01T00:00:00Z')); m.fromMs <= NOW; m = monthOf(m.toMs))
      for (const table of PARTITIONED_TABLES) await partitions.createMonth(table, m);
    for (const cam of [a, b]) {
      for (const d of EVENT_DAYS) await entrances(ds, cam, d, 12);
      await heartbeats(ds, cam, '2030-01-20T00:00:00Z', '2030-03-10T12:00:00Z');
      await t.app.get(HourlyRollup).rollUp(cam.storeId, Date.parse('2028-12-01T00:00:00Z'), NOW);
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe('settings through the admin API', () => {
    it('an organisation has the defaults until set; a PUT is read back', async () => {
      expect(await t.admin('GET', `/api/admin/orgs/${b.orgId}/retention`)).toEqual({ status: 200, body: RETENTION_DEFAULTS });
      const put = await t.admin('PUT', `/api/admin/orgs/${b.orgId}/retention`, { raw_event_months: 2, heartbeat_days: 7 });
      expect(put).toEqual({ status: 200, body: { raw_event_months: 2, heartbeat_days: 7 } });
      expect((await t.admin('GET', `/api/admin/orgs/${b.orgId}/retention`)).body).toEqual({ raw_event_months: 2, heartbeat_days: 7 });
      expect((await t.admin('GET', `/api/admin/orgs/${a.orgId}/retention`)).body).toEqual(RETENTION_DEFAULTS);
    });

    it.each([
      [{ raw_event_months: 0, heartbeat_days: 7 }, 'raw_event_months: must be at least 1'],
      [{ raw_event_months: 2, heartbeat_days: 1 }, 'heartbeat_days: must be at least 2'],
      [{ raw_event_months: 2 }, 'heartbeat_days:'],
      [{ raw_event_months: 2, heartbeat_days: 7, rollup_months: 3 }, 'rollup_months'],
    ])('%j is refused with a 400 naming the field', async (body, message) => {
      const r = await t.admin('PUT', `/api/admin/orgs/${b.orgId}/retention`, body);
      expect(r.status).toBe(400);
      expect(r.body.message).toContain(message);
    });

    it('an unknown organisation is a 404, a malformed id a 400, no token a 401', async () => {
      expect((await t.admin('GET', '/api/admin/orgs/00000000-0000-4000-8000-000000000000/retention')).status).toBe(404);
      const bad = await t.admin('PUT', '/api/admin/orgs/not-a-uuid/retention', { raw_event_months: 2, heartbeat_days: 7 });
      expect([bad.status, bad.body.message]).toEqual([400, 'org_id: must be a UUID']);
      expect((await t.call('GET', `/api/admin/orgs/${a.orgId}/retention`)).status).toBe(401);
    });
  });

  describe('the daily run', () => {
    const rollups = () =>
      ds.query(`SELECT store_id, hour_start, kind, subject_id, event_count, exit_count, seconds_sum, version FROM hourly_rollups ORDER BY 1, 2, 3, 4`);
    /** Local hours of the outage day and local days around the compaction point, per store. */
    const buckets = (cam: ProvisionedCamera, tz: string) => {
      const hours = localHourStarts(startOfLocalDay('2030-01-25', tz), startOfLocalDay('2030-01-26', tz)).map((h) => ({ startMs: h, endMs: h + 3_600_000 }));
      const days = Array.from({ length: 40 }, (_, i) => startOfLocalDay('2030-01-18', tz) + i * DAY).map((d) => ({ startMs: d, endMs: d + DAY }));
      return Promise.all([t.app.get(DataCompleteness).forBuckets(cam.storeId, hours, NOW), t.app.get(DataCompleteness).forBuckets(cam.storeId, days, NOW)]);
    };
    const spike = (cam: ProvisionedCamera) =>
      t.app
        .get(SpikeReport)
        .build({ kind: 'spikes', store_id: cam.storeId, days: 14, start_date: '2030-02-01', end_date: '2030-02-14', to: '2030-02-15T00:00:00Z' }, 'UTC');
    type Coverage = Awaited<ReturnType<typeof buckets>>;
    let before: { rollups: unknown; a: Coverage; b: Coverage; spikeA: unknown; spikeB: unknown };
    let outcome: RetentionOutcome;

    beforeAll(async () => {
      before = { rollups: await rollups(), a: await buckets(a, 'Asia/Kolkata'), b: await buckets(b, 'UTC'), spikeA: await spike(a), spikeB: await spike(b) };
      outcome = (await t.app.get(RetentionWorkers).process({ name: RETENTION_JOB.retention, data: {} } as never, NOW)) as RetentionOutcome;
    }, 120_000);

    it('drops only the months every organisation has expired', async () => {
      // Events: the defaults (13 months) expire what ended by 2029-02-10; heartbeats (30 days, a day's margin) by 2030-02-07.
      // (The months this test's clock, in 2030, sees as past: the test data's, and those the migration made around today.)
      const ours = (table: string) => outcome.dropped[table].filter((m) => m >= '202801');
      for (const table of ['entrance_events', 'zone_events', 'shelf_interactions', 'queue_events']) expect(ours(table)).toEqual(['202812', '202901']);
      const heartbeatMonths = ['202812', ...Array.from({ length: 12 }, (_, i) => `2029${String(i + 1).padStart(2, '0')}`), '203001'];
      expect(ours('camera_heartbeats')).toEqual(heartbeatMonths);
      expect((await t.app.get(TimePartitions).months('camera_heartbeats'))[0].key).toBe('203002');
      expect((await t.app.get(TimePartitions).months('entrance_events'))[0].key).toBe('202902');
      // A second run the same day has nothing left to do.
      const again = (await t.app.get(RetentionWorkers).process({ name: RETENTION_JOB.retention, data: {} } as never, NOW)) as RetentionOutcome;
      expect([Object.values(again.dropped).flat(), again.deletedRows, again.compactedDays]).toEqual([[], 0, 0]);
    });

    it('the shorter retention is applied to its own rows only, the longer keeps its', async () => {
      const days = async (cam: ProvisionedCamera) =>
        (await ds.query(`SELECT DISTINCT to_char(ts, 'YYYY-MM-DD') AS d FROM entrance_events WHERE store_id = $1 ORDER BY 1`, [cam.storeId])).map(
          (r: { d: string }) => r.d,
        );
      expect(await days(a)).toEqual(['2029-06-15', '2030-02-15']);
      expect(await days(b)).toEqual(['2030-02-15']);
      const beats = `SELECT count(*)::int AS n FROM camera_heartbeats WHERE store_id = $1 AND received_at < $2`;
      expect(await count(ds, beats, [b.storeId, '2030-03-02T00:00:00Z'])).toBe(0);
      expect(await count(ds, beats, [a.storeId, '2030-03-02T00:00:00Z'])).toBeGreaterThan(0);
      expect(await count(ds, `SELECT count(*)::int AS n FROM camera_heartbeats WHERE store_id = $1`, [b.storeId])).toBeGreaterThan(0);
    });

    it('rollups, and the reports computed from them, are unchanged', async () => {
      expect(await rollups()).toEqual(before.rollups);
      expect(await spike(a)).toEqual(before.spikeA);
      expect(await spike(b)).toEqual(before.spikeB);
    });

    it('completeness over dropped and deleted heartbeats is what it was (from the compacted days)', async () => {
      const after = { a: await buckets(a, 'Asia/Kolkata'), b: await buckets(b, 'UTC') };
      for (const [was, is] of [
        [before.a, after.a],
        [before.b, after.b],
      ] as const) {
        for (let k = 0; k < 2; k++) {
          expect(is[k].store).toHaveLength(was[k].store.length);
          is[k].store.forEach((s, i) => (s === null ? expect(was[k].store[i]).toBeNull() : expect(s).toBeCloseTo(was[k].store[i] as number, 6)));
        }
      }
      // Not trivially equal: the outage hour is incomplete, the day before the first heartbeat unknown, full days complete.
      const [hoursA, daysA] = after.a;
      expect(hoursA.store.filter((s) => s !== null && s < 0.9)).toHaveLength(1);
      expect(daysA.store[0]).toBeNull();
      // The outage loses 09:59:30–10:20 (the beat before it vouches for nothing after), the silence 23:57:30–00:00.
      expect(daysA.store[10]).toBeCloseTo((86_400 - 1230 - 150) / 86_400, 6);
      expect(await count(ds, `SELECT count(*)::int AS n FROM camera_coverage_days WHERE store_id = $1`, [b.storeId])).toBe(42);
    });
  });
});
