// Issue #19, lifecycle: disable, rename and delete cameras, stores and organisations — what happens to their keys and
// data. Two real app instances share one PostgreSQL and one Redis, as two API replicas would: what one is told, the
// other honours at once.
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { HourlyRollup } from '../src/analytics/hourly-rollup.service.ts';
import { HeartbeatCompactor } from '../src/ingest/heartbeat-compactor.service.ts';
import { guideBatch } from './guide-examples.ts';
import { heartbeat, keyChangesSubscribed, startSibling } from './dashboard/dashboard-fixtures.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from './test-app.ts';

const HOUR = 3_600_000;
/** A whole UTC hour two days back: over in every zone, so sales and rollups accept it. */
const pastHour = () => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 10 * HOUR).toISOString();

describe('lifecycle of cameras, stores and organisations (two API instances, real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let sibling: Awaited<ReturnType<typeof startSibling>>;
  beforeAll(async () => {
    t = await startTestApp();
    sibling = await startSibling(t.config);
  });
  afterAll(async () => {
    await sibling.app.close();
    await t.close();
  });

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.app.get(DataSource).query(text, params) as Promise<T[]>;
  const on = async (baseUrl: string, method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ingestOn = (baseUrl: string, cam: ProvisionedCamera, key = cam.apiKey) => on(baseUrl, 'POST', '/api/ingest/events', key, guideBatch(cam));
  const viewerKey = async (orgId: string) => (await t.admin('POST', '/api/admin/api-keys', { org_id: orgId, role: 'viewer' })).body.api_key as string;
  const posKey = async (orgId: string, storeId?: string) =>
    (await t.admin('POST', '/api/admin/pos-keys', { org_id: orgId, store_id: storeId })).body.api_key as string;
  const sale = (storeId: string) => ({ store_id: storeId, currency: 'GBP', rows: [{ hour: pastHour(), transactions: 3, sales_amount: 30 }] });
  const history = (baseUrl: string, storeId: string, key: string) =>
    on(baseUrl, 'GET', `/api/dashboard/history?store_id=${storeId}&from=2024-01-15&to=2024-01-16&granularity=day`, key);
  /** Every Redis key that names the store in its hash tag. */
  const redisKeysOf = async (storeId: string) => {
    const redis = new Redis(t.config.redisUrl);
    try {
      const keys: string[] = [];
      for await (const batch of redis.scanStream({ match: `${t.config.redisPrefix}:*{${storeId}}*`, count: 500 }) as AsyncIterable<string[]>)
        keys.push(...batch);
      return keys;
    } finally {
      redis.disconnect();
    }
  };
  /** Rows of the store in every table that has a store_id column (found in the catalogue: a new table is covered without listing it here). */
  const rowsOf = async (storeId: string) => {
    const tables = await sql<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = current_schema() AND c.column_name = 'store_id' AND t.table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const out: Record<string, number> = {};
    for (const { table_name } of tables)
      out[table_name] = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}" WHERE store_id = $1`, [storeId]))[0].n;
    out['analytics_reports(store_ids)'] = (
      await sql<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_reports WHERE $1 = ANY(store_ids)`, [storeId])
    )[0].n;
    return out;
  };
  /** Data in every module: events, a heartbeat and its compacted day, live numbers, rollups, a report, sales, alert rules, a closing. */
  const fill = async (cam: ProvisionedCamera, viewer: string, pos: string) => {
    expect((await ingestOn(t.baseUrl, cam)).status).toBe(200);
    await heartbeat(t, cam);
    // Today's heartbeats compacted (as retention does before they go): coverage days and the store's compaction mark.
    expect(await t.app.get(HeartbeatCompactor).compact(cam.storeId, Date.now() + 86_400_000)).toBeGreaterThan(0);
    expect((await on(t.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer)).status).toBe(200);
    await t.app.get(HourlyRollup).rollUp(cam.storeId, Date.parse('2024-01-15T00:00:00Z'), Date.parse('2024-01-16T00:00:00Z'));
    expect([200, 202]).toContain((await on(t.baseUrl, 'GET', `/api/analytics/spikes?store_id=${cam.storeId}&days=7`, viewer)).status);
    expect((await on(t.baseUrl, 'POST', '/api/sales', pos, sale(cam.storeId))).status).toBe(200);
    expect((await t.admin('PUT', `/api/admin/stores/${cam.storeId}/alert-rules`, { no_footfall: { minutes: 5 } })).status).toBe(200);
    // Closings are written by a timer for stores with opening hours; one row stands in for it here.
    await sql(
      `INSERT INTO occupancy_corrections (store_id, closed_at, date, opened_at, count, reason) VALUES ($1, now(), current_date, now() - interval '8 hours', 2, 'closing')`,
      [cam.storeId],
    );
    await sql(`INSERT INTO rollup_dirty_hours (store_id, hour_start, marked_at) VALUES ($1, date_trunc('hour', now()), now()) ON CONFLICT DO NOTHING`, [
      cam.storeId,
    ]);
  };

  /** A store with data in every module, a viewer key, a store POS key and an organisation POS key; both instances listening. */
  const storeWithData = async (storeId: string) => {
    await keyChangesSubscribed(t.config);
    const cam = await provisionCamera(t, { storeId, cameraId: 'cam_1' });
    const viewer = await viewerKey(cam.orgId);
    const pos = await posKey(cam.orgId, cam.storeId);
    const orgPos = await posKey(cam.orgId);
    await fill(cam, viewer, pos);
    return { cam, viewer, pos, orgPos };
  };

  it('a disabled camera, store or organisation: its keys answer 403 naming it on every instance at once, its history stays readable', async () => {
    await keyChangesSubscribed(t.config);
    const cam = await provisionCamera(t, { storeId: 'store_life_dis', cameraId: 'cam_1' });
    const viewer = await viewerKey(cam.orgId);
    const pos = await posKey(cam.orgId, cam.storeId);
    // Used on the sibling first, so the sibling remembers the keys as verified.
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(200);
    expect((await on(sibling.baseUrl, 'POST', '/api/sales', pos, sale(cam.storeId))).status).toBe(200);

    const cases: [string, string, unknown, RegExp][] = [
      ['camera', `/api/admin/cameras/${cam.storeId}/${cam.cameraId}`, { disabled: true }, /^authorization: camera cam_1 is disabled;/],
      ['store', `/api/admin/stores/${cam.storeId}`, { disabled: true }, /^authorization: store store_life_dis is disabled;/],
      ['organisation', `/api/admin/orgs/${cam.orgId}`, { disabled: true }, new RegExp(`^authorization: organisation ${cam.orgId} is disabled;`)],
    ];
    for (const [what, path, body, message] of cases) {
      const patched = await t.admin('PATCH', path, body);
      expect(patched).toMatchObject({ status: 200, body: { status: 'disabled' } });
      const refused = await ingestOn(sibling.baseUrl, cam);
      expect(refused).toMatchObject({ status: 403, body: { field: 'authorization', message: expect.stringMatching(message) } });
      if (what !== 'camera') {
        const sales = await on(sibling.baseUrl, 'POST', '/api/sales', pos, sale(cam.storeId));
        expect(sales).toMatchObject({ status: 403, body: { message: expect.stringMatching(message) } });
      }
      // History stays readable by the organisation's viewers.
      const read = await history(sibling.baseUrl, cam.storeId, viewer);
      expect(read.status).toBe(200);
      expect(read.body.buckets.reduce((n: number, b: { footfall: number }) => n + b.footfall, 0)).toBe(1);
      expect((await t.admin('PATCH', path, { disabled: false })).body.status).toBe('active');
      expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(200);
    }
  });

  it('renames a camera and an organisation; listings show the status', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_life_ren', cameraId: 'cam_1' });
    const c = await t.admin('PATCH', `/api/admin/cameras/${cam.storeId}/${cam.cameraId}`, { name: 'Back door' });
    expect(c).toMatchObject({ status: 200, body: { camera_id: 'cam_1', name: 'Back door', status: 'active' } });
    const o = await t.admin('PATCH', `/api/admin/orgs/${cam.orgId}`, { name: 'Renamed Retail' });
    expect(o).toMatchObject({ status: 200, body: { id: cam.orgId, name: 'Renamed Retail', status: 'active' } });
    const orgs = (await t.admin('GET', '/api/admin/orgs')).body.orgs;
    expect(orgs.find((x: { id: string }) => x.id === cam.orgId)).toMatchObject({ name: 'Renamed Retail', status: 'active' });
  });

  it('refuses bad input with 400 naming the field, unknown ids with 404', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_life_val', cameraId: 'cam_1' });
    const cases: [string, string, unknown, number, string, RegExp][] = [
      ['DELETE', `/api/admin/stores/${cam.storeId}`, undefined, 400, 'data', /^data: is required: delete .* or keep/],
      ['DELETE', `/api/admin/stores/${cam.storeId}?data=maybe`, undefined, 400, 'data', /^data: must be delete or keep/],
      ['DELETE', `/api/admin/orgs/${cam.orgId}`, undefined, 400, 'data', /^data: is required/],
      ['DELETE', '/api/admin/stores/store_nowhere?data=keep', undefined, 404, 'store_id', /^store_id: store store_nowhere does not exist$/],
      ['DELETE', '/api/admin/orgs/00000000-0000-4000-8000-000000000000?data=keep', undefined, 404, 'org_id', /does not exist/],
      ['DELETE', '/api/admin/orgs/not-a-uuid?data=keep', undefined, 400, 'org_id', /^org_id: must be a UUID$/],
      ['DELETE', `/api/admin/cameras/${cam.storeId}/cam_nowhere`, undefined, 404, 'camera_id', /^camera_id: camera cam_nowhere does not exist/],
      ['PATCH', `/api/admin/stores/${cam.storeId}`, { disabled: 'yes' }, 400, 'disabled', /^disabled: must be true or false$/],
      ['PATCH', `/api/admin/cameras/${cam.storeId}/${cam.cameraId}`, {}, 400, '(body)', /must name at least one of name, disabled/],
      ['PATCH', `/api/admin/cameras/${cam.storeId}/${cam.cameraId}`, { capabilities: ['queue'] }, 400, 'capabilities', /./],
      ['PATCH', '/api/admin/cameras/store_nowhere/cam_1', { name: 'x' }, 404, 'store_id', /does not exist/],
      ['PATCH', '/api/admin/orgs/00000000-0000-4000-8000-000000000000', { name: 'x' }, 404, 'org_id', /does not exist/],
    ];
    for (const [method, path, body, status, field, message] of cases) {
      const r = await t.admin(method, path, body);
      expect({ path, status: r.status, field: r.body.field }).toEqual({ path, status, field });
      expect(r.body.message).toMatch(message);
    }
    // Nothing above changed the store.
    expect((await ingestOn(t.baseUrl, cam)).status).toBe(200);
  });

  it('deleting a store with ?data=delete refuses its edge, POS and viewer access at once on both instances and removes every row and live key', async () => {
    const { cam, viewer, pos, orgPos } = await storeWithData('store_life_del');
    const before = await rowsOf(cam.storeId);
    for (const table of [
      'entrance_events',
      'zone_events',
      'shelf_interactions',
      'queue_events',
      'camera_heartbeats',
      'hourly_rollups',
      'rollup_dirty_hours',
      'analytics_reports(store_ids)',
      'sales_hours',
      'alert_rules',
      'occupancy_corrections',
      'cameras',
      'edge_keys',
      'pos_keys',
      'stores',
    ])
      expect({ table, some: before[table] > 0 }).toEqual({ table, some: true });
    expect(await redisKeysOf(cam.storeId)).not.toEqual([]);
    // The sibling remembers every key and the store.
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(200);
    expect((await on(sibling.baseUrl, 'POST', '/api/sales', pos, sale(cam.storeId))).status).toBe(200);
    expect((await on(sibling.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer)).status).toBe(200);

    const del = await t.admin('DELETE', `/api/admin/stores/${cam.storeId}?data=delete`);
    expect(del).toMatchObject({ status: 200, body: { store_id: cam.storeId, status: 'deleted', data: 'deleted', keys_revoked: 2 } });

    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(401);
    expect((await on(sibling.baseUrl, 'POST', '/api/sales', pos, sale(cam.storeId))).status).toBe(401);
    expect((await on(sibling.baseUrl, 'POST', '/api/sales', orgPos, sale(cam.storeId))).status).toBe(404);
    const live = await on(sibling.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer);
    expect(live).toMatchObject({ status: 404, body: { field: 'store_id' } });
    // No row left in any table with a store_id, no report that read it, no live key.
    const after = await rowsOf(cam.storeId);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(await redisKeysOf(cam.storeId)).toEqual([]);
    // The id is free again.
    expect((await t.admin('POST', '/api/admin/stores', { org_id: cam.orgId, store_id: cam.storeId, name: 'again', timezone: 'UTC' })).status).toBe(201);
  });

  it('deleting a store with ?data=keep revokes its keys and live keys but keeps its rows readable for the organisation', async () => {
    const { cam, viewer, pos, orgPos } = await storeWithData('store_life_keep');
    const before = await rowsOf(cam.storeId);
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(200);

    const del = await t.admin('DELETE', `/api/admin/stores/${cam.storeId}?data=keep`);
    expect(del).toMatchObject({ status: 200, body: { status: 'deleted', data: 'kept', keys_revoked: 2 } });
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(401);
    expect((await on(sibling.baseUrl, 'POST', '/api/sales', pos, sale(cam.storeId))).status).toBe(401);
    const orgSale = await on(sibling.baseUrl, 'POST', '/api/sales', orgPos, sale(cam.storeId));
    expect(orgSale).toMatchObject({ status: 403, body: { field: 'store_id', message: 'store_id: store store_life_keep is deleted; it accepts no data' } });
    expect(await redisKeysOf(cam.storeId)).toEqual([]);
    // The rows stay (keys revoked, not removed) and the history reads as before.
    const after = await rowsOf(cam.storeId);
    expect(after).toEqual({ ...before, sales_hours: after.sales_hours });
    const read = await history(sibling.baseUrl, cam.storeId, viewer);
    expect(read.status).toBe(200);
    expect(read.body.buckets.reduce((n: number, b: { footfall: number }) => n + b.footfall, 0)).toBe(1);
    // Listed as deleted for the operator; gone from the viewers' list; nothing can be added or changed.
    const listed = (await t.admin('GET', `/api/admin/stores?org_id=${cam.orgId}`)).body.stores;
    expect(listed.find((s: { store_id: string }) => s.store_id === cam.storeId)).toMatchObject({ status: 'deleted' });
    const viewerList = await on(t.baseUrl, 'GET', '/api/dashboard/stores', viewer);
    expect(viewerList.body.stores.map((s: { store_id: string }) => s.store_id)).not.toContain(cam.storeId);
    for (const [method, path, body] of [
      ['PATCH', `/api/admin/stores/${cam.storeId}`, { disabled: false }],
      ['POST', '/api/admin/cameras', { store_id: cam.storeId, camera_id: 'cam_2', name: 'x', capabilities: ['entrance'] }],
      ['POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId }],
    ] as const) {
      const r = await t.admin(method, path, body);
      expect(r).toMatchObject({
        status: 409,
        body: { field: 'store_id', message: `store_id: store ${cam.storeId} is deleted (its data is kept); delete it with ?data=delete to remove it` },
      });
    }
    // Deleting again with data=delete finishes the job.
    expect((await t.admin('DELETE', `/api/admin/stores/${cam.storeId}?data=delete`)).body).toMatchObject({ data: 'deleted' });
    expect(Object.entries(await rowsOf(cam.storeId)).filter(([, n]) => n > 0)).toEqual([]);
  });

  it('deleting a camera revokes its keys at once; its events stay in the store', async () => {
    await keyChangesSubscribed(t.config);
    const cam = await provisionCamera(t, { storeId: 'store_life_cam', cameraId: 'cam_1' });
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(200);
    const del = await t.admin('DELETE', `/api/admin/cameras/${cam.storeId}/${cam.cameraId}`);
    expect(del).toMatchObject({ status: 200, body: { store_id: cam.storeId, camera_id: 'cam_1', keys_revoked: 1 } });
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(401);
    expect((await t.admin('GET', `/api/admin/cameras?store_id=${cam.storeId}`)).body.cameras).toEqual([]);
    expect((await sql(`SELECT count(*)::int AS n FROM entrance_events WHERE store_id = $1`, [cam.storeId]))[0].n).toBe(1);
    // The camera list of the dashboard no longer shows it.
    const viewer = await viewerKey(cam.orgId);
    expect((await on(sibling.baseUrl, 'GET', `/api/dashboard/cameras?store_id=${cam.storeId}`, viewer)).body.cameras).toEqual([]);
  });

  it('deleting an organisation with ?data=delete cascades to its stores and every key, and removes it', async () => {
    await keyChangesSubscribed(t.config);
    const a = await provisionCamera(t, { storeId: 'store_life_org_a', cameraId: 'cam_1' });
    const b = await provisionCamera(t, { orgId: a.orgId, storeId: 'store_life_org_b', cameraId: 'cam_1' });
    const viewer = await viewerKey(a.orgId);
    const orgPos = await posKey(a.orgId);
    await fill(a, viewer, orgPos);
    expect((await t.admin('POST', `/api/admin/orgs/${a.orgId}/webhooks`, { url: 'https://example.com/hook' })).status).toBe(201);
    expect((await ingestOn(sibling.baseUrl, b)).status).toBe(200);
    expect((await on(sibling.baseUrl, 'GET', `/api/dashboard/live?store_id=${b.storeId}`, viewer)).status).toBe(200);

    const del = await t.admin('DELETE', `/api/admin/orgs/${a.orgId}?data=delete`);
    expect(del).toMatchObject({ status: 200, body: { org_id: a.orgId, data: 'deleted', keys_revoked: 4 } });
    expect(del.body.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['store_life_org_a', 'store_life_org_b']);
    expect((await ingestOn(sibling.baseUrl, b)).status).toBe(401);
    expect((await on(sibling.baseUrl, 'GET', `/api/dashboard/live?store_id=${b.storeId}`, viewer)).status).toBe(401);
    expect((await on(sibling.baseUrl, 'POST', '/api/sales', orgPos, sale(a.storeId))).status).toBe(401);
    expect((await t.admin('GET', '/api/admin/orgs')).body.orgs.map((o: { id: string }) => o.id)).not.toContain(a.orgId);
    for (const table of ['viewer_keys', 'pos_keys', 'webhook_endpoints', 'alerts', 'stores'])
      expect({ table, n: (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [a.orgId]))[0].n }).toEqual({ table, n: 0 });
    expect(Object.entries(await rowsOf(a.storeId)).filter(([, n]) => n > 0)).toEqual([]);
  });

  it('deleting an organisation with ?data=keep keeps its rows, revokes every key and disables its webhooks', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_life_org_keep', cameraId: 'cam_1' });
    const viewer = await viewerKey(cam.orgId);
    expect((await ingestOn(t.baseUrl, cam)).status).toBe(200);
    expect((await t.admin('POST', `/api/admin/orgs/${cam.orgId}/webhooks`, { url: 'https://example.com/hook' })).status).toBe(201);
    const del = await t.admin('DELETE', `/api/admin/orgs/${cam.orgId}?data=keep`);
    expect(del).toMatchObject({ status: 200, body: { data: 'kept', keys_revoked: 2 } });
    expect((await ingestOn(sibling.baseUrl, cam)).status).toBe(401);
    expect((await on(sibling.baseUrl, 'GET', '/api/dashboard/stores', viewer)).status).toBe(401);
    expect((await t.admin('GET', '/api/admin/orgs')).body.orgs.find((o: { id: string }) => o.id === cam.orgId)).toMatchObject({ status: 'deleted' });
    expect((await sql(`SELECT count(*)::int AS n FROM entrance_events WHERE store_id = $1`, [cam.storeId]))[0].n).toBe(1);
    const hooks = (await t.admin('GET', `/api/admin/orgs/${cam.orgId}/webhooks`)).body.endpoints;
    expect(hooks).toMatchObject([{ enabled: false, disabled_reason: 'organisation deleted' }]);
    // The admin still reads the kept history.
    expect((await t.admin('GET', `/api/dashboard/history?store_id=${cam.storeId}&from=2024-01-15&to=2024-01-16&granularity=day`)).status).toBe(200);
    expect((await t.admin('POST', '/api/admin/stores', { org_id: cam.orgId, store_id: 'store_life_new', name: 'x', timezone: 'UTC' })).status).toBe(409);
  });
});
