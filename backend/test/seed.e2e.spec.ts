import { DEMO_CAMERAS, formatSeededStore, issueDemoViewerKey, seedDemoStore } from '../../tools/cli/demo-store.ts';
import { guideBatch } from './guide-examples.ts';
import { startTestApp, type TestApp } from './test-app.ts';

describe('npm run seed (demo store)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

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
    // The guide's entrance and zone events: what an entrance camera (capabilities entrance, zones) may send.
    const batch = guideBatch({ orgId: second.orgId, storeId: 'store_demo_001', cameraId: entrance.camera_id });
    batch.events = batch.events.filter((e) => e.type === 'entrance' || e.type === 'zone');
    const r = await t.call('POST', '/api/ingest/events', { token: entrance.api_key, body: batch });
    expect(r.body).toMatchObject({ accepted: 2 });

    const text = formatSeededStore(second);
    expect(text).toContain(`Organization ID: ${second.orgId}`);
    for (const c of second.cameras) expect(text).toContain(`API Key: ${c.api_key}`);
  });

  it('a re-run revokes the keys it replaces: one live key per demo camera', async () => {
    const first = await seedDemoStore(t.app);
    const second = await seedDemoStore(t.app);
    expect(second.revoked).toBe(3);
    expect(formatSeededStore(second)).toContain('The 3 earlier key(s) of these cameras were revoked');
    const batch = (key: string) =>
      t.call('POST', '/api/ingest/events', { token: key, body: guideBatch({ orgId: second.orgId, storeId: 'store_demo_001', cameraId: 'cam_entrance_01' }) });
    expect((await batch(first.cameras[0].api_key)).status).toBe(401);
    expect((await batch(second.cameras[0].api_key)).status).not.toBe(401);
    const keys = (await t.admin('GET', '/api/admin/edge-keys?store_id=store_demo_001')).body.edge_keys as { camera_id: string; revoked_at: string | null }[];
    expect(
      keys
        .filter((k) => k.revoked_at === null)
        .map((k) => k.camera_id)
        .sort(),
    ).toEqual(DEMO_CAMERAS.map((c) => c.camera_id).sort());
  });

  it("the demo's viewer key: a new one per demo run, the previous one revoked", async () => {
    const { orgId } = await seedDemoStore(t.app);
    const first = await issueDemoViewerKey(t.app, orgId);
    const second = await issueDemoViewerKey(t.app, orgId);
    const stores = (token: string) => t.call('GET', '/api/dashboard/stores', { token });
    expect((await stores(second)).status).toBe(200);
    expect((await stores(first)).status).toBe(401);
  });
});
