// `npm run bench:ingest`: events/s through the real HTTP ingest path (batches of 100 and 500, several
// cameras in parallel) against a plain COPY of the same rows into the same tables, on a throwaway database.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { from as copyFrom } from 'pg-copy-streams';
import type { StoreEvent } from '../shared/src/events.ts';
import { createThrowawayDatabase } from '../backend/src/database/throwaway-database.ts';
import { EVENT_KINDS, KINDS } from '../backend/src/ingest/event-kinds.ts';
import { createHttpApp } from '../backend/src/http-app.ts';
import { benchAppConfig } from './bench-app-config.ts';
import { dropRedisPrefix } from './redis-prefix.ts';

const TOTAL_EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CAMERAS = Number(process.env.BENCH_CAMERAS ?? 4);
/** Each round runs COPY and then every batch size; the table shows medians (this machine's runs vary by ±15%). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCHES = (process.env.BENCH_BATCHES ?? '100,500').split(',').map(Number);

/** Untimed events per batch size first: a long-running API is JIT-warm, a freshly started one is not. */
const WARMUP_EVENTS = Number(process.env.BENCH_WARMUP_EVENTS ?? 20_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ADMIN = 'bench-admin-token-0123456789';

function syntheticEvents(n: number, seed: string): StoreEvent[] {
  const t0 = Date.now() - 86_400_000;
  const out: StoreEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ts = new Date(t0 + i * 50).toISOString();
    const person_key = `${seed}_${i % 5000}`;
    const event_id = `${seed}-${i}`;
    switch (i % 4) {
      case 0:
        out.push({ type: 'entrance', event_id, ts, direction: i % 8 === 0 ? 'out' : 'in', person_key });
        break;
      case 1:
        out.push({
          type: 'zone',
          event_id,
          ts,
          zone_id: `zone_${i % 6}`,
          enter_ts: new Date(t0 + i * 50 - 60_000).toISOString(),
          exit_ts: ts,
          dwell_seconds: 60,
          person_key,
        });
        break;
      case 2:
        out.push({ type: 'shelf', event_id, ts, shelf_id: `shelf_${i % 12}`, dwell_seconds: 4.5, person_key });
        break;
      default:
        out.push({
          type: 'queue',
          event_id,
          ts,
          queue_id: 'checkout_1',
          enter_ts: new Date(t0 + i * 50 - 120_000).toISOString(),
          exit_ts: ts,
          wait_seconds: 120,
          person_key,
        });
    }
  }
  return out;
}

async function json(res: Response): Promise<any> {
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function httpRun(
  baseUrl: string,
  batchSize: number,
  totalEvents = TOTAL_EVENTS,
): Promise<{ eventsPerSec: number; p50: number; p99: number; generatorBusy: number }> {
  const admin = (path: string, body: unknown) =>
    fetch(baseUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(json);
  const org = await admin('/api/admin/orgs', { name: 'bench' });
  const storeId = `bench_${batchSize}_${randomBytes(3).toString('hex')}`;
  await admin('/api/admin/stores', { org_id: org.id, store_id: storeId, name: storeId, timezone: 'UTC' });
  const perCamera = Math.floor(totalEvents / CAMERAS);
  const workers = await Promise.all(
    Array.from({ length: CAMERAS }, async (_, c) => {
      const cameraId = `cam_${c}`;
      await admin('/api/admin/cameras', { store_id: storeId, camera_id: cameraId, name: cameraId, capabilities: ['entrance', 'zones', 'shelves', 'queue'] });
      const key = await admin('/api/admin/edge-keys', { org_id: org.id, store_id: storeId, camera_id: cameraId });
      const events = syntheticEvents(perCamera, `${storeId}_${c}`);
      const bodies: string[] = [];
      for (let i = 0; i < events.length; i += batchSize) {
        bodies.push(
          JSON.stringify({
            org_id: org.id,
            store_id: storeId,
            camera_id: cameraId,
            device_ts: new Date().toISOString(),
            events: events.slice(i, i + batchSize),
          }),
        );
      }
      return { key: key.api_key as string, bodies };
    }),
  );
  // The load runs in a worker thread, as a remote edge would: the server's event loop serves only requests.
  const worker = new Worker(new URL(import.meta.url), { workerData: { baseUrl, workers } });
  const result = await new Promise<{ seconds: number; latencies: number[]; generatorBusy: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const latencies = result.latencies.sort((a, b) => a - b);
  return {
    eventsPerSec: (perCamera * CAMERAS) / result.seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    generatorBusy: result.generatorBusy,
  };
}

/** One POST over a keep-alive socket; the answer must account for every event of the batch. */
function post(agent: http.Agent, url: URL, key: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: '/api/ingest/events',
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const r = JSON.parse(Buffer.concat(chunks).toString());
          if (res.statusCode !== 200) return reject(new Error(`${res.statusCode}: ${JSON.stringify(r)}`));
          // Every event is new: duplicates are cheaper to process and would flatter the rate.
          if (r.accepted !== r.received || r.duplicates !== 0) return reject(new Error(`bench batch not stored as new: ${JSON.stringify(r)}`));
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Each camera posts its batches one after another, as an edge does. node:http with keep-alive rather than
 * fetch: fetch cost this generator almost a core of its own (2-core machine), CPU the server then lacked.
 */
async function postAll(
  baseUrl: string,
  workers: { key: string; bodies: string[] }[],
): Promise<{ seconds: number; latencies: number[]; generatorBusy: number }> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers.length });
  const latencies: number[] = [];
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  await Promise.all(
    workers.map(async ({ key, bodies }) => {
      for (const body of bodies) {
        const t = performance.now();
        await post(agent, url, key, body);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { seconds, latencies, generatorBusy: performance.eventLoopUtilization(elu).utilization };
}

/** Per kind, its table, its own columns and how an event fills them: the backend's registry, as the ingest path writes them. */
const COPY_COLUMNS = KINDS.map((kind) => {
  const { table, columns } = EVENT_KINDS[kind] as { table: string; columns: readonly (readonly [string, string, (e: never) => unknown])[] };
  return { kind, table, cols: columns.map(([name]) => name), row: (e: StoreEvent) => columns.map(([, , read]) => (read as (e: StoreEvent) => unknown)(e)) };
});

/** The reference: the same rows streamed with COPY FROM STDIN, the fastest way into PostgreSQL. */
async function copyRun(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const orgId = '00000000-0000-4000-8000-000000000000';
  const events = syntheticEvents(TOTAL_EVENTS, `copy_${randomBytes(3).toString('hex')}`);
  const started = performance.now();
  for (const { kind, table, cols, row } of COPY_COLUMNS) {
    const lines = events.filter((e) => e.type === kind).map((e) => [orgId, 'copy_store', 'cam_0', e.event_id, e.ts, e.person_key, ...row(e)].join('\t') + '\n');
    const sql = `COPY ${table} (org_id, store_id, camera_id, event_id, ts, person_key, ${cols.join(', ')}) FROM STDIN`;
    await pipeline(Readable.from(lines), client.query(copyFrom(sql)));
  }
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return TOTAL_EVENTS / seconds;
}

async function main(): Promise<void> {
  console.log(`WINK ingest benchmark: ${TOTAL_EVENTS.toLocaleString()} events per run, ${CAMERAS} cameras posting in parallel, ${ROUNDS} rounds`);
  const db = await createThrowawayDatabase();
  const config = benchAppConfig(db, { adminToken: ADMIN });
  // The production log level, with the lines written (to /dev/null): logging is part of a request's cost.
  const app = await createHttpApp(config, { logDestination: pino.destination({ dest: '/dev/null', sync: false }) });
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  try {
    if (WARMUP_EVENTS > 0) {
      process.stdout.write(`  warm-up: ${WARMUP_EVENTS.toLocaleString()} events per batch size, not counted\n`);
      for (const batch of BATCHES) await httpRun(baseUrl, batch, WARMUP_EVENTS);
    }
    const copyRates: number[] = [];
    const http: Record<number, { rate: number[]; ratio: number[]; p50: number[]; p99: number[]; busy: number[] }> = {};
    for (const batch of BATCHES) http[batch] = { rate: [], ratio: [], p50: [], p99: [], busy: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      const copyRate = await copyRun(db.url);
      copyRates.push(copyRate);
      const line = [`  round ${round}/${ROUNDS}: COPY ${copyRate.toFixed(0)}/s`];
      for (const batch of BATCHES) {
        const r = await httpRun(baseUrl, batch);
        const h = http[batch];
        h.rate.push(r.eventsPerSec);
        h.ratio.push(r.eventsPerSec / copyRate);
        h.p50.push(r.p50);
        h.p99.push(r.p99);
        h.busy.push(r.generatorBusy);
        line.push(`HTTP/${batch} ${r.eventsPerSec.toFixed(0)}/s (${(r.eventsPerSec / copyRate).toFixed(2)})`);
      }
      console.log(line.join(', '));
    }
    const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
    const rows: string[][] = [
      ['path', 'batch', 'events/s (median)', 'range', 'p50 ms/batch', 'p99 ms/batch', 'load generator busy', 'vs COPY (median)', 'vs COPY range'],
    ];
    rows.push(['COPY FROM STDIN (reference)', '-', median(copyRates).toFixed(0), range(copyRates, 0), '-', '-', '-', '1.00', '-']);
    for (const batch of BATCHES) {
      const h = http[batch];
      rows.push([
        'HTTP POST /api/ingest/events',
        String(batch),
        median(h.rate).toFixed(0),
        range(h.rate, 0),
        median(h.p50).toFixed(1),
        median(h.p99).toFixed(1),
        `${(median(h.busy) * 100).toFixed(0)}%`,
        median(h.ratio).toFixed(2),
        range(h.ratio, 2),
      ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    console.log('\n' + rows.map((r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |').join('\n'));
    console.log('\nTarget: the HTTP path sustains at least 0.5x the COPY rate; each ratio is against the COPY run of its own round.');
    console.log('"load generator busy": its event loop\'s share of the run (it shares the machine\'s cores with the server).');
  } finally {
    await app.close();
    await db.drop();
    await dropRedisPrefix(config.redisUrl, config.redisPrefix);
  }
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  postAll(workerData.baseUrl, workerData.workers).then((r) => parentPort!.postMessage(r));
}
