import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './test-app.ts';

describe('Admin API (real PostgreSQL)', () => {
  let t: TestApp;
  let orgId: string;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates and lists organisations', async () => {
    const r = await t.admin('POST', '/api/admin/orgs', { name: 'Acme Retail' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Acme Retail' });
    orgId = r.body.id;
    const list = await t.admin('GET', '/api/admin/orgs');
    expect(list.body.orgs.map((o: { id: string }) => o.id)).toContain(orgId);
  });

  it('creates a store with a validated IANA time zone, unique across organisations', async () => {
    const ok = await t.admin('POST', '/api/admin/stores', { org_id: orgId, store_id: 'store_demo_001', name: 'Demo Store', timezone: 'Asia/Kolkata' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ org_id: orgId, store_id: 'store_demo_001', name: 'Demo Store', timezone: 'Asia/Kolkata' });

    const other = await t.admin('POST', '/api/admin/orgs', { name: 'Other' });
    const dup = await t.admin('POST', '/api/admin/stores', { org_id: other.body.id, store_id: 'store_demo_001', name: 'Copy', timezone: 'UTC' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe('store_id: store_demo_001 already exists');

    const badTz = await t.admin('POST', '/api/admin/stores', { org_id: orgId, store_id: 's2', name: 'x', timezone: 'Mars/Olympus' });
    expect(badTz.status).toBe(400);
    expect(badTz.body).toMatchObject({ field: 'timezone', message: 'timezone: must be an IANA time zone such as Europe/London or Asia/Kolkata' });

    const noOrg = await t.admin('POST', '/api/admin/stores', { org_id: '00000000-0000-4000-8000-000000000000', store_id: 's3', name: 'x', timezone: 'UTC' });
    expect(noOrg.status).toBe(404);
    expect(noOrg.body.field).toBe('org_id');

    const listed = await t.admin('GET', `/api/admin/stores?org_id=${orgId}`);
    expect(listed.body.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['store_demo_001']);
  });

  it('creates cameras unique within their store, with capabilities checked', async () => {
    const ok = await t.admin('POST', '/api/admin/cameras', {
      store_id: 'store_demo_001',
      camera_id: 'cam_entrance_01',
      name: 'Main Entrance Camera',
      capabilities: ['entrance', 'zones'],
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ store_id: 'store_demo_001', camera_id: 'cam_entrance_01', capabilities: ['entrance', 'zones'] });
    const dup = await t.admin('POST', '/api/admin/cameras', {
      store_id: 'store_demo_001',
      camera_id: 'cam_entrance_01',
      name: 'again',
      capabilities: ['entrance'],
    });
    expect(dup.status).toBe(409);
    expect(dup.body.field).toBe('camera_id');
    const badCap = await t.admin('POST', '/api/admin/cameras', {
      store_id: 'store_demo_001',
      camera_id: 'cam_x',
      name: 'x',
      capabilities: ['entrance', 'teleport'],
    });
    expect(badCap.status).toBe(400);
    expect(badCap.body.message).toBe('capabilities[1]: must be one of entrance, zones, shelves, queue');
    const noStore = await t.admin('POST', '/api/admin/cameras', { store_id: 'nope', camera_id: 'cam_x', name: 'x', capabilities: ['entrance'] });
    expect(noStore.status).toBe(404);
    expect(noStore.body.message).toBe('store_id: store nope does not exist');
    const list = await t.admin('GET', '/api/admin/cameras?store_id=store_demo_001');
    expect(list.body.cameras).toHaveLength(1);
  });

  it('issues an edge key once, lists it without the secret, and revokes it', async () => {
    const r = await t.admin('POST', '/api/admin/edge-keys', { org_id: orgId, store_id: 'store_demo_001', camera_id: 'cam_entrance_01' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(String),
      api_key: expect.stringMatching(/^wink_edge_[A-Za-z0-9_-]{43}$/),
      store_id: 'store_demo_001',
      camera_id: 'cam_entrance_01',
      message: "Store this API key securely - it won't be shown again!",
    });
    const list = await t.admin('GET', '/api/admin/edge-keys?store_id=store_demo_001');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(r.body.api_key);
    expect(list.body.edge_keys[0]).toMatchObject({ id: r.body.id, key_prefix: r.body.api_key.slice(0, 16), revoked_at: null });

    const stored = await t.app.get((await import('typeorm')).DataSource).query('SELECT key_hash FROM edge_keys WHERE id = $1', [r.body.id]);
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0].key_hash).not.toContain(r.body.api_key);

    const del = await t.admin('DELETE', `/api/admin/edge-keys/${r.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body.revoked_at).toEqual(expect.any(String));
    const missing = await t.admin('DELETE', '/api/admin/edge-keys/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });

  it('refuses a key for a camera that does not exist or a store of another organisation', async () => {
    const noCam = await t.admin('POST', '/api/admin/edge-keys', { org_id: orgId, store_id: 'store_demo_001', camera_id: 'ghost' });
    expect(noCam.status).toBe(404);
    expect(noCam.body.field).toBe('camera_id');
    const other = await t.admin('POST', '/api/admin/orgs', { name: 'Third' });
    const wrongOrg = await t.admin('POST', '/api/admin/edge-keys', { org_id: other.body.id, store_id: 'store_demo_001', camera_id: 'cam_entrance_01' });
    expect(wrongOrg.status).toBe(400);
    expect(wrongOrg.body.field).toBe('store_id');
  });

  it('requires the admin token', async () => {
    const none = await t.call('GET', '/api/admin/orgs');
    expect(none.status).toBe(401);
    expect(none.body.message).toContain('admin token required');
    const wrong = await t.call('GET', '/api/admin/orgs', { token: TEST_ADMIN_TOKEN + 'x' });
    expect(wrong.status).toBe(401);
  });

  it('names the field on malformed admin bodies', async () => {
    const r = await t.admin('POST', '/api/admin/orgs', { name: '' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ statusCode: 400, field: 'name', message: 'name: must not be empty' });
    const extra = await t.admin('POST', '/api/admin/orgs', { name: 'x', colour: 'red' });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toBe('colour: is not a known field');
  });
});
