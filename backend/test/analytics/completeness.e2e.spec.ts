// Numbers a store manager can trust: data completeness from heartbeats in history and the spike report,
// "not analysing" cameras, and live queue lengths — real PostgreSQL, Redis and BullMQ workers.
import type { StoreEvent } from '../../../shared/src/events.ts';
import { addDays } from '../../src/common/store-clock.ts';
import { heartbeat } from '../dashboard/dashboard-fixtures.ts';
import type { ProvisionedCamera, TestApp } from '../test-app.ts';
import {
  closeAnalyticsApp,
  drain,
  entrances,
  ingest,
  provisionCamera,
  seededRandom,
  sql,
  startAnalyticsApp,
  viewerKey,
  SETUP_TIMEOUT_MS,
} from './analytics-harness.ts';

const DAY = '2024-05-27'; // the report day (a Monday), store in UTC
const OUTAGE_DAY = addDays(DAY, -7); // same weekday, one week earlier: its 10:00 hour was not analysed
const at = (date: string, hour: number) => Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);

/** Heartbeats every 60 s over [from, to], streaming at the target, except during (gapFrom, gapTo]. */
async function heartbeatHistory(t: TestApp, cam: ProvisionedCamera, from: number, to: number, gapFrom: number, gapTo: number): Promise<void> {
  await sql(
    t,
    `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at, status_data)
    SELECT $1, $2, g, g, '{"stream_state":"streaming","fps":5,"fps_achieved":5,"target_fps":5,"frames_analysed":300,"frames_dropped":0,"interval_s":60}'::jsonb
    FROM generate_series($3::timestamptz, $4::timestamptz, interval '60 seconds') g WHERE NOT (g > $5 AND g <= $6)`,
    [cam.storeId, cam.cameraId, new Date(from), new Date(to), new Date(gapFrom), new Date(gapTo)],
  );
}

describe('data completeness, camera analysing state and live queue lengths (real PostgreSQL, Redis, workers)', () => {
  let t: TestApp;
  let door: ProvisionedCamera;
  let viewer: string;

  beforeAll(async () => {
    t = await startAnalyticsApp();
    door = await provisionCamera(t, { storeId: 'cmp_store', cameraId: 'door', timezone: 'UTC', capabilities: ['entrance'] });
    viewer = await viewerKey(t, door.orgId);
    // 8 weeks of 10 visitors at 10:00 every day; on the report day 60 (a spike); during the outage hour only 1 got counted.
    const random = seededRandom(13);
    const events: StoreEvent[] = [];
    for (let d = addDays(DAY, -56); d <= DAY; d = addDays(d, 1)) {
      const n = d === DAY ? 60 : d === OUTAGE_DAY ? 1 : 10;
      events.push(...entrances(at(d, 10), n, 'cmp', random));
    }
    await ingest(t, door, events);
    await heartbeatHistory(t, door, at(addDays(DAY, -57), 0), at(addDays(DAY, 1), 0), at(OUTAGE_DAY, 10), at(OUTAGE_DAY, 11));
    await drain(t, 120_000);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it('the spike report leaves the outage hour out of the baseline and says so', async () => {
    const r = await t.call('GET', `/api/analytics/spikes?store_id=cmp_store&days=1&end_date=${DAY}`, { token: viewer });
    expect(r.status).toBe(200);
    const result = r.body.result;
    expect(result.left_out).toEqual({ threshold: 0.9, hours: 1, period_hours: [], baseline_hours: [`${OUTAGE_DAY}T10:00:00+00:00`] });
    expect(result.method.min_completeness).toBe(0.9);
    const [spike] = result.spikes;
    // 8 weekly points minus the outage week; the baseline is the usual 10, not dragged down by the outage's 1.
    expect(spike).toMatchObject({ local: `${DAY}T10:00:00+00:00`, count: 60, expected: 10, baseline: 'same_weekday_hour', baseline_points: 7 });
    const hour10 = result.series.find((h: { local: string }) => h.local === `${DAY}T10:00:00+00:00`);
    expect(hour10).toMatchObject({ completeness: 1, incomplete: false });
  });

  it('history shows completeness per hour and per day, per camera and for the store', async () => {
    const r = await t.call('GET', `/api/dashboard/history?store_id=cmp_store&from=${OUTAGE_DAY}&to=${addDays(OUTAGE_DAY, 1)}&granularity=hour`, {
      token: viewer,
    });
    expect(r.status).toBe(200);
    expect(r.body.completeness_threshold).toBe(0.9);
    const byBucket = new Map<string, { footfall: number; completeness: unknown }>(r.body.buckets.map((b: { bucket: string }) => [b.bucket, b]));
    expect(byBucket.get(`${OUTAGE_DAY}T09:00`)!.completeness).toEqual({ store: 1, incomplete: false, cameras: { door: 1 } });
    expect(byBucket.get(`${OUTAGE_DAY}T10:00`)).toMatchObject({ footfall: 1, completeness: { store: 0, incomplete: true, cameras: { door: 0 } } });
    // The first minute of 11:00 waits for the first heartbeat after the outage.
    expect(byBucket.get(`${OUTAGE_DAY}T11:00`)!.completeness).toEqual({ store: 0.983, incomplete: false, cameras: { door: 0.983 } });

    const days = await t.call('GET', `/api/dashboard/history?store_id=cmp_store&from=${OUTAGE_DAY}&to=${addDays(OUTAGE_DAY, 2)}&granularity=day`, {
      token: viewer,
    });
    expect(days.body.buckets.map((b: { bucket: string; completeness: { store: number } }) => [b.bucket, b.completeness.store])).toEqual([
      [OUTAGE_DAY, Math.round((1 - 61 / 1440) * 1000) / 1000],
      [addDays(OUTAGE_DAY, 1), 1],
    ]);
  });

  it('before any heartbeat, completeness is unknown (null), not 0', async () => {
    const r = await t.call('GET', `/api/dashboard/history?store_id=cmp_store&from=2024-01-01&to=2024-01-02&granularity=day`, { token: viewer });
    expect(r.body.buckets[0].completeness).toEqual({ store: null, incomplete: false, cameras: { door: null } });
  });

  it('a camera whose stream ended is "not analysing", not online; a streaming one is online', async () => {
    const ended = await provisionCamera(t, { storeId: 'cmp_live', orgId: door.orgId, cameraId: 'cam_replay', timezone: 'UTC', capabilities: ['entrance'] });
    const till = await provisionCamera(t, { storeId: 'cmp_live', orgId: door.orgId, cameraId: 'cam_till', timezone: 'UTC', capabilities: ['queue'] });
    await heartbeat(t, ended, { stream_state: 'ended', fps: 0, target_fps: 5, frames_analysed: 0 });
    await heartbeat(t, till, { stream_state: 'streaming', fps: 5, queue_lengths: { checkout_1: 4, checkout_2: 0 } });
    const cams = await t.call('GET', '/api/dashboard/cameras?store_id=cmp_live', { token: viewer });
    expect(cams.body.cameras.map((c: { camera_id: string; status: string; stream_state: string }) => [c.camera_id, c.status, c.stream_state])).toEqual([
      ['cam_replay', 'not_analysing', 'ended'],
      ['cam_till', 'online', 'streaming'],
    ]);

    const live = await t.call('GET', '/api/dashboard/live?store_id=cmp_live', { token: viewer });
    expect(live.status).toBe(200);
    expect(live.body.cameras.find((c: { camera_id: string }) => c.camera_id === 'cam_replay').status).toBe('not_analysing');
    // Queue length per queue, with the age of the reading.
    expect(live.body.queue_lengths).toEqual([
      { queue_id: 'checkout_1', length: 4, camera_id: 'cam_till', read_at: expect.any(String), age_seconds: expect.any(Number) },
      { queue_id: 'checkout_2', length: 0, camera_id: 'cam_till', read_at: expect.any(String), age_seconds: expect.any(Number) },
    ]);
    const reading = live.body.queue_lengths[0];
    expect(reading.age_seconds).toBeGreaterThanOrEqual(0);
    expect(reading.age_seconds).toBeLessThan(60);
    // age_seconds is the age rounded to 0.1 s (half up): off by at most 50 ms, plus float error.
    expect(Math.abs(Date.parse(live.body.timestamp) - Date.parse(reading.read_at) - reading.age_seconds * 1000)).toBeLessThanOrEqual(50 + 1e-6);
  });
});
