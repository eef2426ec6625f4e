// A Redis Cluster whose nodes announce addresses this process cannot reach (nodes behind NAT, in containers, a managed
// cluster's inner addresses): the seeds answer, but the slot map they hand out points nowhere. REDIS_CLUSTER_NAT_MAP
// tells the app where each announced node really is. A real three-master cluster announcing ports nobody listens on.
import { Redis } from 'ioredis';
import { loadAppConfig } from '../src/config/app-config.ts';
import { createRedis, type RedisClient } from '../src/redis/redis-connection.ts';
import { REDIS } from '../src/redis/redis.module.ts';
import { waitFor } from './analytics/analytics-harness.ts';
import { guideBatch } from './guide-examples.ts';
import { describeWithRedisCluster, type RedisCluster, startRedisCluster } from './redis-cluster-node.ts';
import { provisionCamera, startTestApp, type TestApp } from './test-app.ts';

const DEAD_REDIS_URL = 'redis://127.0.0.1:1';
const describeCluster = describeWithRedisCluster('redis-cluster-natmap.e2e');

describeCluster('a Redis Cluster behind NAT (REDIS_CLUSTER_NAT_MAP)', () => {
  let cluster: RedisCluster;
  let t: TestApp | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3, { behindNat: true });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  }, 60_000);

  it('without the map, the announced addresses lead nowhere', async () => {
    const config = loadAppConfig({ NODE_ENV: 'test', REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: DEAD_REDIS_URL }, '/nonexistent.env');
    const client = createRedis(config, 'app', { lazyConnect: true });
    client.on('error', () => undefined);
    try {
      // The seeds answer, yet no command can reach a slot's master: the only outcomes are an error or no answer.
      const outcome = await Promise.race([
        client.set('{natmap}:probe', '1').then(
          () => 'stored',
          () => 'refused',
        ),
        new Promise<string>((r) => setTimeout(() => r('no answer'), 5000)),
      ]);
      expect(outcome).not.toBe('stored');
      // What the seeds hand out: [[first, last, [host, port, id]], …], none of them a port anybody listens on.
      const slots = (await cluster.masters[0].redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const announced = slots.map((r) => Number(r[2][1]));
      expect(announced).toHaveLength(3);
      for (const port of announced) expect(cluster.masters.map((m) => m.port)).not.toContain(port);
    } finally {
      client.disconnect();
    }
  });

  it('with the map, the app stores and reads live numbers on every master and broadcasts key changes', async () => {
    const config = loadAppConfig(
      { NODE_ENV: 'test', REDIS_CLUSTER_NODES: cluster.seeds, REDIS_CLUSTER_NAT_MAP: cluster.natMap, REDIS_URL: DEAD_REDIS_URL },
      '/nonexistent.env',
    );
    expect(Object.keys(config.redisClusterNatMap ?? {})).toHaveLength(3);
    t = await startTestApp({ redisClusterNodes: config.redisClusterNodes, redisClusterNatMap: config.redisClusterNatMap, redisUrl: config.redisUrl });
    // One store per master, found by the slot of its hash tag.
    const org = (await t.admin('POST', '/api/admin/orgs', { name: 'NAT Retail' })).body.id as string;
    const cams = [];
    const taken = new Set<number>();
    for (let i = 0; cams.length < 3 && i < 200; i++) {
      const m = await cluster.masterOf(`{nat_${i}}`);
      if (taken.has(m.port)) continue;
      taken.add(m.port);
      cams.push(await provisionCamera(t, { orgId: org, storeId: `nat_${i}`, cameraId: 'cam_1' }));
    }
    expect(cams).toHaveLength(3);
    const viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: org, role: 'viewer' })).body;
    for (const cam of cams) {
      const r = await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: guideBatch(cam, new Date(Date.now() - 600_000).toISOString()) });
      expect({ store: cam.storeId, status: r.status }).toEqual({ store: cam.storeId, status: 200 });
      const live = await t.call('GET', `/api/dashboard/live?store_id=${cam.storeId}`, { token: viewer.api_key });
      expect({ store: cam.storeId, status: live.status, footfall: live.body.footfall }).toEqual({ store: cam.storeId, status: 200, footfall: 1 });
    }
    // The counters are in Redis, each store's on its own master, reached through the map.
    for (const cam of cams) {
      const home = await cluster.masterOf(`{${cam.storeId}}`);
      const keys = await home.redis.keys(`*{${cam.storeId}}*`);
      expect({ store: cam.storeId, onItsMaster: keys.length > 0 }).toEqual({ store: cam.storeId, onItsMaster: true });
    }
    const app = t.app.get<RedisClient>(REDIS);
    expect(app.status).toBe('ready');
    // A revocation is broadcast through every node the map leads to, and refused at once.
    const listener = new Redis(cluster.masters[2].port, '127.0.0.1');
    try {
      const heard: string[] = [];
      await listener.subscribe(`${t.config.redisPrefix}:key-revocations`);
      listener.on('message', (_c: string, m: string) => heard.push(m));
      expect((await t.admin('DELETE', `/api/admin/api-keys/${viewer.id}`)).status).toBe(200);
      await waitFor('the revocation on the third master', async () => heard.length > 0);
      expect((await t.call('GET', `/api/dashboard/live?store_id=${cams[0].storeId}`, { token: viewer.api_key })).status).toBe(401);
    } finally {
      listener.disconnect();
    }
  }, 120_000);
});
