// A disabled or deleted store (or one of a disabled organisation) accepts no data: its cameras look dead and its
// footfall stops, so its alerts are not evaluated — they would all misfire. Its open episodes resolve with the
// reason, and once enabled again its clocks start afresh. Real PostgreSQL and Redis; an active store is the control.
import { DataSource } from 'typeorm';
import { AlertsWorkers } from '../src/alerts/alerts-workers.service.ts';
import { ALERT_JOB } from '../src/alerts/alerts.queues.ts';
import { HourlyRollup } from '../src/analytics/hourly-rollup.service.ts';
import { HourlySpikeCheck } from '../src/analytics/hourly-spike-check.service.ts';
import { addDays, localDate, startOfLocalDay } from '../src/common/store-clock.ts';
import { entrances, seededRandom } from './analytics/analytics-harness.ts';
import { heartbeat, postEvents } from './dashboard/dashboard-fixtures.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from './test-app.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

describe('alerts of stores that accept no data stand down (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // An hour's online window: a camera heard from minutes of injected time ago is "heard from", not offline.
    t = await startTestApp({ cameraOnlineSeconds: 3600 });
  });
  afterAll(async () => {
    await t?.close();
  });

  const minute = async (nowMs: number) =>
    ((await t.app.get(AlertsWorkers).process({ name: ALERT_JOB.minute, data: {} } as never, nowMs)) as { stores: number }).stores;
  const episodes = (storeId: string) =>
    t.app.get(DataSource).query(`SELECT type, subject, state, resolve_evidence FROM alerts WHERE store_id = $1 ORDER BY fired_at`, [storeId]) as Promise<
      { type: string; subject: string; state: string; resolve_evidence: Record<string, unknown> | null }[]
    >;
  /** A camera whose stream stalled (heard from, not analysing): camera_not_analysing fires 5 minutes on. */
  const stalled = async (storeId: string, orgId?: string) => {
    const cam = await provisionCamera(t, { orgId, storeId, cameraId: 'cam_1' });
    await heartbeat(t, cam, { stream_state: 'stalled' });
    return cam;
  };

  it('camera_not_analysing: fires for the active store only; an open episode resolves when its store or organisation is disabled or deleted', async () => {
    const active = await stalled('sd_active');
    const disabled = await stalled('sd_disabled', active.orgId);
    const orgDisabled = await stalled('sd_org_disabled');
    const openThenDisabled = await stalled('sd_open_disabled', active.orgId);
    const openThenDeleted = await stalled('sd_open_deleted', active.orgId);
    const openThenOrgDisabled = await stalled('sd_open_org_disabled');
    const t0 = Date.now();
    expect((await t.admin('PATCH', `/api/admin/stores/${disabled.storeId}`, { disabled: true })).status).toBe(200);
    expect((await t.admin('PATCH', `/api/admin/orgs/${orgDisabled.orgId}`, { disabled: true })).status).toBe(200);

    // Clocks start, then 5 minutes on the watched stores fire; the disabled ones are not evaluated at all.
    expect(await minute(t0)).toBe(4);
    expect(await minute(t0 + 5 * MIN)).toBe(4);
    for (const cam of [active, openThenDisabled, openThenDeleted, openThenOrgDisabled]) {
      expect({ store: cam.storeId, episodes: await episodes(cam.storeId) }).toEqual({
        store: cam.storeId,
        episodes: [{ type: 'camera_not_analysing', subject: 'cam_1', state: 'firing', resolve_evidence: null }],
      });
    }
    for (const cam of [disabled, orgDisabled])
      expect({ store: cam.storeId, episodes: await episodes(cam.storeId) }).toEqual({ store: cam.storeId, episodes: [] });

    // Disabled, deleted (data kept), organisation disabled: the next minute ends each episode, naming why.
    expect((await t.admin('PATCH', `/api/admin/stores/${openThenDisabled.storeId}`, { disabled: true })).status).toBe(200);
    expect((await t.admin('DELETE', `/api/admin/stores/${openThenDeleted.storeId}?data=keep`)).status).toBe(200);
    expect((await t.admin('PATCH', `/api/admin/orgs/${openThenOrgDisabled.orgId}`, { disabled: true })).status).toBe(200);
    expect(await minute(t0 + 6 * MIN)).toBe(1);
    const resolved = (reason: string) => [{ type: 'camera_not_analysing', subject: 'cam_1', state: 'resolved', resolve_evidence: { reason } }];
    expect(await episodes(openThenDisabled.storeId)).toEqual(resolved('store disabled'));
    expect(await episodes(openThenDeleted.storeId)).toEqual(resolved('store deleted'));
    expect(await episodes(openThenOrgDisabled.storeId)).toEqual(resolved('organisation disabled'));
    // The control is still firing: standing down is per store.
    expect((await episodes(active.storeId)).map((e) => e.state)).toEqual(['firing']);

    // Enabled again with its camera still stalled: the clock starts afresh rather than from before it was disabled.
    expect((await t.admin('PATCH', `/api/admin/stores/${openThenDisabled.storeId}`, { disabled: false })).status).toBe(200);
    await heartbeat(t, openThenDisabled, { stream_state: 'stalled' });
    await minute(t0 + 7 * MIN);
    expect((await episodes(openThenDisabled.storeId)).map((e) => e.state)).toEqual(['resolved']);
    await minute(t0 + 12 * MIN);
    expect((await episodes(openThenDisabled.storeId)).map((e) => e.state)).toEqual(['resolved', 'firing']);
  });

  it('traffic_spike: the hourly analysis does not judge a disabled store, whose rollups the hourly sweep still makes', async () => {
    const yesterday = addDays(localDate(Date.now(), 'UTC'), -1);
    const spikeHour = startOfLocalDay(yesterday, 'UTC') + 15 * HOUR;
    const from = startOfLocalDay(addDays(yesterday, -16), 'UTC');
    const spiky = async (storeId: string, orgId?: string): Promise<ProvisionedCamera> => {
      const cam = await provisionCamera(t, { orgId, storeId, cameraId: 'door', timezone: 'UTC', capabilities: ['entrance'] });
      await t.admin('PUT', `/api/admin/stores/${storeId}/alert-rules`, { camera_not_analysing: { enabled: false } });
      // Fifteen days of 5 visitors at 15:00 and 16:00, then 40 at 15:00 yesterday.
      const random = seededRandom(7);
      const events = [];
      for (let d = 15; d >= 1; d--) {
        const day = startOfLocalDay(addDays(yesterday, -d), 'UTC');
        events.push(...entrances(day + 15 * HOUR, 5, 'h', random), ...entrances(day + 16 * HOUR, 5, 'h', random));
      }
      events.push(...entrances(spikeHour, 40, 's', random), ...entrances(spikeHour + HOUR, 5, 's', random));
      await postEvents(t, cam, events);
      await t.app.get(HourlyRollup).rollUp(storeId, from, spikeHour + 2 * HOUR);
      return cam;
    };
    const control = await spiky('sd_spike_active');
    await spiky('sd_spike_disabled', control.orgId);
    const orgDisabled = await spiky('sd_spike_org_disabled');
    expect((await t.admin('PATCH', '/api/admin/stores/sd_spike_disabled', { disabled: true })).status).toBe(200);
    expect((await t.admin('PATCH', `/api/admin/orgs/${orgDisabled.orgId}`, { disabled: true })).status).toBe(200);

    // The rollup worker's path at 16:05, as after the hourly sweep's rollup.
    const check = t.app.get(HourlySpikeCheck);
    for (const storeId of ['sd_spike_active', 'sd_spike_disabled', 'sd_spike_org_disabled'])
      await check.afterRollup(storeId, from, spikeHour + 2 * HOUR, spikeHour + HOUR + 5 * MIN);
    expect((await episodes('sd_spike_active')).map((e) => [e.type, e.state])).toEqual([['traffic_spike', 'firing']]);
    expect(await episodes('sd_spike_disabled')).toEqual([]);
    expect(await episodes('sd_spike_org_disabled')).toEqual([]);
  }, 60_000);
});
