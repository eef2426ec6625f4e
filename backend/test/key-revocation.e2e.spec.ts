// Verified keys are remembered in each API process (VerifiedKeyMemory); revocation must still reach every
// process at once. Two real app instances share one PostgreSQL and one Redis, as two API replicas would.
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { VerifiedKeyMemory } from '../src/admin/verified-key-memory.service.ts';
import { guideBatch } from './guide-examples.ts';
import { keyChangesSubscribed, startSibling } from './dashboard/dashboard-fixtures.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from './test-app.ts';

describe('key revocation across API processes', () => {
  let t: TestApp;
  let sibling: Awaited<ReturnType<typeof startSibling>>;
  let cam: ProvisionedCamera;
  beforeAll(async () => {
    t = await startTestApp();
    sibling = await startSibling(t.config);
    cam = await provisionCamera(t, { storeId: 'store_rev_001', cameraId: 'cam_1' });
  });
  afterAll(async () => {
    await sibling.app.close();
    await t.close();
  });

  const ingestOn = (baseUrl: string, key: string) =>
    fetch(`${baseUrl}/api/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify(guideBatch(cam)),
    });
  const liveOn = (baseUrl: string, key: string) =>
    fetch(`${baseUrl}/api/dashboard/live?store_id=${cam.storeId}`, { headers: { authorization: `Bearer ${key}`, connection: 'close' } });
  /** Until the sibling has confirmed its revocation subscription, it remembers nothing: wait for that. */
  const subscribed = () => keyChangesSubscribed(t.config);

  it('an edge key and a viewer key revoked on one instance are refused at once by the other', async () => {
    await subscribed();
    const edge = await t.admin('POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId });
    const viewer = await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' });
    // Used on the sibling first, so the sibling remembers both as verified.
    expect((await ingestOn(sibling.baseUrl, edge.body.api_key)).status).toBe(200);
    expect((await liveOn(sibling.baseUrl, viewer.body.api_key)).status).toBe(200);

    expect((await t.admin('DELETE', `/api/admin/edge-keys/${edge.body.id}`)).status).toBe(200);
    expect((await t.admin('DELETE', `/api/admin/api-keys/${viewer.body.id}`)).status).toBe(200);
    expect((await ingestOn(sibling.baseUrl, edge.body.api_key)).status).toBe(401);
    expect((await liveOn(sibling.baseUrl, viewer.body.api_key)).status).toBe(401);
  });

  it('forgets everything when its subscription drops, so a revocation it could not hear is still honoured', async () => {
    await subscribed();
    const edge = await t.admin('POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId });
    expect((await ingestOn(sibling.baseUrl, edge.body.api_key)).status).toBe(200); // remembered
    const redis = new Redis(t.config.redisUrl);
    try {
      // Drop the subscriptions, then revoke behind the apps' backs (no broadcast): only the forgetting protects us.
      await redis.client('KILL', 'TYPE', 'pubsub');
      await t.app.get(DataSource).query('UPDATE edge_keys SET revoked_at = now() WHERE id = $1', [edge.body.id]);
      expect((await ingestOn(sibling.baseUrl, edge.body.api_key)).status).toBe(401);
      await subscribed(); // and both come back
    } finally {
      redis.disconnect();
    }
  });

  it('stops trusting memory when its subscription stops answering, even without a disconnect', async () => {
    await subscribed();
    const edge = await t.admin('POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId });
    expect((await ingestOn(sibling.baseUrl, edge.body.api_key)).status).toBe(200); // remembered
    const redis = new Redis(t.config.redisUrl);
    try {
      // A connection that silently stops answering (as behind a NAT that dropped it): Redis answers nobody
      // for longer than one ping interval plus its timeout, then the key is revoked behind the apps' backs.
      // The sibling runs in this process, so its state is watched while Redis is paused. A pause that a loaded
      // machine let pass unnoticed (the ping came late) is repeated; nothing can unpause early (UNPAUSE waits too).
      const memory = sibling.app.get(VerifiedKeyMemory) as unknown as { subscribed: boolean };
      let noticed = false;
      for (let round = 0; !noticed && round < 5; round++) {
        await redis.client('PAUSE', '8000', 'ALL');
        if (round === 0) await t.app.get(DataSource).query('UPDATE edge_keys SET revoked_at = now() WHERE id = $1', [edge.body.id]);
        const pauseEnds = Date.now() + 8000;
        while (!noticed && Date.now() < pauseEnds) {
          noticed = !memory.subscribed;
          await new Promise((r) => setTimeout(r, 50));
        }
        await redis.ping(); // answered once the pause is over
      }
      expect(noticed).toBe(true);
      expect((await ingestOn(sibling.baseUrl, edge.body.api_key)).status).toBe(401);
      await subscribed();
    } finally {
      await redis.client('UNPAUSE').catch(() => undefined);
      redis.disconnect();
    }
  }, 90_000);
});

describe('key revocation while Redis is unreachable', () => {
  it('still revokes in PostgreSQL, but answers 503 because other processes could not be told', async () => {
    const down = await startTestApp({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      const org = await down.admin('POST', '/api/admin/orgs', { name: 'Offline Retail' });
      const viewer = await down.admin('POST', '/api/admin/api-keys', { org_id: org.body.id, role: 'viewer' });
      const r = await down.admin('DELETE', `/api/admin/api-keys/${viewer.body.id}`);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ field: 'id' });
      expect(r.body.message).toMatch(/^id: the key is revoked in the database, but other API processes could not be told/);
      const listed = await down.admin('GET', `/api/admin/api-keys?org_id=${org.body.id}`);
      expect(listed.body.api_keys[0].revoked_at).toEqual(expect.any(String));
    } finally {
      await down.close();
    }
  });
});
