// Issue #19: on a Redis Cluster the key-revocation subscription sits on one node. When that node crashes, the
// subscription moves to the next seed by itself, and the memory of verified keys is trusted again only once it
// hears revocations there. Until then every key is checked in PostgreSQL (what `lookup` calling `verify` shows).
import { VerifiedKeyMemory } from '../src/admin/verified-key-memory.service.ts';
import { type AppConfig, loadAppConfig } from '../src/config/app-config.ts';
import { WinkMetrics } from '../src/observability/wink-metrics.service.ts';
import { createRedis, type RedisClient } from '../src/redis/redis-connection.ts';
import { waitFor } from './analytics/analytics-harness.ts';
import { describeWithRedisCluster, type RedisCluster, startRedisCluster } from './redis-cluster-node.ts';

const describeCluster = describeWithRedisCluster('redis-cluster-failover.e2e');

/** Waits on a condition; the limit is a backstop (a loaded machine is slow, never wrong). */
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => waitFor(what, check, timeoutMs);

describeCluster('key revocations on a Redis Cluster whose subscribed node crashes', () => {
  let cluster: RedisCluster;
  let redis: RedisClient;
  let memory: VerifiedKeyMemory;
  let config: AppConfig;
  let verified = 0;
  /** A lookup of `hash`: true when it was answered from memory, false when it went to "PostgreSQL". */
  const fromMemory = async (hash: string) => {
    const before = verified;
    await memory.lookup(hash, async () => {
      verified++;
      return { storeId: 's' };
    });
    return verified === before;
  };
  /** Memory is trusted: a key looked up once is answered from memory the second time. */
  const trusted = async () => {
    const hash = `probe-${Math.random()}`;
    await fromMemory(hash);
    return fromMemory(hash);
  };

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    config = { ...loadAppConfig({ NODE_ENV: 'test', REDIS_CLUSTER_NODES: cluster.seeds }), redisPrefix: 'wink_failover' };
    redis = createRedis(config, 'app');
    memory = new VerifiedKeyMemory(redis, config, new WinkMetrics());
    memory.onModuleInit();
  }, 120_000);

  afterAll(async () => {
    await memory?.onApplicationShutdown();
    redis?.disconnect();
    await cluster?.stop();
  });

  it('moves the subscription to the next seed, and hears revocations there', async () => {
    await until('the subscription on the first seed', trusted);
    // A revocation published on another master reaches the subscriber over the cluster bus.
    expect(await fromMemory('key-a')).toBe(false);
    expect(await fromMemory('key-a')).toBe(true);
    await cluster.masters[2]!.redis.publish('wink_failover:key-revocations', 'key-a');
    await until('key-a to be forgotten', async () => !(await fromMemory('key-a')));

    await cluster.kill(0); // the first seed: where the subscription is
    // Right after the crash, nothing is answered from memory…
    await until('memory to stop being trusted', async () => !(await trusted()), 30_000);
    // …until the subscription stands on another seed.
    await until('the subscription on another seed', trusted);

    expect(await fromMemory('key-b')).toBe(false);
    expect(await fromMemory('key-b')).toBe(true);
    await cluster.masters[2]!.redis.publish('wink_failover:key-revocations', 'key-b');
    await until('key-b to be forgotten after the failover', async () => !(await fromMemory('key-b')));
  }, 180_000);
});
