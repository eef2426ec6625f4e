// Real Redis Clusters from this machine's redis-server, on free ports with their own throwaway folder.
// startClusterNode: one node that owns every slot. It refuses any command or script whose keys span two slots
// (CROSSSLOT), exactly as a many-node cluster does, while a plain client needs no redirects: an app pointed at it
// proves its key layout works on a Redis Cluster. startRedisCluster: several masters (`redis-cli --cluster create`),
// for an app connected with REDIS_CLUSTER_NODES, its keys spread over them.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface ClusterNode {
  url: string;
  /** A plain client of the node (CLUSTER KEYSLOT, SCAN). */
  redis: Redis;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on now (the OS picks it; a process started right after takes it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether a Redis server answers PING on this local port now (no retries). */
export async function redisAnswersAt(port: number): Promise<boolean> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster node: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server of its own: cluster mode, no persistence, its config in `dir`; answers PING when this resolves. */
async function startServer(dir: string, port: number, extra: string[] = []): Promise<{ redis: Redis; child: ChildProcess; stop(): Promise<void> }> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
  const child: ChildProcess = spawn('redis-server', [...args, ...extra, '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  try {
    await until('redis-server to answer (is it installed? .ci/run installs it)', async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (redis.status === 'wait') await redis.connect();
      return (await redis.ping()) === 'PONG';
    });
  } catch (e) {
    child.kill('SIGKILL');
    redis.disconnect();
    throw e;
  }
  return {
    redis,
    child,
    async stop() {
      redis.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const clusterOk = async (redis: Redis) => String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok');

export async function startClusterNode(): Promise<ClusterNode> {
  const dir = mkdtempSync(join(tmpdir(), 'wink-redis-cluster-'));
  const port = await freePort();
  const server = await startServer(dir, port);
  const { redis } = server;
  await redis.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await until('the cluster to be ok', () => clusterOk(redis));
  return {
    url: `redis://127.0.0.1:${port}`,
    redis,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether this machine can start Redis Cluster nodes (redis-server and redis-cli on the PATH), else why not. */
export function redisClusterUnavailable(): string | null {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0) return `${bin} is not installed (apt-get install redis-server)`;
  }
  return null;
}

/** `describe` when this machine can start Redis Cluster nodes; otherwise `describe.skip`, after saying why for `suite`. */
export function describeWithRedisCluster(suite: string): jest.Describe {
  const unavailable = redisClusterUnavailable();
  if (!unavailable) return describe;
  console.warn(`SKIPPED ${suite}: ${unavailable}; a Redis Cluster cannot be started here`);
  return describe.skip;
}

export interface ClusterMaster {
  port: number;
  /** A plain client of this master: SCAN and DBSIZE see its own slots' keys only. */
  redis: Redis;
  /** The slot ranges it serves, [first, last] inclusive. */
  slots: [number, number][];
}

export interface RedisCluster {
  masters: ClusterMaster[];
  /** The seed list as REDIS_CLUSTER_NODES takes it: `127.0.0.1:p1,127.0.0.1:p2,…`. */
  seeds: string;
  /** Announced address → reachable one, as REDIS_CLUSTER_NAT_MAP takes it (each to itself unless `behindNat`). */
  natMap: string;
  /** The master serving a key's slot. */
  masterOf(key: string): Promise<ClusterMaster>;
  /** SIGKILLs master `index` (a crash: no goodbye to its clients); resolves once its process is gone. */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `size` masters and no replicas, each a redis-server of this machine on free ports (client
 * and cluster bus), created by `redis-cli --cluster create`; resolves once every node says cluster_state:ok and
 * knows every node. `stop()` ends them all and removes their folder.
 *
 * `behindNat`: each node announces a client port nobody listens on (as nodes behind NAT or in containers announce
 * their inner addresses), so a client reaches them only through `natMap` (REDIS_CLUSTER_NAT_MAP's form). redis-cli
 * would follow the announced ports, so the slots are assigned and the nodes met by hand.
 */
export async function startRedisCluster(size = 3, opts: { behindNat?: boolean } = {}): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'wink-redis-cluster-'));
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  const ports: number[] = [];
  const buses: number[] = [];
  const announcedPorts: number[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const [port, bus] = [await freePort(), await freePort()];
      const announced = opts.behindNat ? await freePort() : port;
      const nat = opts.behindNat ? ['--cluster-announce-port', String(announced), '--cluster-announce-bus-port', String(bus)] : [];
      servers.push(await startServer(dir, port, ['--cluster-port', String(bus), '--cluster-node-timeout', '5000', ...nat]));
      ports.push(port);
      buses.push(bus);
      announcedPorts.push(announced);
    }
    if (opts.behindNat) {
      for (let i = 0; i < size; i++) {
        const [first, last] = [Math.floor((16384 * i) / size), Math.floor((16384 * (i + 1)) / size) - 1];
        await servers[i].redis.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
        if (i > 0) await servers[0].redis.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[i]), String(buses[i]));
      }
    } else {
      const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}): ${create.stdout}${create.stderr}`);
    }
    await until(
      'every node to say cluster_state:ok and know every node',
      async () => {
        for (const { redis } of servers) {
          const info = String(await redis.call('CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${size}`)) return false;
        }
        return true;
      },
      60_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  // CLUSTER SLOTS: [[first, last, [host, port, id], …replicas], …]
  const slotMap = (await servers[0].redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
  const masters: ClusterMaster[] = servers.map((s, i) => ({
    port: ports[i],
    redis: s.redis,
    slots: slotMap.filter((r) => Number(r[2][1]) === announcedPorts[i]).map((r) => [Number(r[0]), Number(r[1])] as [number, number]),
  }));
  return {
    masters,
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    natMap: announcedPorts.map((a, i) => `127.0.0.1:${a}=127.0.0.1:${ports[i]}`).join(','),
    async masterOf(key: string) {
      const slot = Number(await servers[0].redis.call('CLUSTER', 'KEYSLOT', key));
      const m = masters.find((x) => x.slots.some(([a, b]) => slot >= a && slot <= b));
      if (!m) throw new Error(`no master serves slot ${slot} of ${key}`);
      return m;
    },
    async kill(index: number) {
      const { child, redis } = servers[index]!;
      redis.disconnect();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    stop,
  };
}
