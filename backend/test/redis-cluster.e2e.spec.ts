// Issue #19: Redis keys laid out for a Redis Cluster. The whole app — ingest, live counters and their rebuild and
// reconciliation, camera board, alerts, report and rollup queues with their workers, key revocation, store
// deletion — runs against a real one-node Redis Cluster, which refuses any command or script whose keys span two
// slots. Then every key it wrote is checked: one slot per store for the store's keys, one per queue for BullMQ's.
import { DataSource } from 'typeorm';
import { alertConditionsKey } from '../src/alerts/alert-conditions.service.ts';
import { AlertsWorkers } from '../src/alerts/alerts-workers.service.ts';
import { AnalyticsWorkers } from '../src/analytics/analytics-workers.service.ts';
import { queuePrefix } from '../src/analytics/analytics.queues.ts';
import { cameraBoardKey, reconcileLockKey, storeDayKeys } from '../src/dashboard/live-keys.ts';
import { LiveReconciler } from '../src/dashboard/live-reconciler.ts';
import { RETENTION_QUEUE } from '../src/retention/retention.queues.ts';
import { RetentionWorkers } from '../src/retention/retention-workers.service.ts';
import { WebhookWorkers } from '../src/webhooks/webhook-workers.service.ts';
import { heartbeat } from './dashboard/dashboard-fixtures.ts';
import { guideBatch } from './guide-examples.ts';
import { type ClusterNode, startClusterNode } from './redis-cluster-node.ts';
import { provisionCamera, startTestApp, type TestApp } from './test-app.ts';

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Redis Cluster layout (a real one-node Redis Cluster refuses cross-slot commands)', () => {
  let node: ClusterNode;
  let t: TestApp;
  beforeAll(async () => {
    node = await startClusterNode();
    t = await startTestApp({ redisUrl: node.url, runWorkers: false, rollupDebounceMs: 100, reportWaitMs: 100, logLevel: 'warn' });
    // The workers of every queue (the config object is the app's own), each with its prefix from queuePrefix.
    t.config.runWorkers = true;
    await t.app.get(AnalyticsWorkers).onApplicationBootstrap();
    await t.app.get(AlertsWorkers).onApplicationBootstrap();
    t.app.get(WebhookWorkers).onApplicationBootstrap();
    await t.app.get(RetentionWorkers).onApplicationBootstrap();
  });
  afterAll(async () => {
    await t?.close();
    await node?.stop();
  });

  const slot = async (key: string) => Number(await node.redis.call('CLUSTER', 'KEYSLOT', key));
  const allKeys = async () => {
    const keys: string[] = [];
    for await (const batch of node.redis.scanStream({ count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
    return keys;
  };
  const viewerKey = async (orgId: string) => (await t.admin('POST', '/api/admin/api-keys', { org_id: orgId, role: 'viewer' })).body.api_key as string;

  it('the node does refuse keys of two slots (the control that makes the rest mean something)', async () => {
    await expect(node.redis.del('wink:a', 'wink:b')).rejects.toThrow(/CROSSSLOT/);
    await expect(node.redis.eval("return redis.call('GET', KEYS[2])", 2, 'wink:a', 'wink:b')).rejects.toThrow(/CROSSSLOT/);
  });

  it("every key builder puts a store's keys in the store's slot, and a queue's keys in the queue's", async () => {
    const [p, storeId] = ['wink', 'store_x_1'];
    const today = storeDayKeys(p, storeId, '2026-12-05', 'h1');
    const builders = [
      ...Object.values(today),
      `${today.visitorsPrefix}zone_a`,
      `${today.recentNextPrefix}building:token`,
      ...Object.values(storeDayKeys(p, storeId, '2026-12-06')),
      reconcileLockKey(p, storeId),
      cameraBoardKey(p, storeId),
      alertConditionsKey(p, storeId),
    ];
    const storeSlot = await slot(`{${storeId}}`);
    expect(new Set(await Promise.all(builders.map(slot)))).toEqual(new Set([storeSlot]));
    // Another store lands elsewhere (or the tag would not spread anything).
    expect(await slot(cameraBoardKey(p, 'store_x_2'))).not.toBe(storeSlot);
    const queue = (name: string) => ['wait', 'active', 'meta', 'events', 'stalled-check', 'repeat'].map((k) => `${queuePrefix(p, name)}:${name}:${k}`);
    for (const name of ['analytics-rollup', 'alerts']) expect(new Set(await Promise.all(queue(name).map(slot))).size).toBe(1);
  });

  it('runs ingest, live numbers, reconciliation, queues and deletion without a cross-slot command; each store and each queue is one slot', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_cluster_1', cameraId: 'cam_1' });
    const other = await provisionCamera(t, { orgId: cam.orgId, storeId: 'store_cluster_2', cameraId: 'cam_1' });
    const viewer = await viewerKey(cam.orgId);
    const live = async (storeId: string) => (await t.call('GET', `/api/dashboard/live?store_id=${storeId}`, { token: viewer })).body;
    const ingest = async (c: typeof cam, at: number) => {
      const r = await t.call('POST', '/api/ingest/events', { token: c.apiKey, body: guideBatch(c, new Date(at).toISOString()) });
      expect(r.status).toBe(200);
    };
    const now = Date.now();
    await heartbeat(t, cam);
    await ingest(cam, now - 600_000);
    await ingest(other, now - 600_000);
    expect((await live(cam.storeId)).footfall).toBe(1); // a rebuild from PostgreSQL, then the read script
    await ingest(cam, now - 300_000); // counted into the ready counters by the record script
    expect((await live(cam.storeId)).footfall).toBe(2);
    expect(await t.app.get(LiveReconciler).tick()).toBeGreaterThanOrEqual(1);
    expect((await live(cam.storeId)).footfall).toBe(2);
    expect((await t.call('GET', `/api/dashboard/cameras?store_id=${cam.storeId}`, { token: viewer })).body.cameras).toHaveLength(1);

    // The rollup and report queues on the cluster: jobs enqueued by the API, taken by the workers.
    const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params) as Promise<{ n: number }[]>;
    await waitFor(
      'the rollup jobs to run',
      async () => (await sql(`SELECT count(*)::int AS n FROM hourly_rollups WHERE store_id = $1`, [cam.storeId]))[0].n > 0,
    );
    const spikes = await t.call('GET', `/api/analytics/spikes?store_id=${cam.storeId}&days=7`, { token: viewer });
    if (spikes.status === 202) {
      await waitFor('the report job to run', async () => (await t.call('GET', spikes.body.poll, { token: viewer })).status === 200);
    } else expect(spikes.status).toBe(200);

    // Every key of a store shares the store's slot; every BullMQ key its queue's.
    const keys = await allKeys();
    for (const storeId of [cam.storeId, other.storeId]) {
      const own = keys.filter((k) => k.includes(`{${storeId}}`));
      expect(own.length).toBeGreaterThanOrEqual(3); // store-day state, counters, camera board at least
      const slots = new Set(await Promise.all(own.map(slot)));
      expect({ storeId, slots: [...slots] }).toEqual({ storeId, slots: [await slot(`{${storeId}}`)] });
    }
    const queueKeys = keys.filter((k) => k.startsWith(`{${t.config.redisPrefix}:`));
    const queues = new Map<string, Set<number>>();
    for (const k of queueKeys) {
      const tag = k.slice(0, k.indexOf('}') + 1);
      if (!queues.has(tag)) queues.set(tag, new Set());
      queues.get(tag)!.add(await slot(k));
    }
    expect([...queues.keys()].sort()).toEqual(
      expect.arrayContaining([
        `{${t.config.redisPrefix}:analytics-report}`,
        `{${t.config.redisPrefix}:analytics-rollup}`,
        queuePrefix(t.config.redisPrefix, RETENTION_QUEUE),
      ]),
    );
    for (const [tag, slots] of queues) expect({ tag, slots: slots.size }).toEqual({ tag, slots: 1 });
    // Nothing else but the few single keys (active stores, auth failures) sits outside a tag.
    const untagged = keys.filter((k) => !k.includes('{'));
    expect(untagged.filter((k) => !/:live:active-stores$|:auth-failures:/.test(k))).toEqual([]);

    // Revocation broadcast and store deletion on the cluster.
    expect((await t.admin('DELETE', `/api/admin/edge-keys/${other.keyId}`)).status).toBe(200);
    expect((await t.admin('DELETE', `/api/admin/stores/${cam.storeId}?data=delete`)).status).toBe(200);
    expect((await allKeys()).filter((k) => k.includes(`{${cam.storeId}}`))).toEqual([]);

    // And no process reported a cross-slot refusal anywhere on the way (workers and timers included).
    expect(t.logs.filter((l) => /CROSSSLOT|same slot/i.test(l))).toEqual([]);
  });
});
