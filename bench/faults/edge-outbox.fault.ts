// Fault scenarios through the edge's real outbox (issue #12), for `npm run bench:faults`: the edge SIGKILL
// scenario of edge/test/outbox-kill.scenario.ts, run against a real backend started here, and poison input
// (one event of 600 the backend or the edge refuses) sent through a real EventOutbox. Real parts only: the
// app in process (runWorkers off), a throwaway PostgreSQL database, a redis-server of its own.
//
// The edge code is loaded from its TypeScript sources at run time (it is not part of the backend build,
// and the kill scenario finds its emitter and Deno next to its own source file): under Node 20 through the
// repository's TypeScript hooks (edge/src/runtime/typescript-hooks.mjs), as the scenario's Node fallback
// does for its child. Its shapes are restated below, narrowly, so the build does not pull edge/ into dist/.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../backend/src/database/throwaway-database.ts';
import { createHttpApp } from '../../backend/src/http-app.ts';
import { benchAppConfig } from '../bench-app-config.ts';
import { startRedisServer, waitUntil, type RedisServer } from './live-counters.fault.ts';

const ADMIN = 'edge-faults-admin-token-0123456789';
/** Running from TypeScript sources (jest, node --import ts-loader) or from the build (dist/bench/faults). */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const ROOT = fileURLToPath(new URL(FROM_SOURCES ? '../../' : '../../../', import.meta.url));

// ---------------------------------------------------------------------------------------------------------
// The edge's sources, loaded at run time

/** What this file uses of edge/test/outbox-kill.scenario.ts (see there for the full shapes). */
interface KillTarget {
  apiBase: string;
  orgId: string;
  storeId: string;
  cameras: Array<{ cameraId: string; apiKey: string }>;
  storedKeys(cameraId: string): Promise<string[]>;
}
export interface CameraTally {
  cameraId: string;
  emitted: number;
  stored: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
}
export interface KillResult {
  scenario: string;
  backend: 'up' | 'hung' | 'down';
  runtime: 'deno' | 'node';
  cameras: CameraTally[];
  seconds: number;
}
interface KillModule {
  outboxKillScenario(
    target: KillTarget,
    options: { backend: 'up' | 'hung' | 'down'; eventsPerSecond?: number; eventsBeforeKill?: number; eventsAfterRestart?: number },
  ): Promise<KillResult>;
}
/** What this file uses of edge/src/runtime/outbox.ts and log.ts. */
interface Outbox {
  enqueue(events: readonly Record<string, unknown>[]): unknown[];
  readonly counters: { sentCount: number; bufferedCount: number; deadLetterCount: number; droppedCount: number };
  flush(deadlineMs: number): Promise<void>;
}
interface OutboxModule {
  EventOutbox: {
    open(options: {
      apiBase: string;
      apiKey: string;
      orgId: string;
      storeId: string;
      cameraId: string;
      dir: string;
      maxEvents: number;
      maxWaitMs: number;
      maxDiskBytes: number;
      requestTimeoutMs: number;
      retryInitialMs?: number;
      retryMaxMs?: number;
      log: unknown;
    }): Promise<Outbox>;
  };
}
interface LogModule {
  Logger: { create(options: { level?: 'debug' | 'info' | 'warn' | 'error'; sink?: (line: string) => void }): unknown };
}

let hooksRegistered = false;
/** Imports one of the repository's .ts files (relative to its root), whether this runs from dist/ or from sources. */
async function importSource<T>(path: string): Promise<T> {
  if (!FROM_SOURCES && !hooksRegistered) {
    register(pathToFileURL(join(ROOT, 'edge/src/runtime/typescript-hooks.mjs')).href);
    hooksRegistered = true;
  }
  return (await import(pathToFileURL(join(ROOT, path)).href)) as T;
}

// ---------------------------------------------------------------------------------------------------------
// The backend

export interface EdgeBackend {
  base: string;
  /** A store with `cameras` entrance cameras, each with its edge key. */
  provision(storeId: string, cameras: number): Promise<{ orgId: string; storeId: string; cameras: Array<{ cameraId: string; apiKey: string }> }>;
  /** person_key and event_id of the camera's entrance rows, in the order they were stored. */
  rows(storeId: string, cameraId: string): Promise<Array<{ person_key: string; event_id: string }>>;
  close(): Promise<void>;
}

export async function startEdgeBackend(): Promise<EdgeBackend> {
  const db: ThrowawayDatabase = await createThrowawayDatabase();
  let redis: RedisServer | null = null;
  let app: INestApplication | null = null;
  let pool: pg.Pool | null = null;
  const close = async () => {
    await app?.close();
    await pool?.end();
    await redis?.stop();
    await db.drop();
  };
  try {
    redis = await startRedisServer();
    const config = benchAppConfig(db, {
      nodeEnv: 'test',
      redisUrl: redis.url,
      redisPrefix: `wink_edge_faults_${randomBytes(3).toString('hex')}`,
      adminToken: ADMIN,
      logLevel: 'silent',
      runWorkers: false,
    });
    app = await createHttpApp(config);
    await app.listen(0, '127.0.0.1');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, string>;
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const p = pool;
    return {
      base,
      async provision(storeId, count) {
        const org = await admin('/api/admin/orgs', { name: `Edge faults ${storeId}` });
        await admin('/api/admin/stores', { org_id: org.id, store_id: storeId, name: storeId, timezone: 'UTC' });
        const cameras = [];
        for (let i = 1; i <= count; i++) {
          const cameraId = `cam_${i}`;
          await admin('/api/admin/cameras', { store_id: storeId, camera_id: cameraId, name: cameraId, capabilities: ['entrance'] });
          const key = await admin('/api/admin/edge-keys', { org_id: org.id, store_id: storeId, camera_id: cameraId });
          cameras.push({ cameraId, apiKey: key.api_key });
        }
        return { orgId: org.id, storeId, cameras };
      },
      async rows(storeId, cameraId) {
        const { rows } = await p.query<{ person_key: string; event_id: string }>(
          'SELECT person_key, event_id FROM entrance_events WHERE store_id = $1 AND camera_id = $2 ORDER BY id',
          [storeId, cameraId],
        );
        return rows;
      },
      close,
    };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

/** edge/test/outbox-kill.scenario.ts against `backend`: the edge SIGKILLed with the backend answering, hung or refusing. */
export async function runEdgeKillScenario(backend: EdgeBackend, mode: 'up' | 'hung' | 'down', opts: { cameras?: number } = {}): Promise<KillResult> {
  const { outboxKillScenario } = await importSource<KillModule>('edge/test/outbox-kill.scenario.ts');
  const store = await backend.provision(`faults_edge_${mode}`, opts.cameras ?? 2);
  const target: KillTarget = {
    apiBase: backend.base,
    orgId: store.orgId,
    storeId: store.storeId,
    cameras: store.cameras,
    storedKeys: async (cameraId) => (await backend.rows(store.storeId, cameraId)).map((r) => r.person_key),
  };
  // The e2e test's settings (edge/test/outbox-kill.e2e.spec.ts).
  return outboxKillScenario(target, { backend: mode, eventsPerSecond: 20, eventsBeforeKill: 60, eventsAfterRestart: 20 });
}

export interface PoisonResult {
  poison: 'future' | 'nul';
  generated: number;
  /** Valid events stored, rows in all, valid events missing, rows stored twice, rows stored before an earlier event. */
  stored: number;
  rows: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
  /** Events in the camera's dead letters, and whether the poison is the one there (with the reason recorded). */
  deadLettered: number;
  poisonDeadLettered: boolean;
  deadLetterStatus: number | null;
  deadLetterReason: string;
  /** Was the poison stored anyway? */
  poisonStored: boolean;
  /** From enqueue until every valid event was stored (the camera's way to the backend unblocked). */
  healSeconds: number | null;
}

/**
 * One batch of 600 entrance events through a real EventOutbox (batch.max_events 600) to the real backend,
 * event 300 poisoned: `future`, a timestamp 10 minutes ahead (the backend's 400 names it), or `nul`, a NUL
 * character in person_key (the edge's own contract check sets it aside before it is sent). Expected: 599
 * stored in order, 1 dead-lettered, nothing lost or doubled.
 */
export async function runPoisonScenario(backend: EdgeBackend, poison: 'future' | 'nul', opts: { deadlineMs?: number } = {}): Promise<PoisonResult> {
  const { EventOutbox } = await importSource<OutboxModule>('edge/src/runtime/outbox.ts');
  const { Logger } = await importSource<LogModule>('edge/src/runtime/log.ts');
  const total = 600;
  const poisonAt = 300;
  const store = await backend.provision(`faults_poison_${poison}`, 1);
  const cam = store.cameras[0];
  const dir = mkdtempSync(join(tmpdir(), 'wink-faults-poison-'));
  const outbox = await EventOutbox.open({
    apiBase: backend.base,
    apiKey: cam.apiKey,
    orgId: store.orgId,
    storeId: store.storeId,
    cameraId: cam.cameraId,
    dir,
    maxEvents: total,
    maxWaitMs: 200,
    maxDiskBytes: 64 * 1024 * 1024,
    requestTimeoutMs: 5000,
    retryInitialMs: 200,
    retryMaxMs: 2000,
    log: Logger.create({ level: 'error', sink: () => undefined }), // the dead letter is read from its file below
  });
  try {
    const now = Date.now();
    const id = (i: number) => `poison-${poison}-${i}`;
    const events = Array.from({ length: total }, (_, i) => ({
      type: 'entrance',
      event_id: id(i),
      ts: new Date(now - (total - i) * 100).toISOString(),
      direction: i % 2 ? 'out' : 'in',
      person_key: `p${i}`,
    }));
    if (poison === 'future') events[poisonAt].ts = new Date(now + 10 * 60_000).toISOString();
    else events[poisonAt].person_key = 'p\u0000300';
    const started = Date.now();
    outbox.enqueue(events);
    const valid = events.filter((_, i) => i !== poisonAt).map((e) => e.event_id);
    let healSeconds: number | null = null;
    await waitUntil(
      'every valid event stored',
      async () => {
        const stored = new Set((await backend.rows(store.storeId, cam.cameraId)).map((r) => r.event_id));
        return valid.every((v) => stored.has(v));
      },
      opts.deadlineMs ?? 60_000,
      50,
    ).then(
      () => {
        healSeconds = (Date.now() - started) / 1000;
      },
      () => undefined,
    );
    // Then the log is empty and the dead letter written (or the deadline passed: count what there is).
    await waitUntil('the outbox drained', async () => outbox.counters.bufferedCount === 0 && outbox.counters.deadLetterCount > 0, 10_000, 50).catch(
      () => undefined,
    );
    await outbox.flush(2000);
    const rows = await backend.rows(store.storeId, cam.cameraId);
    const ids = rows.map((r) => r.event_id);
    const seen = new Set(ids);
    const index = (eventId: string) => Number(eventId.slice(eventId.lastIndexOf('-') + 1));
    const letters = readDeadLetters(join(dir, 'dead_letter.jsonl'));
    const poisonLetter = letters.find((l) => (l.event as { event_id?: string } | null)?.event_id === id(poisonAt));
    return {
      poison,
      generated: total,
      rows: rows.length,
      stored: valid.filter((v) => seen.has(v)).length,
      lost: valid.filter((v) => !seen.has(v)).length,
      doubled: ids.length - seen.size,
      outOfOrder: ids.filter((v, i) => i > 0 && index(v) < index(ids[i - 1])).length,
      deadLettered: outbox.counters.deadLetterCount,
      poisonDeadLettered: !!poisonLetter,
      deadLetterStatus: poisonLetter?.status ?? null,
      deadLetterReason: poisonLetter?.reason ?? '',
      poisonStored: seen.has(id(poisonAt)),
      healSeconds,
    };
  } finally {
    await outbox.flush(0).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function readDeadLetters(path: string): Array<{ status: number | null; reason: string; event: unknown }> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}
