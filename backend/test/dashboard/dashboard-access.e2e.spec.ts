import { DataSource } from 'typeorm';
import { ReadableStores } from '../../src/admin/readable-stores.service.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';

describe('Dashboard access: viewer keys per organisation (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let camA: ProvisionedCamera;
  let camB: ProvisionedCamera;
  let viewerA: string;
  let viewerB: string;

  const get = (path: string, token: string | null) => t.call('GET', path, { token });

  beforeAll(async () => {
    t = await startTestApp();
    camA = await provisionCamera(t, { storeId: 'store_a', cameraId: 'cam_1' });
    camB = await provisionCamera(t, { storeId: 'store_b', cameraId: 'cam_1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('issues a viewer key once, stores only its SHA-256, and lists it without the secret', async () => {
    const r = await t.admin('POST', '/api/admin/api-keys', { org_id: camA.orgId, role: 'viewer', name: 'Store manager tablet' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(String),
      api_key: expect.stringMatching(/^wink_view_[A-Za-z0-9_-]{43}$/),
      org_id: camA.orgId,
      role: 'viewer',
      name: 'Store manager tablet',
      message: "Store this API key securely - it won't be shown again!",
    });
    viewerA = r.body.api_key;
    viewerB = (await t.admin('POST', '/api/admin/api-keys', { org_id: camB.orgId, role: 'viewer' })).body.api_key;

    const list = await t.admin('GET', `/api/admin/api-keys?org_id=${camA.orgId}`);
    expect(list.status).toBe(200);
    expect(list.body.api_keys).toEqual([
      {
        id: r.body.id,
        key_prefix: viewerA.slice(0, 16),
        org_id: camA.orgId,
        role: 'viewer',
        name: 'Store manager tablet',
        created_at: expect.any(String),
        revoked_at: null,
      },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(viewerA);
    const rows = await t.app.get(DataSource).query('SELECT key_hash FROM viewer_keys WHERE id = $1', [r.body.id]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(viewerA.slice(10));
  });

  it.each([
    [{ org_id: 'x', role: 'viewer' }, 400, 'org_id', 'org_id: must be a UUID'],
    [{ org_id: '00000000-0000-4000-8000-000000000000', role: 'admin' }, 400, 'role', 'role: must be "viewer"'],
    [{ org_id: '00000000-0000-4000-8000-000000000000' }, 400, 'role', 'role: is required'],
    [
      { org_id: '00000000-0000-4000-8000-000000000000', role: 'viewer' },
      404,
      'org_id',
      'org_id: organisation 00000000-0000-4000-8000-000000000000 does not exist',
    ],
    [{ org_id: '00000000-0000-4000-8000-000000000000', role: 'viewer', scope: 'all' }, 400, 'scope', 'scope: is not a known field'],
  ])('refuses to issue a key for %j: %i naming %s', async (body, status, field, message) => {
    const r = await t.admin('POST', '/api/admin/api-keys', body);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ statusCode: status, field, message });
  });

  it('answers 401 without a token, with an unknown token, and with a fake viewer key', async () => {
    for (const token of [null, 'not-a-key', 'wink_view_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const r = await get('/api/dashboard/live?store_id=store_a', token);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ statusCode: 401, field: 'authorization' });
      expect(r.body.message).toMatch(/^authorization: /);
    }
    expect((await get('/api/dashboard/live?store_id=store_a', null)).body.message).toBe(
      'authorization: missing Bearer token (a viewer API key or the admin token)',
    );
  });

  it('answers 403 to an edge key: edge keys write, they do not read', async () => {
    for (const path of [
      '/api/dashboard/live?store_id=store_a',
      '/api/dashboard/cameras?store_id=store_a',
      '/api/dashboard/history?store_id=store_a&from=2024-01-01&to=2024-01-02',
    ]) {
      const r = await get(path, camA.apiKey);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ field: 'authorization', message: 'authorization: an edge key can only send events; read with a viewer API key' });
    }
  });

  it("lets a viewer read its own organisation's stores, and answers 404 for another's exactly as for a missing store", async () => {
    for (const path of ['live?store_id=', 'cameras?store_id=', 'history?from=2024-01-01&to=2024-01-02&store_id=']) {
      expect((await get(`/api/dashboard/${path}store_a`, viewerA)).status).toBe(200);
      const foreign = await get(`/api/dashboard/${path}store_b`, viewerA);
      const missing = await get(`/api/dashboard/${path}store_zz`, viewerA);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual({ statusCode: 404, error: 'Not Found', field: 'store_id', message: 'store_id: store store_b does not exist' });
      expect(missing.body).toEqual({ ...foreign.body, message: 'store_id: store store_zz does not exist' });
      expect((await get(`/api/dashboard/${path}store_a`, viewerB)).status).toBe(404);
    }
  });

  it('lets the admin token read every organisation', async () => {
    expect((await get('/api/dashboard/live?store_id=store_a', t.config.adminToken)).status).toBe(200);
    expect((await get('/api/dashboard/live?store_id=store_b', t.config.adminToken)).status).toBe(200);
  });

  it('scopes cross-store reads for services (ReadableStores.list / orgScope)', async () => {
    const stores = t.app.get(ReadableStores);
    const viewer = { role: 'viewer' as const, orgId: camA.orgId, keyId: 'k' };
    expect((await stores.list(viewer)).map((s) => s.store_id)).toEqual(['store_a']);
    expect((await stores.list({ role: 'admin' })).map((s) => s.store_id)).toEqual(['store_a', 'store_b']);
    expect(stores.orgScope(viewer)).toBe(camA.orgId);
    expect(stores.orgScope({ role: 'admin' })).toBeNull();
  });

  it('does not let a viewer key into the admin API', async () => {
    const r = await get('/api/admin/api-keys', viewerA);
    expect(r.status).toBe(401);
    expect(r.body.field).toBe('authorization');
  });

  it('revokes a key immediately, even though it was cached', async () => {
    const issued = await t.admin('POST', '/api/admin/api-keys', { org_id: camA.orgId, role: 'viewer' });
    expect((await get('/api/dashboard/live?store_id=store_a', issued.body.api_key)).status).toBe(200); // now cached in Redis
    const del = await t.admin('DELETE', `/api/admin/api-keys/${issued.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id: issued.body.id, revoked_at: expect.any(String) });
    const after = await get('/api/dashboard/live?store_id=store_a', issued.body.api_key);
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('authorization: unknown or revoked API key');
    expect((await get('/api/dashboard/live?store_id=store_a', viewerA)).status).toBe(200);
    const again = await t.admin('DELETE', '/api/admin/api-keys/00000000-0000-4000-8000-000000000000');
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ field: 'id', message: 'id: API key 00000000-0000-4000-8000-000000000000 does not exist' });
  });

  it.each([
    ['/api/dashboard/live', 'store_id', 'store_id: is required'],
    ['/api/dashboard/cameras?store_id=bad%20id', 'store_id', 'store_id: must be 1-64 characters of letters, digits, _ . -'],
    ['/api/dashboard/history?store_id=store_a&to=2024-01-02', 'from', 'from: is required'],
    [
      '/api/dashboard/history?store_id=store_a&from=yesterday&to=2024-01-02',
      'from',
      "from: must be a date (2024-01-15, the store's local midnight) or an ISO 8601 timestamp with a time zone (2024-01-15T10:30:00Z)",
    ],
    ['/api/dashboard/history?store_id=store_a&from=2024-01-01&to=2024-01-02&granularity=week', 'granularity', 'granularity: must be "hour" or "day"'],
    ['/api/dashboard/history?store_id=store_a&from=2024-01-02&to=2024-01-01', 'to', 'to: must be after from'],
    ['/api/dashboard/history?store_id=store_a&from=2024-01-02&to=2024-01-02', 'to', 'to: must be after from'],
    [
      '/api/dashboard/history?store_id=store_a&from=2024-01-01&to=2024-02-02&granularity=hour',
      'to',
      'to: covers more than 31 days after from; the hour granularity allows at most that',
    ],
    [
      '/api/dashboard/history?store_id=store_a&from=2024-01-01&to=2025-01-03',
      'to',
      'to: covers more than 366 days after from; the day granularity allows at most that',
    ],
  ])('refuses %s with 400 naming %s', async (path, field, message) => {
    const r = await get(path, viewerA);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ statusCode: 400, error: 'Bad Request', field, message });
  });

  it('accepts the longest ranges allowed', async () => {
    expect((await get('/api/dashboard/history?store_id=store_a&from=2024-01-01&to=2024-02-01&granularity=hour', viewerA)).status).toBe(200);
    expect((await get('/api/dashboard/history?store_id=store_a&from=2024-01-01&to=2025-01-01', viewerA)).status).toBe(200);
  });
});
