import { DEMO_CAMERAS, formatSeededStore, seedDemoStore } from '../src/cli/demo-store.ts';
import { guideBatch } from './guide-examples.ts';
import { startTestApp, type TestApp } from './test-app.ts';

describe('npm run seed (demo store)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('creates the demo store with working keys, and a second run does not fail', async () => {
    const first = await seedDemoStore(t.app);
    const second = await seedDemoStore(t.app);
    expect(second.orgId).toBe(first.orgId);
    expect(first.cameras.map((c) => c.camera_id)).toEqual(['cam_entrance_01', 'cam_zone_01', 'cam_checkout_01']);
    const cams = await t.admin('GET', '/api/admin/cameras?store_id=store_demo_001');
    expect(cams.body.cameras.map((c: { camera_id: string; capabilities: string[] }) => [c.camera_id, c.capabilities])).toEqual(
      expect.arrayContaining(DEMO_CAMERAS.map((c) => [c.camera_id, c.capabilities])),
    );
    expect(cams.body.cameras).toHaveLength(3);

    const entrance = second.cameras[0];
    const r = await t.call('POST', '/api/ingest/events', { token: entrance.api_key, body: guideBatch({ orgId: second.orgId, storeId: 'store_demo_001', cameraId: entrance.camera_id }) });
    expect(r.body).toMatchObject({ accepted: 4 });

    const text = formatSeededStore(second);
    expect(text).toContain(`Organization ID: ${second.orgId}`);
    for (const c of second.cameras) expect(text).toContain(`API Key: ${c.api_key}`);
  });
});
