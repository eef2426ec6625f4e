import { ReadableStores } from '../../src/admin/readable-stores.service.ts';
import { localMinuteAt } from '../../src/common/store-clock.ts';
import { LiveStoreMetrics, type LiveStoreView } from '../../src/dashboard/live-store-metrics.service.ts';
import { OccupancyCorrections } from '../../src/dashboard/occupancy-corrections.service.ts';
import type { StoreHistoryView } from '../../src/dashboard/store-history.service.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';
import { comparable, flushRedis, iso, postEvents, todayWindow } from './dashboard-fixtures.ts';

const hm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const everyDay = (ranges: [string, string][]) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ranges]));
/** The view without its timestamp and the controller's additions (queue_lengths): what Redis and PostgreSQL must agree on. */
const same = (v: LiveStoreView) => {
  const { queue_lengths: _q, ...rest } = comparable(v) as LiveStoreView & { queue_lengths?: unknown };
  return rest;
};
const entrance = (ts: number, direction: 'in' | 'out', person: string) => ({ type: 'entrance', ts: iso(ts), direction, person_key: person });

describe('Occupancy with opening hours and capacity (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  const today = todayWindow();
  const dayStart = today.base - 60_000;
  // Today: a morning range that has closed (from local midnight to 8 minutes ago), a gap, and a range open now.
  const nowMinute = Math.floor(localMinuteAt(Date.now(), today.tz));
  const closedRange: [string, string] = ['00:00', hm(nowMinute - 8)];
  const openRange: [string, string] = [hm(nowMinute - 5), '24:00'];
  const closedAt = dayStart + (nowMinute - 8) * 60_000;

  const live = async () => {
    const r = await t.call('GET', `/api/dashboard/live?store_id=${cam.storeId}`, { token: t.config.adminToken });
    expect(r.status).toBe(200);
    return r.body as LiveStoreView;
  };
  const fromPostgres = async () => t.app.get(LiveStoreMetrics).liveFromPostgres((await t.app.get(ReadableStores).lookup(cam.storeId))!);

  beforeAll(async () => {
    t = await startTestApp();
    cam = await provisionCamera(t, { storeId: 'store_hours', cameraId: 'cam_entrance_01', timezone: today.tz, capabilities: ['entrance'] });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('admin API', () => {
    it("creates a store with opening hours and capacity; GET lists them, to the admin and to the organisation's viewers", async () => {
      const hours = everyDay([
        ['09:00', '12:30'],
        ['14:00', '20:00'],
      ]);
      const r = await t.admin('POST', '/api/admin/stores', {
        org_id: cam.orgId,
        store_id: 'store_split',
        name: 'Split',
        timezone: 'Europe/London',
        opening_hours: hours,
        capacity: 40,
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ store_id: 'store_split', opening_hours: hours, capacity: 40 });
      const viewer = await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' });
      const listed = await t.call('GET', '/api/dashboard/stores', { token: viewer.body.api_key });
      expect(listed.body.stores).toEqual([
        { store_id: 'store_hours', name: 'Store store_hours', timezone: today.tz, opening_hours: null, capacity: null },
        { store_id: 'store_split', name: 'Split', timezone: 'Europe/London', opening_hours: hours, capacity: 40 },
      ]);
      expect((await t.admin('GET', `/api/admin/stores?org_id=${cam.orgId}`)).body.stores[1]).toMatchObject({ opening_hours: hours, capacity: 40 });
    });

    it.each([
      [
        { opening_hours: { ...everyDay([['09:00', '20:00']]), mon: [['9am', '20:00']] } },
        'opening_hours.mon[0][0]',
        'must be a time "HH:MM" from 00:00 to 24:00',
      ],
      [
        { opening_hours: { ...everyDay([['09:00', '20:00']]), fri: [['22:00', '02:00']] } },
        'opening_hours.fri[0][1]',
        'must be after the opening time 22:00: hours past midnight are not supported (close at 24:00 and open at 00:00 the next day)',
      ],
      [
        {
          opening_hours: {
            ...everyDay([['09:00', '20:00']]),
            sat: [
              ['09:00', '13:00'],
              ['12:00', '18:00'],
            ],
          },
        },
        'opening_hours.sat[1][0]',
        'overlaps or touches the range 09:00–13:00: ranges of a day must be separate (merge them)',
      ],
      [{ opening_hours: { mon: [] } }, 'opening_hours.tue', 'is required'],
      [{ capacity: 0 }, 'capacity', 'must be a positive whole number'],
      [{ capacity: 2.5 }, 'capacity', 'must be a whole number'],
      [{ timezone: 'UTC' }, 'timezone', 'is not a known field'],
      [{}, '(body)', 'must name at least one of name, opening_hours, capacity, disabled'],
    ])('PATCH %j → 400 naming %s', async (body, field, message) => {
      const r = await t.admin('PATCH', '/api/admin/stores/store_split', body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ field, message: `${field}: ${message}` });
    });

    it('PATCH changes only what is sent, null clears; a missing store is a 404; a viewer key cannot', async () => {
      const r = await t.admin('PATCH', '/api/admin/stores/store_split', { capacity: null });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        name: 'Split',
        capacity: null,
        opening_hours: expect.objectContaining({
          sun: [
            ['09:00', '12:30'],
            ['14:00', '20:00'],
          ],
        }),
      });
      expect((await t.admin('PATCH', '/api/admin/stores/store_split', { opening_hours: null })).body.opening_hours).toBeNull();
      expect((await t.admin('PATCH', '/api/admin/stores/nope', { capacity: 3 })).status).toBe(404);
      const viewer = await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' });
      expect((await t.call('PATCH', '/api/admin/stores/store_split', { token: viewer.body.api_key, body: { capacity: 3 } })).status).toBe(401);
    });
  });

  describe('live and history', () => {
    it('without hours: as before (day from local midnight), no utilisation, nobody closed out', async () => {
      await postEvents(t, cam, [entrance(dayStart + 60_000, 'in', 'a'), entrance(dayStart + 90_000, 'in', 'b'), entrance(dayStart + 120_000, 'out', 'a')]);
      expect(await live()).toMatchObject({ footfall: 2, occupancy: 1, capacity: null, utilisation: null, open: null, closed_out: 0, opening_hours: null });
    });

    it('with hours: resets at the opening, closes out who is left at closing, utilisation from capacity; Redis = PostgreSQL', async () => {
      const patched = await t.admin('PATCH', `/api/admin/stores/${cam.storeId}`, { opening_hours: everyDay([closedRange, openRange]), capacity: 4 });
      expect(patched.status).toBe(200);
      const now = Date.now();
      await postEvents(t, cam, [
        entrance(closedAt + 60_000, 'in', 'staff'), // between the ranges: footfall, not occupancy
        entrance(now - 60_000, 'in', 'c'),
        entrance(now - 59_000, 'in', 'd'),
        entrance(now - 30_000, 'out', 'c'),
      ]);
      // The morning range had 2 in, 1 out (the test above): 1 closed out at its closing.
      const v = await live();
      expect(v).toMatchObject({
        footfall: 5,
        occupancy: 1,
        capacity: 4,
        utilisation: 0.25,
        open: true,
        closed_out: 1,
        opening_hours: [closedRange, openRange],
      });
      expect(same(await fromPostgres())).toEqual(same(v));
      await flushRedis(t);
      expect(same(await live())).toEqual(same(v)); // rebuilt from PostgreSQL
    });

    it('history: hourly average and peak, closings in their hour, the same as the live view now', async () => {
      const r = await t.call(
        'GET',
        `/api/dashboard/history?store_id=${cam.storeId}&from=${today.date}&to=${new Date(Date.now() + 1000).toISOString()}&granularity=hour`,
        { token: t.config.adminToken },
      );
      expect(r.status).toBe(200);
      const h = r.body as StoreHistoryView;
      expect(h.buckets.reduce((n, b) => n + b.closed_out, 0)).toBe(1);
      const last = h.buckets[h.buckets.length - 1];
      expect(last.occupancy).toBe(1);
      expect(last.occupancy_peak).toBeGreaterThanOrEqual(1);
      for (const b of h.buckets) {
        expect(b.occupancy_avg).toBeGreaterThanOrEqual(0);
        expect(b.occupancy_avg!).toBeLessThanOrEqual(b.occupancy_peak!);
      }
      expect(h.buckets[0].occupancy_peak).toBeGreaterThanOrEqual(1); // 2 in, 1 out just after midnight (the first range)
      const day = await t.call(
        'GET',
        `/api/dashboard/history?store_id=${cam.storeId}&from=${today.date}&to=${new Date(Date.now() + 1000).toISOString()}&granularity=day`,
        { token: t.config.adminToken },
      );
      expect(day.body.buckets[0]).toMatchObject({ footfall: 5, closed_out: 1, occupancy: 1, occupancy_peak: 2 });
    });

    it("records each closing's correction once, corrects it when late events arrive, and the history lists it", async () => {
      const corrections = t.app.get(OccupancyCorrections);
      // The closings of the last 48 h: today's morning range, and yesterday's and the day before's (nobody inside).
      expect(await corrections.recordDue(Date.now(), [cam.storeId])).toBeGreaterThanOrEqual(2);
      expect(await corrections.recordDue(Date.now(), [cam.storeId])).toBe(0); // unchanged: not rewritten
      await postEvents(t, cam, [entrance(dayStart + 150_000, 'out', 'b')]); // late: b left in the morning after all
      expect(await corrections.recordDue(Date.now(), [cam.storeId])).toBe(1);
      const r = await t.call(
        'GET',
        `/api/dashboard/history?store_id=${cam.storeId}&from=${today.date}&to=${new Date(Date.now() + 1000).toISOString()}&granularity=day`,
        { token: t.config.adminToken },
      );
      expect(r.body.corrections).toEqual([
        {
          date: today.date,
          opened_at: iso(dayStart),
          closed_at: iso(closedAt),
          count: 0,
          reason: 'still counted inside at closing (in − out since the opening), closed out',
          recorded_at: expect.any(String),
        },
      ]);
      expect(r.body.buckets[0].closed_out).toBe(0);
      expect((await live()).closed_out).toBe(0);
    });

    it('new hours start new counters at once (rebuilt from PostgreSQL); a closed day counts nobody inside', async () => {
      await t.admin('PATCH', `/api/admin/stores/${cam.storeId}`, { opening_hours: everyDay([]) });
      const v = await live();
      expect(v).toMatchObject({ footfall: 5, occupancy: 0, open: false, closed_out: 0, opening_hours: [], utilisation: 0 });
      expect(same(await fromPostgres())).toEqual(same(v));
    });
  });
});
