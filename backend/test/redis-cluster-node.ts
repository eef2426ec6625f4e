// A real Redis Cluster of one node that owns every slot, on a free port with its own throwaway folder. It refuses any
// command or script whose keys span two slots (CROSSSLOT), exactly as a many-node cluster does, while a plain client
// needs no redirects: an app pointed at it proves its key layout works on a Redis Cluster.
import { type ChildProcess, spawn } from 'node:child_process';
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

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster node: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startClusterNode(): Promise<ClusterNode> {
  const dir = mkdtempSync(join(tmpdir(), 'wink-redis-cluster-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')];
  const child: ChildProcess = spawn('redis-server', [...args, '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  await until('redis-server to answer (is it installed? .ci/run installs it)', async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (redis.status === 'wait') await redis.connect();
    return (await redis.ping()) === 'PONG';
  });
  await redis.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await until('the cluster to be ok', async () => String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
  return {
    url: `redis://127.0.0.1:${port}`,
    redis,
    async stop() {
      redis.disconnect();
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
