import { existsSync } from 'node:fs';
import { z } from 'zod';

const DEV_ADMIN_TOKEN = 'wink-dev-admin-token';
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 20;
export const DEFAULT_DATABASE_POOL_MAX = 20;
/** Webhook delivery defaults (hand-built configs in tests leave the settings out and get these). */
export const WEBHOOK_DEFAULTS = {
  retryMaxSeconds: 86_400,
  retryBaseMs: 10_000,
  timeoutMs: 10_000,
  disableAfterFailures: 20,
  disableAfterFailingSeconds: 3600,
} as const;

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(8000),
    /** Address to listen on: every interface by default (containers), 127.0.0.1 for this machine only (npm run demo). */
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
    /**
     * Connections each process may hold open to PostgreSQL. A dashboard history request runs its reads at once
     * (about 7 connections); N processes need N × this within the server's max_connections.
     */
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(1000).default(DEFAULT_DATABASE_POOL_MAX),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).default('redis://127.0.0.1:6379'),
    /**
     * A Redis Cluster's seed nodes, `host:port,host:port` (any few of its masters: the rest are discovered). Set, the
     * app connects to the cluster and REDIS_URL gives only the credentials and TLS (`rediss://`); unset, REDIS_URL is the server.
     */
    REDIS_CLUSTER_NODES: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const entries = (value ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== '');
        const nodes: RedisClusterNode[] = [];
        for (const entry of entries) {
          const node = parseClusterNode(entry);
          if (node) nodes.push(node);
          else ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (e.g. REDIS_CLUSTER_NODES=redis-1:6379,redis-2:6379)` });
        }
        return nodes.length > 0 ? nodes : undefined;
      }),
    /**
     * Where to reach cluster nodes that announce addresses this process cannot reach (nodes behind NAT, in containers,
     * or a managed cluster's inner addresses): `announced-host:port=reachable-host:port,…`. Only with REDIS_CLUSTER_NODES.
     */
    REDIS_CLUSTER_NAT_MAP: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const map: Record<string, RedisClusterNode> = {};
        for (const entry of (value ?? '').split(',').map((e) => e.trim())) {
          if (entry === '') continue;
          const [from, to, ...rest] = entry.split('=');
          const announced = parseClusterNode(from ?? '');
          const reachable = parseClusterNode(to ?? '');
          if (announced && reachable && rest.length === 0) map[`${announced.host}:${announced.port}`] = reachable;
          else
            ctx.addIssue({
              code: 'custom',
              message: `"${entry}" is not announced-host:port=reachable-host:port (e.g. 10.0.1.5:6379=redis-1.example.com:16379)`,
            });
        }
        return Object.keys(map).length > 0 ? map : undefined;
      }),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** A camera is online when its last heartbeat is younger than this. */
    CAMERA_ONLINE_SECONDS: z.coerce.number().int().min(10).max(3600).default(90),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Prefix for Redis keys and BullMQ queues, so several deployments or test runs can share one Redis. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_:-]*$/i)
      .default('wink'),
    /** Run the BullMQ analytics workers inside the API process too (default: only in development). */
    RUN_WORKERS: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).optional(),
    /** How long an analytics request waits for a report being computed before answering 202. */
    ANALYTICS_REPORT_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
    /** Newly ingested events re-roll their hours at most once per this interval (per store-hour). */
    ANALYTICS_ROLLUP_DEBOUNCE_MS: z.coerce.number().int().min(10).max(600_000).default(60_000),
    /** BullMQ job lock: a worker that dies mid-job has its job taken over after about this long. */
    ANALYTICS_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    /** Live counters of stores active in the last 15 min are reconciled with PostgreSQL this often (the heal time). */
    LIVE_RECONCILE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /** How often each worker process checks the job schedulers and re-rolls hours whose rollup lags their raw events. */
    ANALYTICS_HEAL_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
    /** Failed authentications (401) one client address may make per minute; past it, its failures answer 429. */
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_AUTH_FAILURES_PER_MINUTE),
    /** Webhooks: a delivery is retried (exponential from WEBHOOK_RETRY_BASE_MS, waits capped at 1 h) for up to this long. */
    WEBHOOK_RETRY_MAX_SECONDS: z.coerce
      .number()
      .min(0)
      .max(7 * 86_400)
      .default(WEBHOOK_DEFAULTS.retryMaxSeconds),
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(WEBHOOK_DEFAULTS.retryBaseMs),
    /** One attempt's HTTP request (connect to the end of the answer). */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(WEBHOOK_DEFAULTS.timeoutMs),
    /**
     * An endpoint is disabled after this many failed attempts in a row (any deliveries) once the failing streak has
     * also lasted WEBHOOK_DISABLE_AFTER_FAILING_SECONDS (so a burst of alerts during a short outage never disables
     * it), or when a delivery runs out of retries, or on 410 Gone.
     */
    WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(10_000).default(WEBHOOK_DEFAULTS.disableAfterFailures),
    WEBHOOK_DISABLE_AFTER_FAILING_SECONDS: z.coerce
      .number()
      .min(0)
      .max(7 * 86_400)
      .default(WEBHOOK_DEFAULTS.disableAfterFailingSeconds),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CLUSTER_NODES && Number(new URL(env.REDIS_URL).pathname.slice(1) || 0) !== 0) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'names a database, but a Redis Cluster (REDIS_CLUSTER_NODES) has only database 0' });
    }
    if (env.REDIS_CLUSTER_NAT_MAP && !env.REDIS_CLUSTER_NODES) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NAT_MAP'], message: 'maps Redis Cluster nodes, but REDIS_CLUSTER_NODES is not set' });
    }
    if (env.NODE_ENV === 'production' && !env.ADMIN_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_TOKEN'], message: 'is required in production (the admin API would be open otherwise)' });
    }
  });

/** One seed node of a Redis Cluster. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/** `host:port` (`[v6 address]:port` too) → the node, or null when it is not one. */
export function parseClusterNode(entry: string): RedisClusterNode | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/i.exec(entry);
  const port = m ? Number(m[3]) : 0;
  return m && port >= 1 && port <= 65535 ? { host: m[1] ?? m[2], port } : null;
}

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  /** Listening address (optional like the ones below: test configs leave it out). */
  host?: string;
  databaseUrl: string;
  /** True when DATABASE_URL was not set: the dev start may then fall back to an embedded PostgreSQL. */
  databaseUrlDefaulted: boolean;
  /** DATABASE_POOL_MAX (optional like the analytics settings below; default 20). */
  databasePoolMax?: number;
  /** The Redis server; with redisClusterNodes, only its credentials and TLS are used. */
  redisUrl: string;
  /** REDIS_CLUSTER_NODES: set, the app talks to a Redis Cluster through these seeds (redis/redis-connection.ts). */
  redisClusterNodes?: RedisClusterNode[];
  /** REDIS_CLUSTER_NAT_MAP: announced `host:port` → where this process reaches that node. */
  redisClusterNatMap?: Record<string, RedisClusterNode>;
  redisPrefix: string;
  adminToken: string;
  adminTokenDefaulted: boolean;
  cameraOnlineSeconds: number;
  logLevel: string;
  /** Analytics (optional so hand-built configs in tests and benches stay valid; loadAppConfig always sets them). */
  runWorkers?: boolean;
  reportWaitMs?: number;
  rollupDebounceMs?: number;
  jobLockMs?: number;
  /** Live counters: reconciliation period in seconds (optional like the above; default 30). */
  liveReconcileSeconds?: number;
  healIntervalMs?: number;
  /** Failed authentications per client address and minute before 429 (optional like the above; default 20). */
  authFailuresPerMinute?: number;
  /** Webhook delivery (optional like the above; WEBHOOK_DEFAULTS). */
  webhookRetryMaxSeconds?: number;
  webhookRetryBaseMs?: number;
  webhookTimeoutMs?: number;
  webhookDisableAfterFailures?: number;
  webhookDisableAfterFailingSeconds?: number;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/wink';

export class ConfigError extends Error {}

/** Reads the environment (and `.env` when present) once; every bad variable is listed, not just the first. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): AppConfig {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    databaseUrlDefaulted: !e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisClusterNatMap: e.REDIS_CLUSTER_NAT_MAP,
    redisPrefix: e.REDIS_PREFIX,
    adminToken: e.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
    adminTokenDefaulted: !e.ADMIN_TOKEN,
    cameraOnlineSeconds: e.CAMERA_ONLINE_SECONDS,
    logLevel: e.LOG_LEVEL,
    runWorkers: e.RUN_WORKERS ? e.RUN_WORKERS === 'true' : e.NODE_ENV === 'development',
    reportWaitMs: e.ANALYTICS_REPORT_WAIT_MS,
    rollupDebounceMs: e.ANALYTICS_ROLLUP_DEBOUNCE_MS,
    jobLockMs: e.ANALYTICS_JOB_LOCK_MS,
    liveReconcileSeconds: e.LIVE_RECONCILE_SECONDS,
    healIntervalMs: e.ANALYTICS_HEAL_INTERVAL_MS,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    webhookRetryMaxSeconds: e.WEBHOOK_RETRY_MAX_SECONDS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookDisableAfterFailures: e.WEBHOOK_DISABLE_AFTER_FAILURES,
    webhookDisableAfterFailingSeconds: e.WEBHOOK_DISABLE_AFTER_FAILING_SECONDS,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
