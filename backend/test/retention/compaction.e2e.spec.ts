// Heartbeat compaction of finished days (issue #19) on real PostgreSQL: the hourly job compacts every store up to
// the last UTC midnight at least COMPACTION_DELAY_MS old, completeness reads the same from the compacted days as
// from the heartbeats, and a heartbeat stored for a day already compacted reopens it: completeness is exactly what
// it would be with the heartbeat read raw, and the next compaction redoes the day.
import { DataSource } from 'typeorm';
import { localHourStarts, startOfLocalDay } from '../../src/common/store-clock.ts';
import { COVERAGE_SLOT_MS, type TimeBucket } from '../../src/ingest/data-completeness.ts';
import { DataCompleteness, type StoreCompleteness } from '../../src/ingest/data-completeness.service.ts';
import { finishedDaysUntil, HeartbeatCompactor } from '../../src/ingest/heartbeat-compactor.service.ts';
import { PARTITIONED_TABLES } from '../../src/ingest/partitioned-tables.ts';
import { monthOf } from '../../src/retention/partition-planner.ts';
import { RetentionWorkers } from '../../src/retention/retention-workers.service.ts';
import { RETENTION_JOB } from '../../src/retention/retention.queues.ts';
import { TimePartitions } from '../../src/retention/time-partitions.service.ts';
import { type ProvisionedCamera, provisionCamera, startTestApp, type TestApp } from '../test-app.ts';

const DAY = 86_400_000;
const STREAMING = '{"stream_state":"streaming","fps":5,"fps_achieved":5,"target_fps":5}';

/**
 * Heartbeats every 30 s over [from, to), streaming; with `outages`, none in a 20-minute outage each day at 10:00 and
 * each 23:58–00:00 UTC.
 */
async function heartbeats(ds: DataSource, cam: ProvisionedCamera, from: Date, to: Date, outages: boolean): Promise<void> {
  await ds.query(
    `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at, status_data)
     SELECT $1, $2, g, g, $5::jsonb
     FROM generate_series($3::timestamptz, $4::timestamptz - interval '1 millisecond', interval '30 seconds') g
     WHERE NOT $6 OR NOT (((g AT TIME ZONE 'UTC')::time >= '10:00' AND (g AT TIME ZONE 'UTC')::time < '10:20') OR (g AT TIME ZONE 'UTC')::time >= '23:58')`,
    [cam.storeId, cam.cameraId, from, to, STREAMING, outages],
  );
}

const mark = async (ds: DataSource, storeId: string): Promise<number | null> => {
  const [row] = (await ds.query(`SELECT compacted_until FROM heartbeat_compaction WHERE store_id = $1`, [storeId])) as { compacted_until: Date }[];
  return row ? new Date(row.compacted_until).getTime() : null;
};

/**
 * Same shares, nulls where nulls, within the compacted slots' rounding: a slot keeps its covered time rounded to the
 * ms (coverageDay), so a bucket's share may be off by 0.5 ms for every slot its measured span [start, min(end, now))
 * touches, over that span (a bucket cut short by `nowMs` has a short span: its share moves more per ms).
 */
function expectSameCoverage(is: StoreCompleteness, was: StoreCompleteness, buckets: readonly TimeBucket[], nowMs: number): void {
  expect(is.store).toHaveLength(was.store.length);
  is.store.forEach((s, i) => {
    if (s === null) return expect(was.store[i]).toBeNull();
    const { startMs, endMs } = buckets[i];
    const until = Math.min(endMs, nowMs);
    const slots = Math.ceil(until / COVERAGE_SLOT_MS) - Math.floor(startMs / COVERAGE_SLOT_MS);
    expect(Math.abs(s - (was.store[i] as number)) * (until - startMs)).toBeLessThanOrEqual(0.5 * slots + 1e-6);
  });
}

describe('heartbeat compaction of finished days (real PostgreSQL)', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  describe('the hourly job', () => {
    // 00:10 UTC: the day that just ended is not finished yet (its last heartbeats may still be on their way).
    const NOW = Date.parse('2030-03-10T00:10:00Z');
    const TZ = 'Asia/Kolkata'; // +05:30: local hours are half past UTC hours, whole quarter hours
    let cam: ProvisionedCamera;
    const hours = () =>
      localHourStarts(startOfLocalDay('2030-03-05', TZ), startOfLocalDay('2030-03-06', TZ)).map((h) => ({ startMs: h, endMs: h + 3_600_000 }));
    const days = () => Array.from({ length: 11 }, (_, i) => startOfLocalDay('2030-02-28', TZ) + i * DAY).map((d) => ({ startMs: d, endMs: d + DAY }));
    const coverage = () => {
      const completeness = t.app.get(DataCompleteness);
      return Promise.all([completeness.forBuckets(cam.storeId, hours(), NOW), completeness.forBuckets(cam.storeId, days(), NOW)]);
    };
    const runJob = async (nowMs: number) =>
      (await t.app.get(RetentionWorkers).process({ name: RETENTION_JOB.compactHeartbeats, data: {} } as never, nowMs)) as { compactedDays: number };

    beforeAll(async () => {
      cam = await provisionCamera(t, { storeId: 'cmp_hourly', cameraId: 'door', timezone: TZ, capabilities: ['entrance'] });
      const partitions = t.app.get(TimePartitions);
      for (const table of PARTITIONED_TABLES) await partitions.createMonth(table, monthOf(NOW));
      await heartbeats(ds, cam, new Date('2030-03-01T00:00:00Z'), new Date(NOW), true);
    }, 60_000);

    it('compacts every finished UTC day, and completeness reads the same as from the heartbeats', async () => {
      const raw = await coverage();
      expect(finishedDaysUntil(NOW)).toBe(Date.parse('2030-03-09T00:00:00Z'));
      expect(await runJob(NOW)).toEqual({ compactedDays: 8 }); // 03-01 … 03-08
      expect(await mark(ds, cam.storeId)).toBe(Date.parse('2030-03-09T00:00:00Z'));
      const compacted = await coverage();
      expectSameCoverage(compacted[0], raw[0], hours(), NOW);
      expectSameCoverage(compacted[1], raw[1], days(), NOW);
      // Not trivially equal: the outage hour is incomplete, the day before the first heartbeat unknown.
      expect(compacted[0].store.filter((s) => s !== null && s < 0.9)).toHaveLength(1);
      expect(compacted[1].store[0]).toBeNull();
      // Resumable and idempotent: nothing more until 03-09 is finished, then that day only.
      expect(await runJob(NOW + 60_000)).toEqual({ compactedDays: 0 });
      expect(await runJob(Date.parse('2030-03-10T00:20:00Z'))).toEqual({ compactedDays: 1 });
      const again = await coverage();
      expectSameCoverage(again[0], raw[0], hours(), NOW);
      expectSameCoverage(again[1], raw[1], days(), NOW);
    });
  });

  it('passes over silent months in one step, keeping what the days around them read', async () => {
    const NOW = Date.parse('2030-03-10T12:00:00Z');
    const cam = await provisionCamera(t, { storeId: 'cmp_silent', cameraId: 'door', timezone: 'UTC', capabilities: ['entrance'] });
    const partitions = t.app.get(TimePartitions);
    for (let m = monthOf(Date.parse('2030-01-01T00:00:00Z')); m.fromMs <= NOW; m = monthOf(m.toMs))
      for (const table of PARTITIONED_TABLES) await partitions.createMonth(table, m);
    // Two days in January, then silence until 2030-03-05 12:00.
    await heartbeats(ds, cam, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-03T00:00:00Z'), true);
    await heartbeats(ds, cam, new Date('2030-03-05T12:00:00Z'), new Date('2030-03-07T00:00:00Z'), true);
    const days = Array.from({ length: 70 }, (_, i) => Date.parse('2029-12-31T00:00:00Z') + i * DAY).map((d) => ({ startMs: d, endMs: d + DAY }));
    const raw = await t.app.get(DataCompleteness).forBuckets(cam.storeId, days, NOW);
    expect(await t.app.get(HeartbeatCompactor).compact(cam.storeId, NOW)).toBe(68); // 01-01 … 03-09, passed
    expect(await mark(ds, cam.storeId)).toBe(Date.parse('2030-03-10T00:00:00Z'));
    const kept = await ds.query(`SELECT to_char(day, 'YYYY-MM-DD') AS d FROM camera_coverage_days WHERE store_id = $1 ORDER BY 1`, [cam.storeId]);
    expect(kept.map((r: { d: string }) => r.d)).toEqual(['2030-01-01', '2030-01-02', '2030-03-05', '2030-03-06']);
    expectSameCoverage(await t.app.get(DataCompleteness).forBuckets(cam.storeId, days, NOW), raw, days, NOW);
    // 01-03 … 03-04 and 03-07 … 03-10 analysed nothing (not unknown: after the first heartbeat).
    expect(raw.store.filter((s) => s === 0)).toHaveLength(61 + 4);
  });

  describe('a heartbeat for a day already compacted', () => {
    let cam: ProvisionedCamera;
    const todayStart = () => Math.floor(Date.now() / DAY) * DAY;
    /** Today's UTC hours and the last three days, up to `nowMs`. */
    const hours = () => Array.from({ length: 24 }, (_, i) => todayStart() + i * 3_600_000).map((h) => ({ startMs: h, endMs: h + 3_600_000 }));
    const days = () => Array.from({ length: 3 }, (_, i) => todayStart() - (2 - i) * DAY).map((d) => ({ startMs: d, endMs: d + DAY }));
    const coverage = (nowMs: number) => {
      const completeness = t.app.get(DataCompleteness);
      return Promise.all([completeness.forBuckets(cam.storeId, hours(), nowMs), completeness.forBuckets(cam.storeId, days(), nowMs)]);
    };

    beforeAll(async () => {
      cam = await provisionCamera(t, { storeId: 'cmp_late', cameraId: 'door', timezone: 'UTC', capabilities: ['entrance'] });
    });

    it('reopens the day: completeness is as if read raw, and the next compaction redoes the day', async () => {
      // Two days and today so far, every 30 s up to 20 s ago; the next one is the one sent below.
      await heartbeats(ds, cam, new Date(todayStart() - 2 * DAY), new Date(Date.now() - 20_000), false);
      // A compaction whose clock is a day ahead of PostgreSQL's: today counts as compacted, with what it had.
      const compactor = t.app.get(HeartbeatCompactor);
      expect(await compactor.compact(cam.storeId, Date.now() + DAY)).toBe(3);
      expect(await mark(ds, cam.storeId)).toBe(todayStart() + DAY);
      // Every figure below is cut at this instant, after the heartbeat sent next.
      const nowMs = Date.now() + 60_000;
      const before = await coverage(nowMs);

      const sent = await t.call('POST', '/api/ingest/heartbeat', {
        token: cam.apiKey,
        body: { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), status_data: JSON.parse(STREAMING) },
      });
      expect(sent.status).toBe(200);
      const receivedAt = Date.parse(sent.body.received_at);
      expect(receivedAt).toBeLessThan(nowMs);
      // The mark goes back to the UTC midnight before the first interval the heartbeat can change.
      expect(await mark(ds, cam.storeId)).toBe(Math.floor((receivedAt - 90_000) / DAY) * DAY);
      const reopened = await coverage(nowMs);
      // The heartbeat counts: its hour and its day gain the interval it vouches for.
      const hour = Math.floor((receivedAt - todayStart()) / 3_600_000);
      expect(reopened[0].store[hour]).toBeGreaterThan(before[0].store[hour] ?? 0);
      expect(reopened[1].store[2]).toBeGreaterThan(before[1].store[2] ?? 0);

      // Exactly what the same heartbeats give read raw (the store as never compacted).
      const saved = await mark(ds, cam.storeId);
      await ds.query(`DELETE FROM heartbeat_compaction WHERE store_id = $1`, [cam.storeId]);
      const raw = await coverage(nowMs);
      await ds.query(`INSERT INTO heartbeat_compaction (store_id, compacted_until) VALUES ($1, $2)`, [cam.storeId, new Date(saved as number)]);
      expectSameCoverage(reopened[0], raw[0], hours(), nowMs);
      expectSameCoverage(reopened[1], raw[1], days(), nowMs);

      // Compacted again up to the same (ahead) clock: the same figures, from the compacted days.
      expect(await compactor.compact(cam.storeId, Date.now() + DAY)).toBeGreaterThan(0);
      expect(await mark(ds, cam.storeId)).toBe(todayStart() + DAY);
      const recompacted = await coverage(nowMs);
      expectSameCoverage(recompacted[0], raw[0], hours(), nowMs);
      expectSameCoverage(recompacted[1], raw[1], days(), nowMs);
    });
  });
});
