// Every Redis connection the app opens is made here: to one server (REDIS_URL) or to a Redis Cluster
// (REDIS_CLUSTER_NODES, credentials and TLS still from REDIS_URL). The key layout is cluster-safe already (one hash
// tag per store, one per BullMQ queue); what differs on a cluster is the client, and the few operations that
// concern the whole keyspace, which must visit every master (`masters()`).
import { type Processor, Worker, type WorkerOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app-config.ts';

/** The app's Redis client: one server, or a Redis Cluster. Both speak the same commands, scripts and pipelines. */
export type RedisClient = Redis | Cluster;

/** What a connection is for, and so how long its commands wait for a Redis that does not answer. */
export type RedisRole = 'app' | 'queue';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  /** Request paths: a command fails after two reconnection attempts, and the caller answers without Redis. */
  app: { maxRetriesPerRequest: 2, enableOfflineQueue: true },
  /** BullMQ queues and workers: commands wait for Redis as long as it takes (BullMQ requires it of workers). */
  queue: { maxRetriesPerRequest: null },
};

/** What a `redis://` / `rediss://` URL says: host, port, credentials, database, TLS (ioredis and BullMQ options alike). */
export interface RedisUrlOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

export function redisUrlOptions(redisUrl: string): RedisUrlOptions {
  const u = new URL(redisUrl);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isFinite(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * Where a whole-keyspace command (SCAN, KEYS, FLUSHDB, INFO keyspace) must run: the client itself for one server,
 * every master of a cluster (each holds its own slots' keys). Throws when the cluster knows no master yet, rather
 * than answering for an empty keyspace.
 */
export function masters(client: RedisClient): Redis[] {
  if (!(client instanceof Cluster)) return [client];
  const nodes = client.nodes('master');
  if (nodes.length === 0) throw new Error(`Redis Cluster: no master known (connection ${client.status})`);
  return nodes;
}

/** A new connection to the app's Redis (a Cluster when REDIS_CLUSTER_NODES is set). The caller closes it. */
export function createRedis(config: AppConfig, role: RedisRole, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = { ...redisUrlOptions(config.redisUrl), ...ROLE_OPTIONS[role], ...extra };
  const seeds = config.redisClusterNodes;
  if (!seeds?.length) return new Redis(options);
  // Connection-level options go to every node's connection; these few are the cluster client's own.
  const { host: _host, port: _port, db: _db, lazyConnect, enableOfflineQueue, enableReadyCheck, ...redisOptions } = options;
  return new Cluster(seeds, { redisOptions, lazyConnect, enableOfflineQueue, enableReadyCheck, natMap: config.redisClusterNatMap });
}

/**
 * A connection for SUBSCRIBE, always to one server: on a cluster, seed `seedIndex` (modulo the seeds; a PUBLISH on any
 * node reaches the subscribers of every node over the cluster bus). While it is down the subscription is down, which
 * its user must tolerate anyway (key revocations: every request is then verified in PostgreSQL); on a cluster it gives
 * up on a seed after SUBSCRIBER_ATTEMPTS_PER_SEED failed reconnections ('end'), so its user can move to the next one.
 */
export function createSubscriber(config: AppConfig, extra: RedisOptions = {}, seedIndex = 0): Redis {
  const seeds = config.redisClusterNodes ?? [];
  const seed = seeds.length ? seeds[seedIndex % seeds.length] : undefined;
  // One server: reconnect for ever. Several seeds: a few quick tries, then 'end' (the next seed is tried instead).
  const giveUp: RedisOptions =
    seeds.length > 1 ? { retryStrategy: (times: number) => (times > SUBSCRIBER_ATTEMPTS_PER_SEED ? null : Math.min(200 * times, 1000)) } : {};
  return new Redis({
    ...redisUrlOptions(config.redisUrl),
    ...ROLE_OPTIONS.app,
    ...(seed ? { host: seed.host, port: seed.port, db: 0 } : {}),
    ...giveUp,
    ...extra,
  });
}

/** Reconnections to one seed node before a cluster subscriber moves on to the next seed (200 + 400 + 600 ms of waits). */
export const SUBSCRIBER_ATTEMPTS_PER_SEED = 3;

/**
 * PUBLISHes the messages on every node, replicas included: resolves once each has handed them to its own
 * subscribers, so a subscriber on any node has them when this resolves, as on a single server. (A PUBLISH to one
 * node of a cluster reaches the other nodes' subscribers a moment after it answered — a revocation could then be
 * trusted once more; and a subscriber's node may be a replica after a failover.) A node that is down holds no live
 * subscription, so the broadcast fails only when no node took it. Subscribers hear each message once per node.
 * → the first error when no node took the messages, or null.
 */
export async function publishEverywhere(client: RedisClient, channel: string, messages: readonly string[]): Promise<Error | null> {
  const nodes = client instanceof Cluster ? client.nodes('all') : [client];
  const results = await Promise.allSettled(
    nodes.map(async (node) => {
      const pipe = node.pipeline();
      for (const m of messages) pipe.publish(channel, m);
      const replies = (await pipe.exec()) ?? [];
      const err = replies.find(([e]) => e)?.[0];
      if (err) throw err;
    }),
  );
  if (results.some((r) => r.status === 'fulfilled')) return null;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  return failed ? (failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason))) : new Error('Redis Cluster: no node known');
}

/**
 * A BullMQ Worker on the app's Redis. On one server BullMQ is given options, and opens and closes its connections
 * itself; on a cluster it needs a Cluster instance, which BullMQ never closes (it takes it for shared): closed here
 * once the worker has closed.
 */
export function createWorker(config: AppConfig, name: string, processor: Processor, opts: Omit<WorkerOptions, 'connection'>): Worker {
  if (!config.redisClusterNodes?.length) return new Worker(name, processor, { ...opts, connection: redisUrlOptions(config.redisUrl) });
  const connection = createRedis(config, 'queue');
  const worker = new Worker(name, processor, { ...opts, connection });
  worker.once('closed', () => connection.disconnect());
  return worker;
}
