// Fault scenario "Redis restart: schedulers + late rollups" (issue #12), for `npm run bench:faults` and the
// e2e test backend/test/analytics/redis-restart.e2e.spec.ts. Real parts only: the app with its in-process
// BullMQ workers, a throwaway PostgreSQL database and a redis-server of its own (never the shared one), which
// is flushed, or killed and restarted empty, while a late rollup job is still waiting in it.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { ROLLUP_QUEUE } from '../../backend/src/analytics/analytics.queues.ts';
import { createThrowawayDatabase } from '../../backend/src/database/throwaway-database.ts';
import { createHttpApp } from '../../backend/src/http-app.ts';
import { benchAppConfig } from '../bench-app-config.ts';
import { startRedisServer, waitUntil } from './live-counters.fault.ts';

const HOUR_MS = 3_600_000;
const ADMIN = 'fault-admin-token-0123456789';
const STORE = 'fault_store';

export interface RedisFaultOptions {
  /** 'flushall': FLUSHALL on a live server (connections stay up); 'restart': SIGKILL and a fresh empty server on the same port. */
  fault: 'flushall' | 'restart';
  /** Events of the hour before the fault, and late ones after its rollup (the issue saw 1 and 25). */
  before?: number;
  late?: number;
  /** ANALYTICS_ROLLUP_DEBOUNCE_MS and ANALYTICS_HEAL_INTERVAL_MS of the app under test (production: 60 000 both). */
  debounceMs?: number;
  healIntervalMs?: number;
  /** Give up waiting for the heal after this long (then healSeconds is null and drift shows what is missing). */
  deadlineMs?: number;
  logLevel?: string;
}

export interface RedisFaultResult {
  scenario: 'Redis restart: schedulers + late rollups';
  fault: 'flushall' | 'restart';
  /** Events sent (before + late), events in the hour's rollup, events stored in PostgreSQL, raw − rolled up. */
  generated: number;
  rolledUp: number;
  raw: number;
  drift: number;
  /** Seconds from the fault until the rollup equals the raw events and every scheduler is back (null: not within the deadline). */
  healSeconds: number | null;
  rollupSeconds: number | null;
  schedulerSeconds: number | null;
  /** The guarantee for these settings: debounce + 2 × heal interval. */
  boundSeconds: number;
  /** /api/analytics/health right after the fault, and at the end. */
  schedulersAfterFault: { present: number; expected: number };
  schedulers: { present: number; expected: number };
  dirtyHours: number;
  /** The late events' rollup job was still waiting in Redis when the fault hit (so the fault lost it). */
  jobLost: boolean;
}

export async function redisRestartFault(opts: RedisFaultOptions): Promise<RedisFaultResult> {
  const before = opts.before ?? 40;
  const late = opts.late ?? 25;
  const debounceMs = opts.debounceMs ?? 3000;
  const healIntervalMs = opts.healIntervalMs ?? 1000;
  const deadlineMs = opts.deadlineMs ?? 60_000;
  const redis = await startRedisServer();
  const db = await createThrowawayDatabase();
  const config = benchAppConfig(db, {
    nodeEnv: 'test',
    redisUrl: redis.url,
    redisPrefix: `wink_fault_${randomBytes(3).toString('hex')}`,
    adminToken: ADMIN,
    logLevel: opts.logLevel ?? 'silent',
    runWorkers: true,
    reportWaitMs: 3000,
    rollupDebounceMs: debounceMs,
    jobLockMs: 5000,
    healIntervalMs,
  });
  const app = await createHttpApp(config);
  const sqlClient = new pg.Client({ connectionString: db.url });
  try {
    await app.listen(0, '127.0.0.1');
    await sqlClient.connect();
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const admin = async (path: string, body: unknown) => {
      const r = await call('POST', path, ADMIN, body);
      if (r.status !== 201) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const org = await admin('/api/admin/orgs', { name: 'Fault org' });
    await admin('/api/admin/stores', { org_id: org.id, store_id: STORE, name: 'Fault store', timezone: 'UTC' });
    await admin('/api/admin/cameras', { store_id: STORE, camera_id: 'cam_1', name: 'cam_1', capabilities: ['entrance'] });
    const key = (await admin('/api/admin/edge-keys', { org_id: org.id, store_id: STORE, camera_id: 'cam_1' })).api_key as string;

    // An hour two hours ago: every event of it is "late", and it lies inside the healer's 48 h comparison.
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
    let sent = 0;
    const send = async (n: number, tag: string) => {
      const events = Array.from({ length: n }, (_, i) => ({
        type: 'entrance',
        event_id: `${tag}-${i}`,
        ts: new Date(hour + Math.floor(((i + 0.5) / n) * HOUR_MS)).toISOString(),
        direction: 'in',
        person_key: `${tag}-${i}`,
      }));
      const r = await call('POST', '/api/ingest/events', key, {
        org_id: org.id,
        store_id: STORE,
        camera_id: 'cam_1',
        device_ts: new Date().toISOString(),
        events,
      });
      if (r.status !== 200 || r.body.accepted !== n) throw new Error(`ingest: ${r.status} ${JSON.stringify(r.body)}`);
      sent += n;
    };
    const counts = async () => {
      const { rows } = await sqlClient.query(
        `SELECT (SELECT count(*)::int FROM entrance_events WHERE store_id = $1 AND ts >= $2 AND ts < $3) AS raw,
                (SELECT coalesce(sum(event_count + exit_count), 0)::int FROM hourly_rollups WHERE store_id = $1 AND hour_start = $2) AS rolled`,
        [STORE, new Date(hour), new Date(hour + HOUR_MS)],
      );
      return rows[0] as { raw: number; rolled: number };
    };
    // Present: summed over the queues (a field every version of the health check has); expected: 2 (rollup
    // sweep, spike precompute) where the check does not say, so the scenario also measures older builds.
    const health = async () => {
      const r = await call('GET', '/api/analytics/health', ADMIN);
      const b = r.body as { schedulers?: { expected: number }; dirty_hours?: { hours: number }; queues?: Record<string, { schedulers?: number }> };
      const perQueue = Object.values(b.queues ?? {}).map((q) => q.schedulers);
      const schedulers =
        perQueue.length && perQueue.every((n) => typeof n === 'number')
          ? { present: perQueue.reduce((a, n) => a + n!, 0), expected: b.schedulers?.expected ?? 2 }
          : undefined;
      return { schedulers, dirtyHours: b.dirty_hours?.hours };
    };
    const schedulersBack = async () => {
      const s = (await health()).schedulers;
      return !!s && s.expected > 0 && s.present === s.expected;
    };
    const until = (what: string, check: () => Promise<boolean>) => waitUntil(what, check, deadlineMs);

    // 1. The hour is rolled up through the ordinary path (queue job), and the schedulers are there.
    await send(before, 'before');
    await until('the first rollup', async () => {
      const c = await counts();
      return c.rolled === c.raw && c.raw === before;
    });
    await until('the schedulers at start-up', schedulersBack);

    // 2. Late events, then the fault while their rollup job still waits out its debounce window in Redis.
    // Send at the start of a window, so the job waits a whole window (wait on the clock, not a fixed sleep).
    await until('the start of a debounce window', async () => Date.now() % debounceMs < debounceMs / 4);
    await send(late, 'late');
    const rollupQueue = app.get<Queue>(getQueueToken(ROLLUP_QUEUE), { strict: false });
    const jobLost = (await rollupQueue.getJobs(['delayed', 'waiting'])).some((j) => j?.name === 'rollup' && j.data.from === hour);
    if (opts.fault === 'flushall') await redis.flushAll();
    else {
      // SIGKILL (nothing saved, as a crash), then an empty server on the same port: the clients reconnect to it.
      await redis.stop();
      await redis.start();
    }
    const faultAt = Date.now();
    // The first answer after the fault (a restarted Redis may take a moment to be reconnected to).
    let schedulersAfterFault = { present: -1, expected: -1 };
    await until('the health check to answer after the fault', async () => {
      const s = (await health()).schedulers;
      if (s) schedulersAfterFault = s;
      return !!s;
    });

    // 3. Both heal without anyone touching anything.
    let rollupSeconds: number | null = null;
    let schedulerSeconds: number | null = null;
    const deadline = faultAt + deadlineMs;
    while ((rollupSeconds === null || schedulerSeconds === null) && Date.now() < deadline) {
      if (rollupSeconds === null) {
        const c = await counts();
        if (c.raw === before + late && c.rolled === c.raw) rollupSeconds = (Date.now() - faultAt) / 1000;
      }
      if (schedulerSeconds === null && (await schedulersBack().catch(() => false))) schedulerSeconds = (Date.now() - faultAt) / 1000;
      await new Promise((r) => setTimeout(r, 50));
    }
    const c = await counts();
    const h = await health();
    return {
      scenario: 'Redis restart: schedulers + late rollups',
      fault: opts.fault,
      generated: sent,
      rolledUp: c.rolled,
      raw: c.raw,
      drift: c.raw - c.rolled,
      healSeconds: rollupSeconds !== null && schedulerSeconds !== null ? Math.max(rollupSeconds, schedulerSeconds) : null,
      rollupSeconds,
      schedulerSeconds,
      boundSeconds: (debounceMs + 2 * healIntervalMs) / 1000,
      schedulersAfterFault,
      schedulers: h.schedulers ?? { present: -1, expected: -1 },
      dirtyHours: h.dirtyHours ?? -1,
      jobLost,
    };
  } finally {
    await sqlClient.end().catch(() => undefined);
    await app.close();
    await redis.stop();
    await db.drop();
  }
}
