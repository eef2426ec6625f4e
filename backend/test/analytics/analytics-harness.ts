import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CAPABILITIES, type StoreEvent } from '../../../shared/src/events.ts';
import { AlertsWorkers } from '../../src/alerts/alerts-workers.service.ts';
import { ALERTS_QUEUE } from '../../src/alerts/alerts.queues.ts';
import { AnalyticsWorkers } from '../../src/analytics/analytics-workers.service.ts';
import { REPORT_QUEUE, ROLLUP_QUEUE } from '../../src/analytics/analytics.queues.ts';
import { seededRandom } from '../../src/common/seeded-random.ts';
import type { AppConfig } from '../../src/config/app-config.ts';
import { IngestService } from '../../src/ingest/ingest.service.ts';
import { RetentionWorkers } from '../../src/retention/retention-workers.service.ts';
import { RETENTION_QUEUE } from '../../src/retention/retention.queues.ts';
import { provisionCamera, startTestApp, TEST_ADMIN_TOKEN, type ProvisionedCamera, type TestApp } from '../test-app.ts';

export const HOUR = 3_600_000;
/**
 * Jest's limit for a suite's setup (ingest, then drain). A backstop only: drain() fails as soon as the queues stop
 * moving; on a loaded shared machine the same work took from 60 s to over 180 s, so a tight limit failed runs
 * that were still progressing.
 */
export const SETUP_TIMEOUT_MS = 900_000;

/**
 * The real app with in-process BullMQ workers, short debounce and a patient report wait: tests expect a report
 * answered 200 at once; the wait ends as soon as it is ready, and a loaded machine may take minutes.
 */
export function startAnalyticsApp(overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  return startTestApp({ runWorkers: true, rollupDebounceMs: 50, reportWaitMs: 120_000, jobLockMs: 5000, ...overrides });
}

/** Stops the workers, deletes the test's queues from Redis (nothing left behind under its prefix), closes the app. */
export async function closeAnalyticsApp(t: TestApp): Promise<void> {
  await t.app.get(AnalyticsWorkers).onModuleDestroy();
  await t.app.get(AlertsWorkers).onModuleDestroy();
  await t.app.get(RetentionWorkers).onModuleDestroy();
  const { rollup, report } = queues(t);
  const alerts: Queue = t.app.get(getQueueToken(ALERTS_QUEUE), { strict: false });
  const retention: Queue = t.app.get(getQueueToken(RETENTION_QUEUE), { strict: false });
  for (const q of [rollup, report, alerts, retention]) await q.obliterate({ force: true });
  await t.close();
}

export function queues(t: TestApp): { rollup: Queue; report: Queue } {
  return { rollup: t.app.get(getQueueToken(ROLLUP_QUEUE), { strict: false }), report: t.app.get(getQueueToken(REPORT_QUEUE), { strict: false }) };
}

/**
 * Waits until no rollup or report job is queued, delayed or running (the hourly schedulers' next runs aside). Fails
 * only when the queues stop draining: `timeoutMs` without one job fewer (a loaded machine drains slowly, not never).
 */
export async function drain(t: TestApp, timeoutMs = 60_000): Promise<void> {
  let deadline = Date.now() + timeoutMs;
  let fewest = Number.POSITIVE_INFINITY;
  const { rollup, report } = queues(t);
  for (;;) {
    const pending = [];
    for (const q of [rollup, report]) {
      const jobs = await q.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      pending.push(...jobs.filter((j) => j && (j.name === 'rollup' || j.name === 'report')));
    }
    if (pending.length === 0) return;
    if (pending.length < fewest) {
      fewest = pending.length;
      deadline = Date.now() + timeoutMs;
    }
    if (Date.now() > deadline) throw new Error(`queues stopped draining: ${pending.length} jobs left, none done in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stores events through IngestService exactly as the ingest API does (the same 'events.stored' subscribers run). */
export async function ingest(t: TestApp, cam: ProvisionedCamera, events: StoreEvent[]): Promise<number> {
  const svc = t.app.get(IngestService);
  // provisionCamera gives every capability by default.
  const scope = { keyId: cam.keyId, orgId: cam.orgId, storeId: cam.storeId, cameraId: cam.cameraId, capabilities: CAPABILITIES, refusal: null };
  let accepted = 0;
  for (let i = 0; i < events.length; i += 1000) {
    const batch = { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), events: events.slice(i, i + 1000) };
    accepted += (await svc.ingest(scope, batch)).accepted;
  }
  return accepted;
}

export async function viewerKey(t: TestApp, orgId: string): Promise<string> {
  const r = await t.admin('POST', '/api/admin/api-keys', { org_id: orgId, role: 'viewer', name: 'analyst' });
  if (r.status !== 201) throw new Error(`viewer key: ${JSON.stringify(r.body)}`);
  return r.body.api_key as string;
}

export function sql<T = Record<string, unknown>>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  return t.app.get(DataSource).query(text, params);
}

export { provisionCamera, TEST_ADMIN_TOKEN };

/** Poisson sample: inversion for small means, a rounded normal for large ones. */
export function poisson(random: () => number, lambda: number): number {
  if (lambda > 60) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  const u = random();
  while (u > cdf && k < 1000) {
    k += 1;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/** `n` entrance 'in' events spread over the hour starting at `hourStartMs`, with stable ids. */
export function entrances(hourStartMs: number, n: number, tag: string, random: () => number): StoreEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'entrance' as const,
    event_id: `${tag}-${hourStartMs}-${i}`,
    ts: new Date(hourStartMs + Math.floor(random() * HOUR)).toISOString(),
    direction: 'in' as const,
    person_key: `${tag}-${hourStartMs}-${i}`,
  }));
}

export { seededRandom };

/** Where a spawned backend process finds its database and Redis prefix: a TestApp, or a deployment without one. */
export interface BackendTarget {
  db: { url: string };
  config: { redisUrl: string; redisPrefix: string };
}

/** A real worker process (`backend/src/worker.ts`) on the test's database and Redis prefix. */
export function spawnWorker(t: BackendTarget, env: Record<string, string> = {}): ChildProcess {
  return spawnBackend('backend/src/worker.ts', t, env);
}

/**
 * A real backend process (`entry`: `backend/src/worker.ts`, or `backend/src/main.ts` for an API) run from the
 * TypeScript sources, on the target's database and Redis prefix; its output's tail is printed if it fails to start.
 */
export function spawnBackend(entry: string, t: BackendTarget, env: Record<string, string> = {}): ChildProcess {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const child = spawn(process.execPath, ['--import', './backend/test/analytics/ts-loader.mjs', entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATABASE_URL: t.db.url,
      REDIS_URL: t.config.redisUrl,
      REDIS_PREFIX: t.config.redisPrefix,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the tail of the output: a process that fails to start should say why in the test log.
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${entry} ${child.pid} exited with ${code}:\n${output}`);
  });
  return child;
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
