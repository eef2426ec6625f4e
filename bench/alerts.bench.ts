// `npm run bench:alerts`: how long from the ingest batch that crosses a threshold to the signed webhook arriving
// at a real receiver on 127.0.0.1, p50/p99, idle and under ingest load, side by side in one run.
//
// One app (API + workers in one process, as `npm run dev` runs them) on a throwaway database. The measured store
// has a capacity and the occupancy rule; each episode sends one `in` that brings occupancy to the capacity (the
// alert fires), then the `out`s that bring it below the clear share (it resolves), then the `in`s back to one
// below the capacity. The clock runs from just before the crossing batch is sent to the receiver's request.
// Under load, a child process posts mixed event batches for other stores at a fixed rate meanwhile.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { WebhookPayload } from '../shared/src/alerts.ts';
import type { StoreEvent } from '../shared/src/events.ts';
import { createThrowawayDatabase } from '../backend/src/database/throwaway-database.ts';
import { createHttpApp } from '../backend/src/http-app.ts';
import { benchAppConfig } from './bench-app-config.ts';
import { percentile } from './paced-load.ts';
import { dropRedisPrefix } from './redis-prefix.ts';

const EPISODES = Number(process.env.BENCH_EPISODES ?? 30);
const LOAD_EVENTS_PER_SEC = Number(process.env.BENCH_LOAD_EVENTS_PER_SEC ?? 2000);
const LOAD_STORES = Number(process.env.BENCH_LOAD_STORES ?? 20);
const LOAD_BATCH = 50;
const CAPACITY = 20;
const ADMIN = 'bench-admin-token-0123456789';
const TARGET_P99_MS = 2000;
const EPISODE_GAP_MS = 250;
/** The background load runs this long before the first measured episode (connections and JIT warm). */
const LOAD_WARMUP_MS = 3000;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

interface Camera {
  orgId: string;
  storeId: string;
  cameraId: string;
  apiKey: string;
}
interface LoadSpec {
  baseUrl: string;
  cameras: Camera[];
  eventsPerSec: number;
}

async function call(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function provision(baseUrl: string, orgId: string, storeId: string, capacity: number | null): Promise<Camera> {
  await call(baseUrl, 'POST', '/api/admin/stores', ADMIN, { org_id: orgId, store_id: storeId, name: storeId, timezone: 'UTC', capacity });
  await call(baseUrl, 'POST', '/api/admin/cameras', ADMIN, {
    store_id: storeId,
    camera_id: 'cam_door',
    name: 'Door',
    capabilities: ['entrance', 'zones', 'shelves', 'queue'],
  });
  const key = await call(baseUrl, 'POST', '/api/admin/edge-keys', ADMIN, { org_id: orgId, store_id: storeId, camera_id: 'cam_door' });
  return { orgId, storeId, cameraId: 'cam_door', apiKey: key.api_key };
}

let seq = 0;
function batch(cam: Camera, events: Omit<StoreEvent, 'event_id' | 'ts'>[]): unknown {
  const ts = new Date().toISOString();
  return {
    org_id: cam.orgId,
    store_id: cam.storeId,
    camera_id: cam.cameraId,
    device_ts: ts,
    events: events.map((e) => ({ ...e, ts, event_id: `b${process.pid}-${seq++}` })),
  };
}
const crossings = (direction: 'in' | 'out', n: number, who: string) =>
  Array.from({ length: n }, (_, i) => ({ type: 'entrance' as const, direction, person_key: `${who}_${i}` }));
const send = (baseUrl: string, cam: Camera, events: Omit<StoreEvent, 'event_id' | 'ts'>[]) =>
  call(baseUrl, 'POST', '/api/ingest/events', cam.apiKey, batch(cam, events));

/** A webhook receiver on 127.0.0.1 that notes when each delivery arrived and hands waiters what they wait for. */
async function startReceiver() {
  const arrivals: { at: number; payload: WebhookPayload }[] = [];
  const waiters: { match: (p: WebhookPayload) => boolean; resolve: (at: number) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end('ok');
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
      arrivals.push({ at, payload });
      for (const w of [...waiters]) if (w.match(payload)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(at);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrivals,
    next: (match: (p: WebhookPayload) => boolean, timeoutMs = 60_000) =>
      new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no webhook within 60 s')), timeoutMs);
        waiters.push({ match, resolve: (at) => (clearTimeout(t), resolve(at)) });
      }),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Background ingest: mixed event batches for the load stores at a fixed rate, from a child process (its own event loop). */
function startLoad(spec: LoadSpec): { stop: () => Promise<{ sent: number; failed: number; seconds: number }> } {
  const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, WINK_ALERTS_LOAD: JSON.stringify(spec) } });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { sent: number; failed: number; seconds: number }));
        child.send('stop');
      }),
  };
}

async function runLoadChild(spec: LoadSpec): Promise<void> {
  let stopping = false;
  process.on('message', () => (stopping = true));
  const perBatchMs = (1000 * LOAD_BATCH) / spec.eventsPerSec;
  const start = performance.now();
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; !stopping; i++) {
    const due = start + i * perBatchMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const cam = spec.cameras[i % spec.cameras.length];
    const events = Array.from({ length: LOAD_BATCH }, (_, j) =>
      j % 4 === 0
        ? { type: 'entrance' as const, direction: j % 8 === 0 ? ('out' as const) : ('in' as const), person_key: `p${j}` }
        : { type: 'shelf' as const, shelf_id: `shelf_${j % 12}`, dwell_seconds: 4.5, person_key: `p${j}` },
    );
    const p = send(spec.baseUrl, cam, events)
      .then(() => void (sent += LOAD_BATCH))
      .catch(() => void failed++)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  process.send!({ sent, failed, seconds: (performance.now() - start) / 1000 });
  process.exit(0);
}

interface PhaseResult {
  name: string;
  fired: number[];
  resolved: number[];
  load: string;
  loadavg: string;
}

async function measure(baseUrl: string, store: Camera, receiver: Awaited<ReturnType<typeof startReceiver>>, name: string, load: string): Promise<PhaseResult> {
  const fired: number[] = [];
  const resolved: number[] = [];
  const clear = Math.floor(CAPACITY * 0.5); // below the clear share (0.6) set on the rule
  for (let e = 0; e < EPISODES; e++) {
    const isThis = (type: string) => (p: WebhookPayload) => p.type === type && p.store_id === store.storeId;
    let arrived = receiver.next(isThis('alert.fired'));
    let t0 = performance.now();
    await send(baseUrl, store, crossings('in', 1, `crosser_${e}`)); // occupancy CAPACITY-1 → CAPACITY
    fired.push((await arrived) - t0);
    arrived = receiver.next(isThis('alert.resolved'));
    t0 = performance.now();
    await send(baseUrl, store, crossings('out', CAPACITY - clear, `leaver_${e}`)); // → clear
    resolved.push((await arrived) - t0);
    await send(baseUrl, store, crossings('in', CAPACITY - 1 - clear, `back_${e}`)); // → CAPACITY-1, no alert
    await sleep(EPISODE_GAP_MS); // spread the episodes over the load instead of one burst
  }
  return {
    name,
    fired,
    resolved,
    load,
    loadavg: loadavg()
      .map((l) => l.toFixed(1))
      .join(' / '),
  };
}

async function main(): Promise<void> {
  const db = await createThrowawayDatabase();
  const config = benchAppConfig(db, {
    adminToken: ADMIN,
    runWorkers: true,
    webhookRetryBaseMs: 200,
  });
  const app = await createHttpApp(config, { logDestination: pino.destination({ dest: '/dev/null', sync: false }) });
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const receiver = await startReceiver();
  try {
    const org = await call(baseUrl, 'POST', '/api/admin/orgs', ADMIN, { name: 'Alerts Bench Retail' });
    await call(baseUrl, 'POST', `/api/admin/orgs/${org.id}/webhooks`, ADMIN, { url: receiver.url, description: 'bench receiver' });
    const store = await provision(baseUrl, org.id, 'store_alerts', CAPACITY);
    await call(baseUrl, 'PUT', '/api/admin/stores/store_alerts/alert-rules', ADMIN, { occupancy_over_capacity: { enabled: true, share: 1, clear_share: 0.6 } });
    const loadCams: Camera[] = [];
    for (let s = 0; s < LOAD_STORES; s++) loadCams.push(await provision(baseUrl, org.id, `store_load_${s}`, null));
    await send(baseUrl, store, crossings('in', CAPACITY - 1, 'first')); // occupancy one below the capacity

    process.stderr.write(`idle: ${EPISODES} episodes…\n`);
    const idle = await measure(baseUrl, store, receiver, 'idle', '—');
    process.stderr.write(`under ingest load (${LOAD_EVENTS_PER_SEC} events/s): ${EPISODES} episodes…\n`);
    const load = startLoad({ baseUrl, cameras: loadCams, eventsPerSec: LOAD_EVENTS_PER_SEC });
    await sleep(LOAD_WARMUP_MS);
    const loaded = await measure(baseUrl, store, receiver, 'ingest load', '');
    const bg = await load.stop();
    loaded.load = `${Math.round(bg.sent / bg.seconds)} events/s (${bg.failed} batches failed)`;

    const ms = (xs: number[], q: number) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        q,
      ).toFixed(0);
    const row = (r: PhaseResult, what: string, xs: number[]) =>
      `| ${r.name} | ${what} | ${xs.length} | ${ms(xs, 0.5)} | ${ms(xs, 0.9)} | ${ms(xs, 0.99)} | ${ms(xs, 1)} | ${r.load} | ${r.loadavg} |`;
    const all = [...loaded.fired, ...loaded.resolved];
    const p99 = percentile(
      [...all].sort((a, b) => a - b),
      0.99,
    );
    const lines = [
      `bench:alerts — threshold crossed (ingest POST sent) → signed webhook received; ${cpus().length} cores; capacity ${CAPACITY}, occupancy rule share 1.0, clear 0.6`,
      '',
      '| phase | transition | n | p50 ms | p90 ms | p99 ms | max ms | background ingest | load avg 1/5/15 |',
      '|---|---|---|---|---|---|---|---|---|',
      row(idle, 'fired', idle.fired),
      row(idle, 'resolved', idle.resolved),
      row(loaded, 'fired', loaded.fired),
      row(loaded, 'resolved', loaded.resolved),
      '',
      `under load, p99 of both: ${p99.toFixed(0)} ms (target < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'NOT met'}); under load ÷ idle p50: ${(
        percentile(
          [...all].sort((a, b) => a - b),
          0.5,
        ) /
          percentile(
            [...idle.fired, ...idle.resolved].sort((a, b) => a - b),
            0.5,
          )
      ).toFixed(2)}×`,
      `webhooks received: ${receiver.arrivals.length} (${receiver.arrivals.filter((a) => a.payload.type === 'alert.fired').length} fired, ${receiver.arrivals.filter((a) => a.payload.type === 'alert.resolved').length} resolved; expected ${4 * EPISODES})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await receiver.close();
    await app.close();
    await dropRedisPrefix(config.redisUrl, config.redisPrefix);
    await db.drop();
  }
}

if (process.env.WINK_ALERTS_LOAD) {
  void runLoadChild(JSON.parse(process.env.WINK_ALERTS_LOAD) as LoadSpec);
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench:alerts failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
