// `npm run dev` / `npm run demo` start a redis-server when none answers at a local REDIS_URL. With REDIS_CLUSTER_NODES
// they must check that cluster instead, and never stand in for it with a single server of their own.
import { ensureRedis } from '../../tools/cli/local-services.ts';
import { loadAppConfig } from '../src/config/app-config.ts';
import { freePort, describeWithRedisCluster, type RedisCluster, redisAnswersAt, startRedisCluster } from './redis-cluster-node.ts';

const describeCluster = describeWithRedisCluster('local-services-redis.e2e');

describeCluster('local services with REDIS_CLUSTER_NODES', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('uses the cluster when it answers, and starts nothing', async () => {
    // REDIS_URL points at a port nobody listens on: only the cluster may be probed.
    const config = loadAppConfig({ REDIS_CLUSTER_NODES: cluster.seeds, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, '/nonexistent.env');
    const logs: string[] = [];
    const redis = await ensureRedis(config, (m) => logs.push(m));
    expect(redis.started).toBe(false);
    expect(logs).toEqual([]);
  });

  it('a cluster that does not answer is an error naming REDIS_CLUSTER_NODES, and no redis-server is started', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const config = loadAppConfig({ REDIS_CLUSTER_NODES: `127.0.0.1:${a},127.0.0.1:${b}`, REDIS_URL: `redis://127.0.0.1:${a}` }, '/nonexistent.env');
    const logs: string[] = [];
    await expect(ensureRedis(config, (m) => logs.push(m))).rejects.toThrow(
      new RegExp(`No Redis Cluster answers at REDIS_CLUSTER_NODES=127\\.0\\.0\\.1:${a},127\\.0\\.0\\.1:${b}`),
    );
    expect(logs).toEqual([]);
    expect(await redisAnswersAt(a)).toBe(false);
  });
});
