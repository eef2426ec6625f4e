// Issue #19: the app on a real Redis Cluster of three masters, connected through REDIS_CLUSTER_NODES (an ioredis
// Cluster, redirected slot by slot). Two API instances share it and one PostgreSQL: one in this process with the
// queue workers, one a separate node process configured from its environment. Ingest through HTTP, live reads, the
// rollup and report jobs done by the workers, a key revoked on one instance refused by the other at once, stores
// deleted with their keys gone from every master — and the keys of different stores found on different masters.
// REDIS_URL points at a port where nothing listens: any connection still made from it would fail the test.
import type { ChildProcess } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AnalyticsWorkers } from '../src/analytics/analytics-workers.service.ts';
import { queuePrefix, REPORT_QUEUE, ROLLUP_QUEUE } from '../src/analytics/analytics.queues.ts';
import { loadAppConfig } from '../src/config/app-config.ts';
import { REDIS } from '../src/redis/redis.module.ts';
import type { RedisClient } from '../src/redis/redis-connection.ts';
import { spawnBackend, waitFor } from './analytics/analytics-harness.ts';
import { heartbeat } from './dashboard/dashboard-fixtures.ts';
import { guideBatch } from './guide-examples.ts';
import { freePort, describeWithRedisCluster, type RedisCluster, startRedisCluster } from './redis-cluster-node.ts';
import { type ProvisionedCamera, provisionCamera, startTestApp, type TestApp } from './test-app.ts';

/** Starting a node process from the TypeScript sources takes seconds idle and far longer on a loaded machine. */
const START_MS = 180_000;
const SETTLE_MS = 120_000;
/** Nothing listens here: REDIS_URL only lends its credentials (none) once REDIS_CLUSTER_NODES is set. */
const DEAD_REDIS_URL = 'redis://127.0.0.1:1';

const describeCluster = describeWithRedisCluster('redis-cluster-multinode.e2e');

describeCluster('the app on a real three-master Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisCluster;
  let t: TestApp;
  let other: { baseUrl: string; child: ChildProcess } | undefined;
  /** One store per master, found by the slot of its hash tag. */
  const stores: ProvisionedCamera[] = [];
  let viewer: string;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    const env = { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: DEAD_REDIS_URL };
    // The seeds as the app reads them from its environment.
    const { redisClusterNodes, redisUrl } = loadAppConfig({ NODE_ENV: 'test', ...env });
    t = await startTestApp({
      redisClusterNodes,
      redisUrl,
      runWorkers: false,
      rollupDebounceMs: 100,
      reportWaitMs: 100,
      logLevel: 'warn',
    });
    t.config.runWorkers = true;
    await t.app.get(AnalyticsWorkers).onApplicationBootstrap();
    const port = await freePort();
    // The same cluster named from another seed first: this instance subscribes on another master than the first one.
    const seeds = cluster.seeds.split(',');
    const otherEnv = { ...env, REDIS_CLUSTER_NODES: [...seeds.slice(1), seeds[0]].join(',') };
    const child = spawnBackend(
      'backend/src/main.ts',
      { db: t.db, config: t.config },
      { ...otherEnv, PORT: String(port), HOST: '127.0.0.1', RUN_WORKERS: 'false' },
    );
    other = { baseUrl: `http://127.0.0.1:${port}`, child };
    await waitFor(
      'the second API instance to answer its health check with Redis up',
      async () => {
        if (child.exitCode !== null) throw new Error(`the second API exited with ${child.exitCode}`);
        const r = await fetch(`${other!.baseUrl}/api/ingest/health`).catch(() => null);
        return r?.status === 200 && ((await r.json()) as { redis: string }).redis === 'up';
      },
      START_MS,
    );
  }, START_MS * 2);

  afterAll(async () => {
    if (other && other.child.exitCode === null && other.child.signalCode === null) {
      const exited = new Promise((r) => other!.child.once('exit', r));
      other.child.kill('SIGKILL');
      await exited;
    }
    await t?.close();
    await cluster?.stop();
  }, 60_000);

  const redis = () => t.app.get<RedisClient>(REDIS);
  /** Every key on one master (SCAN reaches only that node's slots). */
  const keysOn = async (m: { redis: Redis }) => {
    const keys: string[] = [];
    for await (const batch of m.redis.scanStream({ count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
    return keys;
  };
  const keysByMaster = async () => new Map(await Promise.all(cluster.masters.map(async (m) => [m.port, await keysOn(m)] as const)));
  const callOther = async (method: string, path: string, token: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, connection: 'close' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(other!.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  it('connects with a Cluster client, and the control holds: a plain client of one master is refused other masters’ keys', async () => {
    expect(redis()).toBeInstanceOf(Cluster);
    expect(cluster.masters.every((m) => m.slots.length > 0)).toBe(true);
    const [a, b] = cluster.masters;
    const foreign = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
    const notOnA = (await Promise.all(foreign.map(async (k) => ((await cluster.masterOf(k)) === a ? null : k)))).find((k) => k !== null)!;
    await expect(a.redis.get(notOnA)).rejects.toThrow(/MOVED/);
    await expect(b.redis.del('{x}a', '{y}b')).rejects.toThrow(/CROSSSLOT/);
  });

  it(
    'ingests through both instances, answers live reads from Redis, and its workers run the rollup and report jobs',
    async () => {
      // One store per master: candidate ids until each master has one (the control that keys do spread).
      const org = await t.admin('POST', '/api/admin/orgs', { name: 'Cluster Retail' });
      const orgId = org.body.id as string;
      const taken = new Set<number>();
      for (let i = 0; taken.size < cluster.masters.length && i < 200; i++) {
        const storeId = `mn_store_${i}`;
        const m = await cluster.masterOf(`{${storeId}}`);
        if (taken.has(m.port)) continue;
        taken.add(m.port);
        stores.push(await provisionCamera(t, { orgId, storeId, cameraId: 'cam_1' }));
      }
      expect(stores).toHaveLength(3);
      viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: orgId, role: 'viewer' })).body.api_key;

      const now = Date.now();
      for (const [i, cam] of stores.entries()) {
        await heartbeat(t, cam, { fps: 5 }, i % 2 === 0 ? t.baseUrl : other!.baseUrl);
        // Alternately through this instance and the other one.
        const first = await (i % 2 === 0
          ? t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: guideBatch(cam, new Date(now - 600_000).toISOString()) })
          : callOther('POST', '/api/ingest/events', cam.apiKey, guideBatch(cam, new Date(now - 600_000).toISOString())));
        expect({ store: cam.storeId, status: first.status, accepted: first.body.accepted }).toEqual({ store: cam.storeId, status: 200, accepted: 4 });
        const second = await (i % 2 === 1
          ? t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: guideBatch(cam, new Date(now - 300_000).toISOString()) })
          : callOther('POST', '/api/ingest/events', cam.apiKey, guideBatch(cam, new Date(now - 300_000).toISOString())));
        expect(second.status).toBe(200);
      }
      for (const cam of stores) {
        const here = await t.call('GET', `/api/dashboard/live?store_id=${cam.storeId}`, { token: viewer });
        const there = await callOther('GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer);
        for (const r of [here, there])
          expect({ store: cam.storeId, status: r.status, footfall: r.body.footfall }).toEqual({ store: cam.storeId, status: 200, footfall: 2 });
        // Read again: the counters the first read built are in Redis, on the store's master (checked below).
        expect((await callOther('GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer)).body.footfall).toBe(2);
      }

      const sql = (text: string, params: unknown[]) => t.app.get(DataSource).query(text, params) as Promise<{ n: number }[]>;
      await waitFor(
        'the workers to roll up every store',
        async () =>
          (await sql(`SELECT count(DISTINCT store_id)::int AS n FROM hourly_rollups WHERE store_id = ANY($1)`, [stores.map((s) => s.storeId)]))[0].n ===
          stores.length,
        SETTLE_MS,
      );
      const spikes = await callOther('GET', `/api/analytics/spikes?store_id=${stores[0].storeId}&days=7`, viewer);
      expect([200, 202]).toContain(spikes.status);
      if (spikes.status === 202) {
        await waitFor('the report job', async () => (await t.call('GET', spikes.body.poll, { token: viewer })).status === 200, SETTLE_MS);
      }
      const report = await t.call('GET', `/api/analytics/reports/${spikes.body.report_id}`, { token: viewer });
      expect(report.status).toBe(200);

      // BullMQ files a job as completed after it returns, a moment after the rows it wrote (what was waited for above).
      const completedKey = async (q: string) => {
        const tag = queuePrefix(t.config.redisPrefix, q);
        return (await (await cluster.masterOf(tag)).redis.exists(`${tag}:${q}:completed`)) === 1;
      };
      await waitFor('a completed job in each queue', async () => (await completedKey(ROLLUP_QUEUE)) && (await completedKey(REPORT_QUEUE)), SETTLE_MS);

      // Each store's keys sit on the master of its slot, and nowhere else: three stores, three masters.
      const byMaster = await keysByMaster();
      const homes = new Set<number>();
      for (const cam of stores) {
        const home = (await cluster.masterOf(`{${cam.storeId}}`)).port;
        const where = [...byMaster].filter(([, keys]) => keys.some((k) => k.includes(`{${cam.storeId}}`))).map(([port]) => port);
        expect({ store: cam.storeId, where }).toEqual({ store: cam.storeId, where: [home] });
        expect(byMaster.get(home)!.filter((k) => k.includes(`{${cam.storeId}}`)).length).toBeGreaterThanOrEqual(3);
        homes.add(home);
      }
      expect(homes.size).toBe(3);
      // The queues' keys too: each queue on its tag's master, the jobs the workers completed among them.
      for (const q of [ROLLUP_QUEUE, REPORT_QUEUE]) {
        const tag = queuePrefix(t.config.redisPrefix, q);
        const home = (await cluster.masterOf(tag)).port;
        const where = [...byMaster].filter(([, keys]) => keys.some((k) => k.startsWith(tag))).map(([port]) => port);
        expect({ q, where }).toEqual({ q, where: [home] });
        expect(byMaster.get(home)).toContain(`${tag}:${q}:completed`);
      }
    },
    SETTLE_MS * 3,
  );

  it(
    'a key revoked on one instance is refused by the other at once: the broadcast crosses the cluster',
    async () => {
      // Both instances listen, each on its first seed node: two different masters. Until both confirmed, memory is not used.
      const channel = `${t.config.redisPrefix}:key-revocations`;
      const listeners = async () => Promise.all(cluster.masters.map(async (m) => ((await m.redis.pubsub('NUMSUB', channel)) as [string, number])[1]));
      await waitFor('both instances to subscribe to key changes', async () => (await listeners()).reduce((a, n) => a + n, 0) >= 2, START_MS);
      expect((await listeners()).filter((n) => n > 0)).toEqual([1, 1]);

      // The control under it: a subscriber of one master hears a PUBLISH sent to each of the others.
      const [a, ...rest] = cluster.masters;
      const sub = new Redis({ host: '127.0.0.1', port: a.port, lazyConnect: true });
      try {
        await sub.connect();
        const heard: string[] = [];
        sub.on('message', (_c: string, m: string) => heard.push(m));
        await sub.subscribe('mn-control');
        for (const m of rest) await m.redis.publish('mn-control', `from ${m.port}`);
        await waitFor('the subscriber to hear every master', async () => heard.length === rest.length, SETTLE_MS);
        expect(heard.sort()).toEqual(rest.map((m) => `from ${m.port}`).sort());
      } finally {
        sub.disconnect();
      }

      const cam = stores[0];
      const batch = (id: string) => ({
        org_id: cam.orgId,
        store_id: cam.storeId,
        camera_id: cam.cameraId,
        device_ts: new Date().toISOString(),
        events: [{ type: 'entrance', event_id: id, ts: new Date(Date.now() - 60_000).toISOString(), direction: 'in', person_key: id }],
      });
      // Several keys, each revoked on this instance after the other one verified and remembered it: only the broadcast,
      // from this instance's master to the other's, can make that instance refuse it at once.
      // How many PUBLISHes each master has run: the revocations must go to each (a subscriber anywhere has them at once).
      const publishes = () =>
        Promise.all(cluster.masters.map(async (m) => Number(/cmdstat_publish:calls=(\d+)/.exec(String(await m.redis.info('commandstats')))?.[1] ?? 0)));
      const published = await publishes();
      const ROUNDS = 4;
      for (let i = 0; i < ROUNDS; i++) {
        const edge = await t.admin('POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId });
        const reader = await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer', name: `temporary ${i}` });
        expect((await callOther('POST', '/api/ingest/events', edge.body.api_key, batch(`rev-${i}-a`))).status).toBe(200);
        expect((await callOther('GET', `/api/dashboard/live?store_id=${cam.storeId}`, reader.body.api_key)).status).toBe(200);
        expect((await t.admin('DELETE', `/api/admin/edge-keys/${edge.body.id}`)).status).toBe(200);
        expect((await t.admin('DELETE', `/api/admin/api-keys/${reader.body.id}`)).status).toBe(200);
        expect((await callOther('POST', '/api/ingest/events', edge.body.api_key, batch(`rev-${i}-b`))).status).toBe(401);
        expect((await callOther('GET', `/api/dashboard/live?store_id=${cam.storeId}`, reader.body.api_key)).status).toBe(401);
      }
      const more = (await publishes()).map((n, i) => n - published[i]);
      for (const n of more) expect(n).toBeGreaterThanOrEqual(2 * ROUNDS);
    },
    START_MS + SETTLE_MS,
  );

  it(
    'deleting stores removes their keys from every master, and only theirs',
    async () => {
      const [gone1, gone2, kept] = [stores[1], stores[2], stores[0]];
      const before = await keysByMaster();
      const count = (keys: Map<number, string[]>, storeId: string) => [...keys.values()].flat().filter((k) => k.includes(`{${storeId}}`)).length;
      for (const s of [gone1, gone2, kept]) expect({ s: s.storeId, n: count(before, s.storeId) > 0 }).toEqual({ s: s.storeId, n: true });
      // One deleted through each instance: both scan every master for the store's keys.
      expect((await t.admin('DELETE', `/api/admin/stores/${gone1.storeId}?data=delete`)).status).toBe(200);
      expect((await callOther('DELETE', `/api/admin/stores/${gone2.storeId}?data=delete`, t.config.adminToken)).status).toBe(200);
      const after = await keysByMaster();
      expect({ gone1: count(after, gone1.storeId), gone2: count(after, gone2.storeId) }).toEqual({ gone1: 0, gone2: 0 });
      expect(count(after, kept.storeId)).toBe(count(before, kept.storeId));
      expect((await callOther('GET', `/api/dashboard/live?store_id=${gone1.storeId}`, viewer)).status).toBe(404);
      expect((await t.call('GET', `/api/dashboard/live?store_id=${kept.storeId}`, { token: viewer })).body.footfall).toBeGreaterThanOrEqual(2);
      // And the way there: no process reported a cross-slot or redirection failure.
      expect(t.logs.filter((l) => /CROSSSLOT|same slot|MOVED|slots allocation|scanStream/i.test(l))).toEqual([]);
    },
    SETTLE_MS,
  );
});
