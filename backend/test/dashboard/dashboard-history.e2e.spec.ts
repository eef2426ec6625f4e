import { guideBatch } from '../guide-examples.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';
import { iso, postEvents, todayWindow } from './dashboard-fixtures.ts';

/** No heartbeat ever arrived for these stores' cameras: completeness is unknown, which is not "incomplete". */
const UNKNOWN_COMPLETENESS = { store: null, incomplete: false, cameras: expect.any(Object) };

describe('Dashboard history from PostgreSQL, bucketed in store-local time', () => {
  let t: TestApp;
  let kol: ProvisionedCamera;
  let viewer: string;
  const history = async (query: string, token = viewer) => {
    const r = await t.call('GET', `/api/dashboard/history?${query}`, { token });
    expect(r.status).toBe(200);
    return r.body;
  };
  const entrance = (ts: string, direction: string, person: string) => ({ type: 'entrance', ts, direction, person_key: person });
  const zone = (ts: string, zoneId: string, dwell: number, person: string) => ({
    type: 'zone',
    ts,
    zone_id: zoneId,
    enter_ts: iso(Date.parse(ts) - dwell * 1000),
    exit_ts: ts,
    dwell_seconds: dwell,
    person_key: person,
  });

  beforeAll(async () => {
    t = await startTestApp();
    kol = await provisionCamera(t, { storeId: 'store_kol', cameraId: 'cam_1', timezone: 'Asia/Kolkata' });
    viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: kol.orgId, role: 'viewer' })).body.api_key;
    // Asia/Kolkata is UTC+05:30: 18:30Z is local midnight between the 15th and the 16th.
    await postEvents(t, kol, [
      entrance('2024-01-15T04:00:00Z', 'in', 'm1'), // 09:30 local, the morning
      entrance('2024-01-15T17:10:00Z', 'in', 'p1'), // 22:40
      entrance('2024-01-15T18:00:00Z', 'in', 'p2'), // 23:30
      zone('2024-01-15T18:00:00Z', 'z1', 30, 'p2'),
      {
        type: 'queue',
        ts: '2024-01-15T18:00:00Z',
        queue_id: 'q',
        enter_ts: '2024-01-15T17:59:40Z',
        exit_ts: '2024-01-15T18:00:00Z',
        wait_seconds: 20,
        person_key: 'p2',
      },
      entrance('2024-01-15T18:29:59Z', 'out', 'p1'), // 23:59:59
      entrance('2024-01-15T18:30:00Z', 'in', 'p3'), // 00:00 on the 16th
      zone('2024-01-15T18:30:00Z', 'z1', 50, 'p3'),
      entrance('2024-01-15T19:45:00Z', 'out', 'p2'), // 01:15
      entrance('2024-01-15T19:46:00Z', 'out', 'p3'),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('splits days at local midnight in Asia/Kolkata', async () => {
    const h = await history('store_id=store_kol&from=2024-01-15&to=2024-01-17&granularity=day');
    expect(h).toEqual({
      store_id: 'store_kol',
      timezone: 'Asia/Kolkata',
      granularity: 'day',
      from: '2024-01-14T18:30:00.000Z',
      to: '2024-01-16T18:30:00.000Z',
      buckets: [
        {
          bucket: '2024-01-15',
          footfall: 3,
          occupancy: 2,
          occupancy_avg: expect.any(Number),
          occupancy_peak: expect.any(Number),
          closed_out: 0,
          zones: { z1: { entries: 1, unique_visitors: 1, avg_dwell: 30 } },
          shelves: {},
          queues: { q: { waits: 1, avg_wait: 20, max_wait: 20 } },
          completeness: UNKNOWN_COMPLETENESS,
          sales: null,
        },
        {
          bucket: '2024-01-16',
          footfall: 1,
          occupancy: 0,
          occupancy_avg: expect.any(Number),
          occupancy_peak: expect.any(Number),
          closed_out: 0,
          zones: { z1: { entries: 1, unique_visitors: 1, avg_dwell: 50 } },
          shelves: {},
          queues: {},
          completeness: UNKNOWN_COMPLETENESS,
          sales: null,
        },
      ],
      corrections: [],
      completeness_threshold: 0.9,
    });
  });

  it('buckets local hours, carries occupancy from the morning and restarts it at midnight', async () => {
    // 17:00Z-20:00Z is 22:30-01:30 local; the timestamp's '+' arrives URL-encoded here.
    const h = await history('store_id=store_kol&granularity=hour&from=2024-01-15T22:30:00%2B05:30&to=2024-01-15T20:00:00Z');
    expect(h.from).toBe('2024-01-15T17:00:00.000Z');
    expect(h.buckets.map((b: { bucket: string; footfall: number; occupancy: number }) => [b.bucket, b.footfall, b.occupancy])).toEqual([
      ['2024-01-15T22:00', 1, 2],
      ['2024-01-15T23:00', 1, 2],
      ['2024-01-16T00:00', 1, 1],
      ['2024-01-16T01:00', 0, 0],
    ]);
    expect(h.buckets[1].zones).toEqual({ z1: { entries: 1, unique_visitors: 1, avg_dwell: 30 } });
  });

  it('takes a "+" offset that arrived as a space (an un-encoded query string)', async () => {
    const h = await history('store_id=store_kol&granularity=hour&from=2024-01-15T22:30:00+05:30&to=2024-01-15T20:00:00Z');
    expect(h.from).toBe('2024-01-15T17:00:00.000Z');
  });

  it('returns the guide example events as one hour and one day in a UTC store, empty buckets included', async () => {
    const utc = await provisionCamera(t, { orgId: kol.orgId, storeId: 'store_utc', cameraId: 'cam_entrance_01', timezone: 'UTC' });
    await postEvents(t, utc, guideBatch(utc).events);
    const metrics = {
      footfall: 1,
      occupancy: 1,
      occupancy_avg: expect.any(Number),
      occupancy_peak: 1,
      closed_out: 0,
      zones: { electronics: { entries: 1, unique_visitors: 1, avg_dwell: 90 } },
      shelves: { shelf_A1: { interactions: 1, avg_dwell: 12.5 } },
      queues: { checkout_1: { waits: 1, avg_wait: 100, max_wait: 100 } },
      completeness: UNKNOWN_COMPLETENESS,
      sales: null,
    };
    const day = await history('store_id=store_utc&from=2024-01-15&to=2024-01-16');
    expect(day.buckets).toEqual([{ bucket: '2024-01-15', ...metrics }]);
    const hours = await history('store_id=store_utc&from=2024-01-15&to=2024-01-16&granularity=hour');
    expect(hours.buckets).toHaveLength(24);
    expect(hours.buckets[10]).toEqual({ bucket: '2024-01-15T10:00', ...metrics });
    expect(hours.buckets[9]).toEqual({
      bucket: '2024-01-15T09:00',
      footfall: 0,
      occupancy: 0,
      occupancy_avg: 0,
      occupancy_peak: 0,
      closed_out: 0,
      zones: {},
      shelves: {},
      queues: {},
      completeness: UNKNOWN_COMPLETENESS,
      sales: null,
    });
    expect(hours.buckets[11].occupancy).toBe(1); // still inside: occupancy holds until someone leaves
  });

  it('follows DST in America/Los_Angeles: 23 local hours in March, 24 labels with a doubled 01:00 in November', async () => {
    const la = await provisionCamera(t, { orgId: kol.orgId, storeId: 'store_la', cameraId: 'cam_1', timezone: 'America/Los_Angeles' });
    await postEvents(t, la, [
      entrance('2024-11-03T08:30:00Z', 'in', 'a'), // 01:30 PDT
      entrance('2024-11-03T09:30:00Z', 'in', 'b'), // 01:30 PST, an hour later
    ]);
    const spring = await history('store_id=store_la&from=2024-03-10&to=2024-03-11&granularity=hour');
    expect(spring.buckets).toHaveLength(23);
    expect(spring.buckets.map((b: { bucket: string }) => b.bucket)).not.toContain('2024-03-10T02:00');
    const autumn = await history('store_id=store_la&from=2024-11-03&to=2024-11-04&granularity=hour');
    expect(autumn.buckets).toHaveLength(24);
    expect(autumn.buckets[1]).toMatchObject({ bucket: '2024-11-03T01:00', footfall: 2 });
  });

  it('counts the first of a twice-struck local midnight on its own day (Atlantic/Azores, 2024-10-27)', async () => {
    // Clocks go back from 01:00 (UTC+0) to 00:00 (UTC-1) at 01:00Z: local 00:00-01:00 on the 27th happens twice,
    // from 00:00Z and again from 01:00Z. Both belong to the 27th, by day and by hour.
    const az = await provisionCamera(t, { orgId: kol.orgId, storeId: 'store_az', cameraId: 'cam_1', timezone: 'Atlantic/Azores' });
    await postEvents(t, az, [
      entrance('2024-10-26T23:59:00Z', 'in', 'a'), // 23:59 on the 26th (UTC+0)
      entrance('2024-10-27T00:30:00Z', 'in', 'b'), // 00:30 on the 27th, the first time
      entrance('2024-10-27T01:30:00Z', 'in', 'c'), // 00:30 on the 27th, the second time
    ]);
    const days = await history('store_id=store_az&from=2024-10-26&to=2024-10-28&granularity=day');
    expect(days.buckets.map((b: { bucket: string; footfall: number }) => [b.bucket, b.footfall])).toEqual([
      ['2024-10-26', 1],
      ['2024-10-27', 2],
    ]);
    const hours = await history('store_id=store_az&from=2024-10-27&to=2024-10-28&granularity=hour');
    expect(hours.buckets[0]).toMatchObject({ bucket: '2024-10-27T00:00', footfall: 2 });
  });

  it('agrees with the live view for today', async () => {
    const today = todayWindow();
    const cam = await provisionCamera(t, { orgId: kol.orgId, storeId: 'store_today', cameraId: 'cam_1', timezone: today.tz });
    await postEvents(t, cam, [
      ...guideBatch(cam, iso(today.base)).events,
      entrance(iso(today.base + 1_000), 'in', 'x'),
      entrance(iso(today.base + 2_000), 'out', 'x'),
      zone(iso(today.base + 3_000), 'electronics', 33.3, 'x'),
    ]);
    const live = (await t.call('GET', '/api/dashboard/live?store_id=store_today', { token: viewer })).body;
    const h = await history(`store_id=store_today&from=${today.date}&to=${today.date}T23:59:59Z&granularity=day`);
    const bucket = h.buckets.find((b: { bucket: string }) => b.bucket === today.date);
    const { bucket: _b, completeness: _c, sales: _s, ...metrics } = bucket;
    expect(metrics).toEqual({
      footfall: live.footfall,
      occupancy: live.occupancy,
      occupancy_avg: expect.any(Number),
      occupancy_peak: expect.any(Number),
      closed_out: live.closed_out,
      zones: live.zones,
      shelves: live.shelves,
      queues: live.queues,
    });
    expect(metrics.zones.electronics).toEqual({ entries: 2, unique_visitors: 2, avg_dwell: 61.65 });
  });
});
