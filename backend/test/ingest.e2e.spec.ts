import { DataSource } from 'typeorm';
import { guideBatch } from './guide-examples.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from './test-app.ts';

const TABLES = ['entrance_events', 'zone_events', 'shelf_interactions', 'queue_events'];

describe('Ingest API (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  let camB: ProvisionedCamera;

  const counts = async (storeId = cam.storeId) => {
    const ds = t.app.get(DataSource);
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = Number((await ds.query(`SELECT count(*) FROM ${table} WHERE store_id = $1`, [storeId]))[0].count);
    return out;
  };
  const post = (body: unknown, token: string | null = cam.apiKey) => t.call('POST', '/api/ingest/events', { token, body });

  beforeAll(async () => {
    t = await startTestApp();
    cam = await provisionCamera(t, { storeId: 'store_demo_001', cameraId: 'cam_entrance_01' });
    camB = await provisionCamera(t, { storeId: 'store_other_002', cameraId: 'cam_entrance_01' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores the four guide example events, one row each', async () => {
    const r = await post(guideBatch(cam));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok', received: 4, accepted: 4, duplicates: 0 });
    expect(await counts()).toEqual({ entrance_events: 1, zone_events: 1, shelf_interactions: 1, queue_events: 1 });
    const ds = t.app.get(DataSource);
    const [zone] = await ds.query(`SELECT zone_id, dwell_seconds, enter_ts, exit_ts, person_key, org_id FROM zone_events WHERE store_id = $1`, [cam.storeId]);
    expect(zone).toMatchObject({ zone_id: 'electronics', dwell_seconds: 90, person_key: 'cam_entrance_01_run1_1', org_id: cam.orgId });
    expect(zone.enter_ts.toISOString()).toBe('2024-01-15T10:30:30.000Z');
  });

  it('refuses (403, naming the event) a kind the camera has no capability for, and stores nothing of the batch', async () => {
    const zoneCam = await provisionCamera(t, { orgId: cam.orgId, storeId: 'store_caps_003', cameraId: 'cam_zone_01', capabilities: ['zones', 'shelves'] });
    const batch = guideBatch(zoneCam, '2024-01-17T09:00:00Z'); // entrance, zone, shelf, queue
    const r = await post({ ...batch, events: [batch.events[1], batch.events[0]] }, zoneCam.apiKey);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ field: 'events[1].type', event_index: 1 });
    expect(r.body.message).toBe('events[1].type: camera cam_zone_01 has no "entrance" capability (its capabilities: zones, shelves)');
    expect((await post({ ...batch, events: [batch.events[3]] }, zoneCam.apiKey)).body).toMatchObject({
      field: 'events[0].type',
      message: expect.stringContaining('"queue" capability'),
    });
    expect(await counts(zoneCam.storeId)).toEqual({ entrance_events: 0, zone_events: 0, shelf_interactions: 0, queue_events: 0 });
    expect((await post({ ...batch, events: [batch.events[1], batch.events[2]] }, zoneCam.apiKey)).body).toMatchObject({ accepted: 2 });
  });

  it('dry_run=true checks key, scope, capabilities and body but stores nothing (the edge self-test)', async () => {
    const before = await counts();
    const batch = guideBatch(cam, '2024-01-18T09:00:00Z');
    const r = await t.call('POST', '/api/ingest/events?dry_run=true', { token: cam.apiKey, body: batch });
    expect(r).toMatchObject({ status: 200, body: { status: 'ok', dry_run: true, received: 4, stored: 0 } });
    const hb = await t.call('POST', '/api/ingest/heartbeat?dry_run=true', {
      token: cam.apiKey,
      body: { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), status_data: {} },
    });
    expect(hb.body).toMatchObject({ dry_run: true, stored: 0 });
    expect(await counts()).toEqual(before);
    const heartbeats = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM camera_heartbeats WHERE store_id = $1`, [cam.storeId]);
    expect(heartbeats[0].n).toBe(0);
    // Refusals are the real ones: another camera's scope, a bad field, an unknown dry_run value.
    expect((await t.call('POST', '/api/ingest/events?dry_run=true', { token: cam.apiKey, body: { ...batch, camera_id: 'cam_other' } })).status).toBe(403);
    expect(
      (
        await t.call('POST', '/api/ingest/events?dry_run=true', {
          token: cam.apiKey,
          body: { ...batch, events: [{ ...batch.events[0], direction: 'sideways' }] },
        })
      ).body,
    ).toMatchObject({ statusCode: 400, field: 'events[0].direction' });
    expect((await t.call('POST', '/api/ingest/events?dry_run=maybe', { token: cam.apiKey, body: batch })).body).toMatchObject({
      statusCode: 400,
      field: 'dry_run',
    });
  });

  it('stores a re-sent batch once and says how many were duplicates', async () => {
    const r = await post(guideBatch(cam));
    expect(r.body).toEqual({ status: 'ok', received: 4, accepted: 0, duplicates: 4 });
    expect(await counts()).toEqual({ entrance_events: 1, zone_events: 1, shelf_interactions: 1, queue_events: 1 });
  });

  it('uses the edge event_id when given, so equal content with different ids is two events', async () => {
    const batch = guideBatch(cam, '2024-01-16T09:00:00Z');
    const e = batch.events[0];
    const r = await post({
      ...batch,
      events: [
        { ...e, event_id: 'edge-1' },
        { ...e, event_id: 'edge-2' },
        { ...e, event_id: 'edge-1' },
      ],
    });
    expect(r.body).toEqual({ status: 'ok', received: 3, accepted: 2, duplicates: 1 });
  });

  it('accepts heartbeats and reports health', async () => {
    const hb = await t.call('POST', '/api/ingest/heartbeat', {
      token: cam.apiKey,
      body: {
        org_id: cam.orgId,
        store_id: cam.storeId,
        camera_id: cam.cameraId,
        device_ts: new Date().toISOString(),
        status_data: { fps: 5, stream_state: 'streaming' },
      },
    });
    expect(hb.status).toBe(200);
    expect(hb.body.status).toBe('ok');
    const [row] = await t.app.get(DataSource).query('SELECT status_data FROM camera_heartbeats WHERE store_id = $1', [cam.storeId]);
    expect(row.status_data).toEqual({ fps: 5, stream_state: 'streaming' });
    const health = await t.call('GET', '/api/ingest/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up', redis: 'up' });
    expect((await t.call('GET', '/api/ingest/health/')).status).toBe(200); // a trailing slash is the same route
  });

  describe('refuses bad input with a status and a message naming the field, storing nothing of the batch', () => {
    const good = () => guideBatch(cam, '2024-02-01T12:00:00Z');
    const withEvent = (i: number, patch: Record<string, unknown>) => {
      const b = good();
      b.events[i] = { ...b.events[i], ...patch } as (typeof b.events)[number];
      return b;
    };

    it.each([
      ['missing field', () => withEvent(1, { zone_id: undefined }), 'events[1].zone_id', 'events[1].zone_id: is required'],
      ['mistyped field', () => withEvent(2, { dwell_seconds: 'long' }), 'events[2].dwell_seconds', 'events[2].dwell_seconds: must be a number of seconds'],
      ['unknown event type', () => withEvent(3, { type: 'teleport' }), 'events[3].type', 'events[3].type: must have a "type" of entrance, zone, shelf, queue'],
      ['negative dwell', () => withEvent(2, { dwell_seconds: -3 }), 'events[2].dwell_seconds', 'events[2].dwell_seconds: must not be negative'],
      ['exit before enter', () => withEvent(3, { exit_ts: '2024-02-01T11:00:00Z' }), 'events[3].exit_ts', 'events[3].exit_ts: must not be before enter_ts'],
      [
        'timestamp in the future',
        () => withEvent(0, { ts: new Date(Date.now() + 10 * 60_000).toISOString() }),
        'events[0].ts',
        'events[0].ts: is more than 5 minutes in the future',
      ],
      ['missing batch field', () => ({ ...good(), device_ts: undefined }), 'device_ts', 'device_ts: is required'],
      ['events not an array', () => ({ ...good(), events: 'many' }), 'events', 'events: must be an array of events'],
    ])('%s → 400', async (_name, body, field, message) => {
      const before = await counts();
      const r = await post(body());
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ statusCode: 400, field, message });
      expect(await counts()).toEqual(before);
    });

    it('reports the event index of the first bad event', async () => {
      const r = await post(withEvent(2, { dwell_seconds: -1 }));
      expect(r.body.event_index).toBe(2);
    });

    it('malformed JSON → 400', async () => {
      const r = await t.call('POST', '/api/ingest/events', { token: cam.apiKey, rawBody: '{"org_id": "x", events: [' });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ field: 'body', message: 'body: malformed JSON' });
    });

    it('an empty JSON body → 400 naming the body', async () => {
      const res = await fetch(`${t.baseUrl}/api/ingest/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cam.apiKey}`, 'content-type': 'application/json', connection: 'close' },
        body: '',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'body', message: 'body: empty; send a JSON object' });
    });

    it('a form-encoded body → 415 naming content-type (the API speaks JSON only)', async () => {
      const res = await fetch(`${t.baseUrl}/api/ingest/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cam.apiKey}`, 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
        body: 'org_id=x',
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ field: 'content-type', message: 'content-type: must be application/json' });
    });

    it('a JSON array body → 400', async () => {
      const r = await post([good()]);
      expect(r.status).toBe(400);
      expect(r.body.message).toBe('body: must be a JSON object');
    });

    it('more than 1,000 events → 413', async () => {
      const b = good();
      const events = Array.from({ length: 1001 }, (_, i) => ({ ...b.events[0], event_id: `e${i}` }));
      const r = await post({ ...b, events });
      expect(r.status).toBe(413);
      expect(r.body.message).toBe('events: 1001 events in one batch; at most 1000 are accepted');
    });

    it('a body over 1 MB → 413', async () => {
      const b = good();
      const r = await post({ ...b, events: [{ ...b.events[0], person_key: 'x'.repeat(1_100_000) }] });
      expect(r.status).toBe(413);
      expect(r.body.field).toBe('body');
    });

    it('no key, an unknown key and a revoked key → 401', async () => {
      expect((await post(good(), null)).status).toBe(401);
      const unknown = await post(good(), 'wink_edge_notarealkey');
      expect(unknown.status).toBe(401);
      expect(unknown.body.message).toBe('authorization: unknown or revoked edge key');

      const extra = await t.admin('POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId });
      expect((await post(good(), extra.body.api_key)).status).toBe(200);
      await t.admin('DELETE', `/api/admin/edge-keys/${extra.body.id}`);
      const revoked = await post(good(), extra.body.api_key);
      expect(revoked.status).toBe(401);
    });

    it('a key of store A cannot write to store B (403), nor for another camera or organisation', async () => {
      const intoB = await post({ ...good(), org_id: camB.orgId, store_id: camB.storeId }, cam.apiKey);
      expect(intoB.status).toBe(403);
      expect(intoB.body).toMatchObject({ field: 'org_id' });
      const storeOnly = await post({ ...good(), store_id: camB.storeId }, cam.apiKey);
      expect(storeOnly.body).toMatchObject({
        statusCode: 403,
        field: 'store_id',
        message: 'store_id: this edge key is not allowed to write for store_other_002',
      });
      const otherCam = await post({ ...good(), camera_id: 'cam_zone_01' }, cam.apiKey);
      expect(otherCam.body).toMatchObject({ statusCode: 403, field: 'camera_id' });
      const hb = await t.call('POST', '/api/ingest/heartbeat', {
        token: cam.apiKey,
        body: { org_id: camB.orgId, store_id: camB.storeId, camera_id: 'cam_entrance_01', device_ts: new Date().toISOString(), status_data: {} },
      });
      expect(hb.status).toBe(403);
      expect(await counts(camB.storeId)).toEqual({ entrance_events: 0, zone_events: 0, shelf_interactions: 0, queue_events: 0 });
    });

    it('never answers 500 to junk', async () => {
      const junk: unknown[] = [
        null,
        0,
        'x',
        [],
        {},
        { events: null },
        { events: [null] },
        { events: [{}] },
        { events: [{ type: 'zone' }] },
        { ...good(), events: [{ type: 'entrance', ts: 12, direction: 'in', person_key: 'p' }] },
        { ...good(), org_id: 5 },
        { ...good(), events: [{ type: 'zone', ts: '2024-02-01T12:00:00Z', zone_id: 'z', enter_ts: 'bad', exit_ts: 'bad', dwell_seconds: 1, person_key: 'p' }] },
        { ...good(), events: [{ ...good().events[2], dwell_seconds: Number.MAX_VALUE }] },
        { ...good(), events: [{ ...good().events[0], person_key: '\u0000' }] },
      ];
      for (const body of junk) {
        const r = await post(body);
        expect([200, 400, 413]).toContain(r.status);
        expect(typeof r.body.message === 'string' || r.status === 200).toBe(true);
      }
    });
  });

  it('health is 503 when Redis is unreachable', async () => {
    const down = await startTestApp({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      const r = await down.call('GET', '/api/ingest/health');
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ status: 'degraded', database: 'up', redis: 'down' });
    } finally {
      await down.close();
    }
  });
});
