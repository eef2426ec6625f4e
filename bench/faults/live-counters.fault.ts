// Fault scenarios "live counters" (issue #12), for `npm run bench:faults` and the e2e test
// backend/test/dashboard/live-faults.e2e.spec.ts, with real processes and real faults: an API process
// SIGKILLed mid-ingest, and a redis-server of its own flushed, restarted and stopped during ingest. Each
// returns what it counted: {generated, stored, lost, doubled, drift, healSeconds, …}.
//
// Entry points: runApiCrashScenario(), runRedisFaultScenario(). Building blocks: startRedisServer(),
// startApiProcess(), EdgeSender.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { localDate } from '../../backend/src/common/store-clock.ts';
import { seededRandom } from '../../backend/src/common/seeded-random.ts';
import { countersFromTotals, liveMetrics, type LiveMetrics } from '../../backend/src/dashboard/live-counters.ts';
import { dayBounds } from '../../backend/src/dashboard/store-day.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../backend/src/database/throwaway-database.ts';
import { StoreTotalsReader } from '../../backend/src/ingest/store-totals.reader.ts';

const ADMIN_TOKEN = 'faults-admin-token-0123456789';
/** Running from TypeScript sources (jest, node --import ts-loader) or from the build (dist/bench). */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
/** The repository (the build's file is one level deeper, in dist/). */
const ROOT = fileURLToPath(new URL(FROM_SOURCES ? '../../' : '../../../', import.meta.url));

export interface FaultResult {
  /** Events the edge generated (all with distinct ids). */
  generated: number;
  /** Rows in PostgreSQL. */
  stored: number;
  /** Generated events missing from PostgreSQL. */
  lost: number;
  /** Rows stored twice (ids repeated in PostgreSQL) plus events /live counts more often than PostgreSQL holds them, at the end. */
  doubled: number;
  /** Σ |/live − PostgreSQL| over the counts (footfall, exits, zone entries, shelf interactions, queue waits), at the end. */
  drift: number;
  /** The same, right after the last fault's ingest ended: what had to be healed. */
  driftBeforeHeal: number;
  /** From the end of the last fault (ingest finished, or Redis back) until /live from Redis equalled PostgreSQL; null if it never did. */
  healSeconds: number | null;
}

export interface RedisDownObservations {
  /** HTTP statuses of /live and /cameras while Redis was stopped (never 500), and the slowest answer (ms). */
  liveStatuses: number[];
  cameraStatuses: number[];
  liveMaxMs: number;
  camerasMaxMs: number;
  /** /live's `x-live-source` header values while down. */
  liveSources: string[];
  /** /live equalled PostgreSQL on every read while down. */
  liveExact: boolean;
  /** /api/ingest/health while down: status and body. */
  health: { status: number; body: unknown };
  /** Ingest requests while down: all acknowledged, the slowest and the median (ms). */
  ingestAcked: number;
  ingestBatches: number;
  ingestMaxMs: number;
  ingestMedianMs: number;
}

// ---------------------------------------------------------------------------------------------------------
// Processes

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Keeps the tail of a child's output, to say why it failed. */
function keepTail(child: ChildProcess): () => string {
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => out;
}

export interface RedisServer {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  flushAll(): Promise<void>;
}

/** A redis-server of the scenario's own (never the shared one), in memory only: a restart starts empty. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  let child: ChildProcess | null = null;
  const cli = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const c = spawn('redis-cli', ['-p', String(p), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
      });
      c.once('error', reject);
      c.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`redis-cli ${args.join(' ')}: exit ${code}`))));
    });
  const server: RedisServer = {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async start() {
      child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const tail = keepTail(child);
      await waitUntil(
        `redis-server on ${p}`,
        async () => {
          if (child!.exitCode !== null) throw new Error(`redis-server exited: ${tail()}`);
          return (await cli('PING')) === 'PONG';
        },
        10_000,
      );
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = null;
      c.kill('SIGKILL');
      await exited(c);
    },
    async flushAll() {
      await cli('FLUSHALL');
    },
  };
  await server.start();
  return server;
}

export interface ApiProcess {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** The real API (backend/src/main.ts, or the build's main.js) as a child process on `port`; resolves once it answers HTTP. */
export async function startApiProcess(env: {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  reconcileSeconds: number;
}): Promise<ApiProcess> {
  const args = FROM_SOURCES ? ['--import', './backend/test/analytics/ts-loader.mjs', 'backend/src/main.ts'] : ['dist/backend/src/main.js'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: String(env.port),
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      RUN_WORKERS: 'false',
      LIVE_RECONCILE_SECONDS: String(env.reconcileSeconds),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  await waitUntil(
    'the API to answer',
    async () => {
      if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output()}`);
      const r = await fetch(`http://127.0.0.1:${env.port}/api/ingest/health`, { signal: AbortSignal.timeout(3000) });
      return r.status === 200 || r.status === 503;
    },
    180_000, // from the TypeScript sources on a loaded 2-core machine: minutes, not seconds
    100,
  ).catch((e: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${output()}`);
  });
  return {
    child,
    output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The store, its events and the edge

interface Camera {
  orgId: string;
  storeId: string;
  cameraId: string;
  apiKey: string;
}

async function http(base: string, method: string, path: string, token: string, body?: unknown, timeoutMs = 10_000) {
  const started = Date.now();
  const res = await fetch(base + path, {
    method,
    signal: AbortSignal.timeout(timeoutMs),
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as any, headers: res.headers, ms: Date.now() - started };
}

/** A zone where the local day started more than 5 minutes ago and goes on for at least 30 more: events of "now" are today. */
function steadyZone(nowMs = Date.now()): string {
  for (const tz of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
    if (localDate(nowMs - 5 * 60_000, tz) === localDate(nowMs, tz) && localDate(nowMs + 30 * 60_000, tz) === localDate(nowMs, tz)) return tz;
  }
  throw new Error('no steady time zone (cannot happen: the candidates are 5+ hours apart)');
}

async function provisionStore(base: string, storeId: string, cameras: number): Promise<{ cams: Camera[]; timezone: string }> {
  const timezone = steadyZone();
  const org = await http(base, 'POST', '/api/admin/orgs', ADMIN_TOKEN, { name: `Faults ${storeId}` });
  const orgId = org.body.id as string;
  const s = await http(base, 'POST', '/api/admin/stores', ADMIN_TOKEN, { org_id: orgId, store_id: storeId, name: storeId, timezone });
  if (s.status !== 201) throw new Error(`store: ${JSON.stringify(s.body)}`);
  const cams: Camera[] = [];
  for (let i = 0; i < cameras; i++) {
    const cameraId = `cam_${i + 1}`;
    const c = await http(base, 'POST', '/api/admin/cameras', ADMIN_TOKEN, {
      store_id: storeId,
      camera_id: cameraId,
      name: cameraId,
      capabilities: ['entrance', 'zones', 'shelves', 'queue'],
    });
    if (c.status !== 201) throw new Error(`camera: ${JSON.stringify(c.body)}`);
    const k = await http(base, 'POST', '/api/admin/edge-keys', ADMIN_TOKEN, { org_id: orgId, store_id: storeId, camera_id: cameraId });
    if (k.status !== 201) throw new Error(`edge key: ${JSON.stringify(k.body)}`);
    cams.push({ orgId, storeId, cameraId, apiKey: k.body.api_key as string });
  }
  return { cams, timezone };
}

type Ev = Record<string, unknown>;

/** `count` batches of `size` events for a camera: entrances in and out, zones, shelves and queues, ids `<tag>-<n>`, ts in the last two minutes. */
export function makeBatches(cam: Camera, tag: string, count: number, size: number, seed: number): Ev[][] {
  const random = seededRandom(seed);
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const batches: Ev[][] = [];
  for (let b = 0; b < count; b++) {
    const events: Ev[] = [];
    for (let i = 0; i < size; i++) {
      const n = b * size + i;
      const ts = now - Math.floor(random() * 120_000);
      const person = `p${Math.floor(random() * 400)}`;
      const common = { event_id: `${tag}-${cam.cameraId}-${n}`, ts: iso(ts), person_key: person };
      const r = random();
      const secs = Math.round(random() * 300_000) / 1000;
      if (r < 0.4) events.push({ type: 'entrance', ...common, direction: random() < 0.6 ? 'in' : 'out' });
      else if (r < 0.7)
        events.push({
          type: 'zone',
          ...common,
          zone_id: `zone_${Math.floor(random() * 3)}`,
          enter_ts: iso(ts - secs * 1000),
          exit_ts: iso(ts),
          dwell_seconds: secs,
        });
      else if (r < 0.85) events.push({ type: 'shelf', ...common, shelf_id: `shelf_${Math.floor(random() * 4)}`, dwell_seconds: secs / 10 });
      else events.push({ type: 'queue', ...common, queue_id: 'checkout_1', enter_ts: iso(ts - secs * 1000), exit_ts: iso(ts), wait_seconds: secs });
    }
    batches.push(events);
  }
  return batches;
}

/**
 * Sends each camera's batches in order, as the edge's outbox does: a batch stays unacknowledged until the API
 * answers it 200, and is sent again after any failure (connection refused or reset: the API died mid-request).
 */
export class EdgeSender {
  acked = 0;
  readonly latenciesMs: number[] = [];
  constructor(private readonly base: string) {}

  async send(cam: Camera, batches: Ev[][]): Promise<void> {
    for (const events of batches) {
      const body = { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), events };
      for (;;) {
        const r = await http(this.base, 'POST', '/api/ingest/events', cam.apiKey, body, 15_000).catch(() => null);
        if (r?.status === 200) {
          this.latenciesMs.push(r.ms);
          break;
        }
        if (r && r.status !== 503 && r.status < 500) throw new Error(`ingest refused ${r.status}: ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 20)); // unacknowledged: re-send, as the edge does
      }
      this.acked++;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL, the truth

type Counts = Record<string, number>;

/** The counts a live view shows: footfall, exits (footfall − occupancy when not clamped), entries/interactions/waits per id. */
function counts(m: LiveMetrics, exits: number): Counts {
  const c: Counts = { footfall: m.footfall, exits };
  for (const [id, z] of Object.entries(m.zones)) c[`zone:${id}`] = z.entries;
  for (const [id, s] of Object.entries(m.shelves)) c[`shelf:${id}`] = s.interactions;
  for (const [id, q] of Object.entries(m.queues)) c[`queue:${id}`] = q.waits;
  return c;
}

/** The view minus what legitimately differs between Redis and PostgreSQL answers (HLL estimates, time, camera list). */
function exactPart(m: LiveMetrics): unknown {
  const zones = Object.fromEntries(Object.entries(m.zones).map(([id, z]) => [id, { entries: z.entries, avg_dwell: z.avg_dwell }]));
  return { footfall: m.footfall, occupancy: m.occupancy, zones, shelves: m.shelves, queues: m.queues };
}

class Truth {
  private readonly pool: pg.Pool;
  private readonly reader: StoreTotalsReader;
  constructor(
    url: string,
    private readonly storeId: string,
    private readonly timezone: string,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    // The dashboard's own totals query (the one the rebuild uses), run on a plain pool.
    this.reader = new StoreTotalsReader({
      query: async (text: string, params: unknown[]) => (await this.pool.query(text, params)).rows,
    } as unknown as DataSource);
  }

  async today(): Promise<{ metrics: LiveMetrics; exits: number }> {
    const { start, end } = dayBounds(localDate(Date.now(), this.timezone), this.timezone);
    const { counters, visitors } = countersFromTotals(await this.reader.totals(this.storeId, start, end));
    return { metrics: liveMetrics(counters, visitors), exits: counters.out };
  }

  async rows(): Promise<{ stored: number; distinct: number }> {
    const { rows } = await this.pool.query<{ stored: number; distinct: number }>(
      `SELECT count(*)::int AS stored, count(DISTINCT (t, camera_id, event_id))::int AS distinct FROM (
         SELECT 'e' AS t, camera_id, event_id FROM entrance_events WHERE store_id = $1 UNION ALL
         SELECT 'z', camera_id, event_id FROM zone_events WHERE store_id = $1 UNION ALL
         SELECT 's', camera_id, event_id FROM shelf_interactions WHERE store_id = $1 UNION ALL
         SELECT 'q', camera_id, event_id FROM queue_events WHERE store_id = $1) x`,
      [this.storeId],
    );
    return rows[0];
  }

  async storedIds(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT event_id AS id FROM entrance_events WHERE store_id = $1 UNION ALL SELECT event_id FROM zone_events WHERE store_id = $1
       UNION ALL SELECT event_id FROM shelf_interactions WHERE store_id = $1 UNION ALL SELECT event_id FROM queue_events WHERE store_id = $1`,
      [this.storeId],
    );
    return new Set(rows.map((r) => r.id));
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

interface Comparison {
  drift: number;
  over: number;
  exact: boolean;
  source: string | null;
  status: number;
}

async function compare(base: string, storeId: string, truth: Truth): Promise<Comparison> {
  const r = await http(base, 'GET', `/api/dashboard/live?store_id=${storeId}`, ADMIN_TOKEN);
  const pgNow = await truth.today();
  if (r.status !== 200) return { drift: Number.NaN, over: 0, exact: false, source: null, status: r.status };
  const live = r.body as LiveMetrics;
  // exits as /live implies them: footfall − occupancy (exact while in ≥ out, which the generator keeps).
  const a = counts(live, live.footfall - live.occupancy);
  const b = counts(pgNow.metrics, pgNow.exits);
  let drift = 0;
  let over = 0;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    drift += Math.abs(d);
    over += Math.max(0, d);
  }
  const exact = JSON.stringify(exactPart(live)) === JSON.stringify(exactPart(pgNow.metrics));
  return { drift, over, exact, source: r.headers.get('x-live-source'), status: r.status };
}

/**
 * Polls /live against PostgreSQL until an answer from Redis (not the PostgreSQL fallback, equal by
 * construction) agrees exactly; → seconds from `sinceMs`, or null by the deadline.
 */
async function healed(base: string, storeId: string, truth: Truth, sinceMs: number, deadlineMs: number): Promise<number | null> {
  for (;;) {
    const c = await compare(base, storeId, truth).catch(() => null);
    if (c?.exact && c.drift === 0 && c.source === 'redis') return (Date.now() - sinceMs) / 1000;
    if (Date.now() > deadlineMs) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function summary(
  truth: Truth,
  generatedIds: string[],
  base: string,
  storeId: string,
  driftBeforeHeal: number,
  healSeconds: number | null,
): Promise<FaultResult> {
  const { stored, distinct } = await truth.rows();
  const ids = await truth.storedIds();
  const end = await compare(base, storeId, truth);
  return {
    generated: generatedIds.length,
    stored,
    lost: generatedIds.filter((id) => !ids.has(id)).length,
    doubled: stored - distinct + end.over,
    drift: end.drift,
    driftBeforeHeal,
    healSeconds,
  };
}

interface Setup {
  db: ThrowawayDatabase;
  redis: RedisServer;
  port: number;
  base: string;
  prefix: string;
}

async function setUp(): Promise<Setup> {
  const db = await createThrowawayDatabase();
  const redis = await startRedisServer();
  const port = await freePort();
  return { db, redis, port, base: `http://127.0.0.1:${port}`, prefix: `wink_faults_${process.pid}` };
}

async function tearDown(s: Setup, api: ApiProcess | null, truth: Truth | null): Promise<void> {
  await api?.kill('SIGKILL');
  await truth?.end();
  await s.redis.stop();
  await s.db.drop();
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

export interface ApiCrashOptions {
  kills?: number;
  cameras?: number;
  batchesPerCamera?: number;
  batchSize?: number;
  reconcileSeconds?: number;
  healDeadlineS?: number;
  log?: (line: string) => void;
}

/**
 * Issue 12 #5: the API is SIGKILLed `kills` times mid-ingest (spread over it) and restarted each time, while
 * the edges re-send their unacknowledged batches; then /live is watched until it equals PostgreSQL.
 */
export async function runApiCrashScenario(opts: ApiCrashOptions = {}): Promise<FaultResult & { kills: number }> {
  const { kills = 6, cameras = 4, batchesPerCamera = 50, batchSize = 100, reconcileSeconds = 5, healDeadlineS = 90, log = () => undefined } = opts;
  const s = await setUp();
  let api: ApiProcess | null = null;
  let truth: Truth | null = null;
  try {
    const start = () => startApiProcess({ port: s.port, databaseUrl: s.db.url, redisUrl: s.redis.url, redisPrefix: s.prefix, reconcileSeconds });
    api = await start();
    const storeId = 'faults_crash';
    const { cams, timezone } = await provisionStore(s.base, storeId, cameras);
    truth = new Truth(s.db.url, storeId, timezone);
    await compare(s.base, storeId, truth); // built (empty) first, so the events are counted by the ingest path
    const perCam = cams.map((c, i) => makeBatches(c, 'crash', batchesPerCamera, batchSize, 100 + i));
    const total = cameras * batchesPerCamera;
    const sender = new EdgeSender(s.base);
    const sending = Promise.all(cams.map((c, i) => sender.send(c, perCam[i])));
    let done = false;
    void sending.finally(() => {
      done = true;
    });
    let killed = 0;
    for (let k = 1; k <= kills; k++) {
      // Mid-ingest: once the edges are k/(kills+1) of the way through, with requests in flight.
      await waitUntil(`${k}/${kills + 1} of the batches`, async () => done || sender.acked >= Math.floor((total * k) / (kills + 1)), 120_000, 5);
      if (done) break;
      await api.kill('SIGKILL');
      killed++;
      log(`kill ${k}: ${sender.acked}/${total} batches acknowledged`);
      api = await start();
    }
    await sending;
    const endedAt = Date.now();
    const before = await compare(s.base, storeId, truth);
    log(`ingest done after ${killed} kills; /live off by ${before.drift} counts`);
    const healSeconds = await healed(s.base, storeId, truth, endedAt, endedAt + healDeadlineS * 1000);
    const ids = perCam.flat(2).map((e) => String(e.event_id));
    return { ...(await summary(truth, ids, s.base, storeId, before.drift, healSeconds)), kills: killed };
  } finally {
    await tearDown(s, api, truth);
  }
}

export interface RedisFaultOptions {
  cameras?: number;
  batchesPerCamera?: number;
  batchSize?: number;
  reconcileSeconds?: number;
  healDeadlineS?: number;
  log?: (line: string) => void;
}

/**
 * Issue 12 #7: during ingest, Redis is FLUSHALLed, then restarted (empty); /live must converge to PostgreSQL.
 * Then Redis is stopped: /live and /cameras must answer (from PostgreSQL) and ingest must keep storing; after
 * Redis returns, /live must converge again. healSeconds: from Redis's return until /live equals PostgreSQL.
 */
export async function runRedisFaultScenario(opts: RedisFaultOptions = {}): Promise<
  FaultResult & {
    afterFlushAndRestartSeconds: number | null;
    whileDown: RedisDownObservations;
    pollStatuses: Record<number, number>;
  }
> {
  const { cameras = 3, batchesPerCamera = 40, batchSize = 100, reconcileSeconds = 5, healDeadlineS = 90, log = () => undefined } = opts;
  const s = await setUp();
  let api: ApiProcess | null = null;
  let truth: Truth | null = null;
  try {
    api = await startApiProcess({ port: s.port, databaseUrl: s.db.url, redisUrl: s.redis.url, redisPrefix: s.prefix, reconcileSeconds });
    const storeId = 'faults_redis';
    const { cams, timezone } = await provisionStore(s.base, storeId, cameras);
    truth = new Truth(s.db.url, storeId, timezone);
    await compare(s.base, storeId, truth);
    const first = cams.map((c, i) => makeBatches(c, 'up', batchesPerCamera, batchSize, 200 + i));
    const total = cameras * batchesPerCamera;
    const sender = new EdgeSender(s.base);
    // Readers keep polling during the faults, as dashboards do: every answer must be a 200.
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await http(s.base, 'GET', `/api/dashboard/live?store_id=${storeId}`, ADMIN_TOKEN).catch(() => null);
        statuses.push(r?.status ?? 0);
        await new Promise((res) => setTimeout(res, 25));
      }
    })();
    const sending = Promise.all(cams.map((c, i) => sender.send(c, first[i])));
    await waitUntil('a third of the batches', async () => sender.acked >= total / 3, 120_000, 5);
    await s.redis.flushAll();
    log(`FLUSHALL at ${sender.acked}/${total}`);
    await waitUntil('two thirds of the batches', async () => sender.acked >= (2 * total) / 3, 120_000, 5);
    await s.redis.stop();
    await s.redis.start();
    log(`Redis restarted (empty) at ${sender.acked}/${total}`);
    await sending;
    const flushedAt = Date.now();
    const driftBeforeHeal = (await compare(s.base, storeId, truth)).drift;
    const afterFlushAndRestartSeconds = await healed(s.base, storeId, truth, flushedAt, flushedAt + healDeadlineS * 1000);
    log(`converged ${afterFlushAndRestartSeconds} s after the flushed/restarted ingest ended`);

    // Redis stopped: reads answer from PostgreSQL, ingest goes on.
    await s.redis.stop();
    const down: RedisDownObservations = {
      liveStatuses: [],
      cameraStatuses: [],
      liveMaxMs: 0,
      camerasMaxMs: 0,
      liveSources: [],
      liveExact: true,
      health: { status: 0, body: null },
      ingestAcked: 0,
      ingestBatches: 0,
      ingestMaxMs: 0,
      ingestMedianMs: 0,
    };
    const whileDown = cams.map((c, i) => makeBatches(c, 'down', 5, batchSize, 300 + i));
    const downSender = new EdgeSender(s.base);
    const downSending = Promise.all(cams.map((c, i) => downSender.send(c, whileDown[i])));
    for (let i = 0; i < 10; i++) {
      const live = await http(s.base, 'GET', `/api/dashboard/live?store_id=${storeId}`, ADMIN_TOKEN);
      down.liveStatuses.push(live.status);
      down.liveMaxMs = Math.max(down.liveMaxMs, live.ms);
      down.liveSources.push(live.headers.get('x-live-source') ?? '');
      const cam = await http(s.base, 'GET', `/api/dashboard/cameras?store_id=${storeId}`, ADMIN_TOKEN);
      down.cameraStatuses.push(cam.status);
      down.camerasMaxMs = Math.max(down.camerasMaxMs, cam.ms);
    }
    await downSending;
    down.ingestBatches = whileDown.flat().length;
    down.ingestAcked = downSender.acked;
    const sorted = [...downSender.latenciesMs].sort((a, b) => a - b);
    down.ingestMaxMs = sorted.at(-1) ?? 0;
    down.ingestMedianMs = sorted[Math.floor(sorted.length / 2)] ?? 0;
    // With ingest finished, every answer must equal PostgreSQL exactly (it is PostgreSQL's).
    for (let i = 0; i < 3; i++) {
      const c = await compare(s.base, storeId, truth);
      down.liveExact &&= c.exact && c.drift === 0 && c.source === 'postgres';
    }
    const health = await http(s.base, 'GET', '/api/ingest/health', ADMIN_TOKEN);
    down.health = { status: health.status, body: health.body };
    log(`Redis down: /live ${JSON.stringify(down.liveStatuses)} ≤ ${down.liveMaxMs} ms, ingest median ${down.ingestMedianMs} ms`);

    await s.redis.start();
    const backAt = Date.now();
    const healSeconds = await healed(s.base, storeId, truth, backAt, backAt + healDeadlineS * 1000);
    polling = false;
    await poller;
    const pollStatuses: Record<number, number> = {}; // the poller's answers through all the faults (0: no answer)
    for (const st of statuses) pollStatuses[st] = (pollStatuses[st] ?? 0) + 1;
    const ids = [...first, ...whileDown].flat(2).map((e) => String(e.event_id));
    return { ...(await summary(truth, ids, s.base, storeId, driftBeforeHeal, healSeconds)), afterFlushAndRestartSeconds, whileDown: down, pollStatuses };
  } finally {
    await tearDown(s, api, truth);
  }
}
