import { CameraStatus } from '../../src/dashboard/camera-status.service.ts';
import { waitFor } from '../analytics/analytics-harness.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';
import { flushRedis, heartbeat, startSibling } from './dashboard-fixtures.ts';

describe('Camera status (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  const cameras = async () => {
    const r = await t.call('GET', `/api/dashboard/cameras?store_id=${cam.storeId}`, { token: t.config.adminToken });
    expect(r.status).toBe(200);
    return r.body.cameras;
  };

  beforeAll(async () => {
    t = await startTestApp(); // online threshold: 90 s
    cam = await provisionCamera(t, { storeId: 'store_cams', cameraId: 'cam_door', capabilities: ['entrance'] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists a camera that never sent a heartbeat as offline', async () => {
    expect(await cameras()).toEqual([
      { camera_id: 'cam_door', name: 'cam_door', capabilities: ['entrance'], status: 'offline', stream_state: null, last_heartbeat: null, status_data: null },
    ]);
  });

  it('is online after a heartbeat, with its status data', async () => {
    const before = Date.now();
    await heartbeat(t, cam, { fps: 5, stream_state: 'streaming' });
    const [c] = await cameras();
    expect(c).toMatchObject({ camera_id: 'cam_door', status: 'online', status_data: { fps: 5, stream_state: 'streaming' } });
    expect(Date.parse(c.last_heartbeat)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('goes offline once the last heartbeat is older than the threshold', async () => {
    const status = t.app.get(CameraStatus);
    const [c] = await cameras();
    const last = Date.parse(c.last_heartbeat);
    expect((await status.list(cam.storeId, last + 90_000))[0].status).toBe('online');
    expect((await status.list(cam.storeId, last + 90_001))[0].status).toBe('offline');
  });

  it('shows a camera added after the list was cached', async () => {
    const r = await t.admin('POST', '/api/admin/cameras', { store_id: cam.storeId, camera_id: 'cam_aisle', name: 'Aisle', capabilities: ['zones', 'shelves'] });
    expect(r.status).toBe(201);
    expect((await cameras()).map((c: { camera_id: string; status: string }) => [c.camera_id, c.status])).toEqual([
      ['cam_aisle', 'offline'],
      ['cam_door', 'online'],
    ]);
  });

  it('rebuilds the list and last heartbeats from PostgreSQL after a flush, and /live shows the same list', async () => {
    const before = await cameras();
    await flushRedis(t);
    expect(await cameras()).toEqual(before);
    const live = await t.call('GET', `/api/dashboard/live?store_id=${cam.storeId}`, { token: t.config.adminToken });
    expect(live.body.cameras).toEqual(before);
  });

  it('keeps the newest heartbeat when one arrives between a flush and the rebuild', async () => {
    await flushRedis(t);
    await heartbeat(t, cam, { fps: 7 });
    const [, door] = await cameras();
    expect(door).toMatchObject({ status: 'online', status_data: { fps: 7 } });
  });

  it('goes offline over HTTP when heartbeats stop (10 s threshold on a second instance)', async () => {
    // 10 s: each heartbeat-then-read round trip must fit in the window, even on a loaded machine.
    const s = await startSibling({ ...t.config, cameraOnlineSeconds: 10 });
    try {
      const read = async () => {
        const r = await fetch(`${s.baseUrl}/api/dashboard/cameras?store_id=${cam.storeId}`, { headers: { authorization: `Bearer ${t.config.adminToken}` } });
        return (((await r.json()) as { cameras: unknown }).cameras as { camera_id: string; status: string }[]).find((c) => c.camera_id === 'cam_door')!.status;
      };
      await heartbeat(t, cam, { fps: 5 }, s.baseUrl);
      expect(await read()).toBe('online');
      await waitFor('the camera to go offline', async () => (await read()) === 'offline', 90_000);
      await heartbeat(t, cam, { fps: 5 }, s.baseUrl);
      expect(await read()).toBe('online');
    } finally {
      await s.app.close();
    }
  }, 180_000);
});
