import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { ROLLUP_QUEUE } from '../../backend/src/analytics/analytics.queues.ts';
import { AppModule } from '../../backend/src/app.module.ts';
import { addDays, localDate } from '../../backend/src/common/store-clock.ts';
import { ConfigError, loadAppConfig, type AppConfig } from '../../backend/src/config/app-config.ts';
import { POS_ENTRY } from '../simulator/simulated-fleet.ts';
import { StoreTrafficSimulator } from '../simulator/store-traffic-simulator.ts';
import type { PlantedSpikes, Promotion } from '../simulator/traffic-model.ts';
import { DEMO_BRANCHES, DEMO_STORE, issueDemoPosKey, issueDemoViewerKey, seedDemoBranches, seedDemoStore } from './demo-store.ts';
import { LocalServices, stopChildren } from './local-services.ts';

/**
 * `npm run demo`: everything a newcomer needs to see WINK work, in one command — PostgreSQL (local or
 * embedded), Redis, migrations, the demo store, the API (on 127.0.0.1 only: it runs with the development
 * admin token) and a report worker; then 28 days of history with a promotion last week and a traffic spike
 * in every week, rolled up and reported on before the dashboard address is printed, so every panel shows
 * its feature on the first look; then live traffic (the simulator, or the real edge on a video when a model
 * file is configured). Ctrl-C or SIGTERM stops everything it started, in order.
 */
// Compiled to dist/tools/cli/demo.js; the API and worker it starts are dist/backend/src/{main,worker}.js.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const distBackend = (name: string) => fileURLToPath(new URL(`../../backend/src/${name}.js`, import.meta.url));
const log = (m: string) => console.log(`[demo] ${m}`);
const HISTORY_DAYS = 28;
const PROMO_LIFT = 1.3;
/** A busy mid-afternoon hour tripled, on every 6th day: the last 7 days always hold one. */
export const DEMO_SPIKES: PlantedSpikes = { everyDays: 6, hour: 15, multiplier: 3 };
const ROLLUP_TIMEOUT_MS = 180_000;
const REPORT_TIMEOUT_MS = 120_000;

interface Child {
  name: string;
  proc: ChildProcess;
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The API and worker log JSON; the demo shows only their warnings and errors, prefixed.
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      let level = 30;
      try {
        level = JSON.parse(line).level ?? 30;
      } catch {
        level = 40;
      }
      if (level >= 40 || name === 'edge') console.log(`[${name}] ${line}`);
    }
  };
  proc.stdout?.on('data', relay);
  proc.stderr?.on('data', relay);
  return { name, proc };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForHealth(baseUrl: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) throw new Error(`the API exited (code ${child.proc.exitCode}) before it was healthy`);
    try {
      if ((await fetch(`${baseUrl}/api/ingest/health`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await pause(300);
  }
  throw new Error(`the API did not become healthy within ${timeoutMs / 1000} s`);
}

async function api<T>(baseUrl: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${route}: ${r.status} ${text}`);
  return { status: r.status, body: JSON.parse(text) as T };
}

/**
 * Rolls up the history just sent, now: the ingest trigger delays each hour's rollup by its debounce window
 * (a minute), and a spike report asked for before then would be computed on no rolled-up hours at all.
 * Waits until the rollup queue has nothing waiting or running (jobs delayed by that window re-roll the
 * same numbers later and change nothing).
 */
async function rollUpHistory(baseUrl: string, adminToken: string, storeIds: string[]): Promise<void> {
  for (const storeId of storeIds) await api(baseUrl, adminToken, 'POST', '/api/analytics/rollups/rebuild', { store_id: storeId });
  const until = Date.now() + ROLLUP_TIMEOUT_MS;
  for (;;) {
    const health = (
      await api<{ queues: Record<string, { waiting?: number; active?: number; failed?: number }> }>(baseUrl, adminToken, 'GET', '/api/analytics/health')
    ).body;
    const q = health.queues[ROLLUP_QUEUE];
    if (q && q.waiting === 0 && q.active === 0) return;
    if (Date.now() > until) throw new Error(`the history was not rolled up within ${ROLLUP_TIMEOUT_MS / 1000} s (rollup queue: ${JSON.stringify(q)})`);
    await pause(250);
  }
}

/** A report as the dashboard gets it: requested, then polled while the server answers 202. */
async function report<R>(baseUrl: string, token: string, route: string): Promise<R> {
  const until = Date.now() + REPORT_TIMEOUT_MS;
  let answer = await api<{ report_id: string; result?: R }>(baseUrl, token, 'GET', route);
  while (answer.status === 202) {
    if (Date.now() > until) throw new Error(`${route}: no report within ${REPORT_TIMEOUT_MS / 1000} s`);
    await pause(250);
    answer = await api<{ report_id: string; result?: R }>(baseUrl, token, 'GET', `/api/analytics/reports/${answer.body.report_id}`);
  }
  return answer.body.result!;
}

interface SpikeSummary {
  summary: { hours_with_data: number; spikes: number };
  spikes: { local: string; count: number; expected: number }[];
}
interface ComparisonSummary {
  stores: { store_id: string; measures: { conversion_rate: { period: number | null; rank: number | null } } }[];
}
interface PromoSummary {
  metrics: Record<string, { lift_pct?: number | null; ci95_pct?: [number, number | null] | null }>;
}

/** Last week's Monday to Sunday in the store's time zone, with a 30 % lift: something for the promo report to find. */
export function demoPromotion(nowMs: number, timezone: string): Promotion {
  const today = localDate(nowMs, timezone);
  const daysSinceMonday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
  const monday = addDays(today, -(daysSinceMonday + 7));
  return { first: monday, last: addDays(monday, 6), lift: PROMO_LIFT };
}

function demoModel(): string | null {
  const configured = process.env.WINK_MODEL ?? path.join(repoRoot, 'models', 'yolov8n.onnx');
  return existsSync(configured) ? configured : null;
}

function demoVideo(): string | null {
  const candidates = [
    process.env.WINK_DEMO_VIDEO,
    path.join(repoRoot, 'models', 'demo.mp4'),
    path.resolve(repoRoot, '..', 'shared', 'video', 'train_door_example_02.mp4'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

/** An edge config that replays the video as the entrance camera of the demo store; its key comes from the environment. */
function writeEdgeConfig(dir: string, baseUrl: string, orgId: string, model: string, video: string): string {
  const file = path.join(dir, 'edge-config.yaml');
  writeFileSync(
    file,
    `# Written by npm run demo: the demo store's entrance camera replays a video file.
api_base: ${baseUrl}
org_id: ${orgId}
store_id: ${DEMO_STORE.store_id}
heartbeat_interval_s: 10
detector: { model: ${JSON.stringify(model)}, format: ${process.env.WINK_MODEL_FORMAT ?? 'yolov8'} }
buffer: { dir: ${JSON.stringify(path.join(dir, 'buffers'))} }
cameras:
  - camera_id: cam_entrance_01
    name: Main Entrance Camera (demo video)
    api_key: \${WINK_DEMO_EDGE_KEY}
    rtsp: ${JSON.stringify(video)}
    capabilities: [entrance, zones]
    screenshot_size: [1000, 1000]
    entrance_line: [[0, 500], [1000, 500]]
    entrance_inside: right
    zones: { entrance_area: [[0, 0], [1000, 0], [1000, 1000], [0, 1000]] }
`,
  );
  return file;
}

async function main(): Promise<void> {
  const config: AppConfig = loadAppConfig();
  const children: Child[] = [];
  const stop = new AbortController();
  const services = new LocalServices();
  let live: Promise<unknown> | null = null;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    stop.abort();
    await live?.catch(() => {});
    await stopChildren(children.map((c) => c.proc));
    await services.stop();
    log('stopped');
    process.exit(code);
  };
  // From the first moment: a stop during start-up still stops whatever was started so far.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const databaseUrl = await services.start(config, log);
    const seeding = await NestFactory.createApplicationContext(AppModule.forConfig({ ...config, databaseUrl, runWorkers: false }), { logger: ['error'] });
    const seeded = await seedDemoStore(seeding);
    const viewer = await issueDemoViewerKey(seeding, seeded.orgId);
    const posKey = await issueDemoPosKey(seeding, seeded.orgId);
    const branchKeys = await seedDemoBranches(seeding, seeded.orgId);
    await seeding.close();
    log(
      `demo store ${DEMO_STORE.store_id} ready (organisation ${seeded.orgId}${seeded.revoked ? `; ${seeded.revoked} edge key(s) of an earlier run revoked` : ''})`,
    );
    if (stopping) return;

    const dir = path.join(repoRoot, '.data', 'demo');
    mkdirSync(dir, { recursive: true });
    const baseUrl = `http://127.0.0.1:${config.port}`;
    // Secrets go to the children by environment, never on a command line (ps shows those to every user).
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: config.adminToken,
      HOST: '127.0.0.1',
      RUN_WORKERS: 'false',
      NODE_ENV: process.env.NODE_ENV ?? 'development',
    };
    const apiChild = start('api', process.execPath, [distBackend('main')], env);
    children.push(apiChild, start('worker', process.execPath, [distBackend('worker')], env));
    for (const c of children)
      c.proc.once('exit', (code) => {
        if (!stopping) {
          log(`${c.name} exited (${code}); stopping`);
          void stopAll(1);
        }
      });
    await waitForHealth(baseUrl, apiChild);
    log(`API and report worker running at ${baseUrl} (this machine only)`);

    const promotion = demoPromotion(Date.now(), DEMO_STORE.timezone);
    // The cameras' edge keys and the till's POS key: the simulator sends footfall and sales through the real APIs.
    const keys: Record<string, string> = { ...Object.fromEntries(seeded.cameras.map((c) => [c.camera_id, c.api_key])), [POS_ENTRY]: posKey };
    const simulator = new StoreTrafficSimulator(
      {
        api: baseUrl,
        adminToken: config.adminToken,
        target: { storeId: DEMO_STORE.store_id, keys },
        days: HISTORY_DAYS,
        from: null,
        rate: 60,
        promotion,
        spikeProbability: 0.05,
        plantedSpikes: DEMO_SPIKES,
        seed: 'wink',
        batchSize: 500,
        concurrency: 4,
      },
      { log: (m) => log(m) },
    );
    await simulator.prepare();
    log(
      `sending ${HISTORY_DAYS} days of history (promotion ${promotion.first}..${promotion.last}, a spike at ${DEMO_SPIKES.hour}:00 every ${DEMO_SPIKES.everyDays} days)…`,
    );
    const history = await simulator.backfill(stop.signal);
    if (stopping) return;
    log(
      `history stored: ${history.accepted.toLocaleString('en-US')} new events (${history.duplicates.toLocaleString('en-US')} already there), ` +
        `${history.sales.receipts.toLocaleString('en-US')} till receipts; rolling it up…`,
    );
    // The organisation's other stores: history only, each converting its own share of visitors, for the comparison.
    for (const b of DEMO_BRANCHES) {
      if (stopping) return;
      const branch = new StoreTrafficSimulator({
        api: baseUrl,
        adminToken: config.adminToken,
        target: { storeId: b.store_id, keys: branchKeys.get(b.store_id)!, conversion: b.conversion },
        days: HISTORY_DAYS,
        from: null,
        rate: b.rate,
        promotion: null,
        spikeProbability: 0,
        seed: 'wink',
        batchSize: 500,
        concurrency: 4,
      });
      await branch.prepare();
      const sent = await branch.backfill(stop.signal);
      log(`${b.store_id} (${b.name}): ${sent.accepted.toLocaleString('en-US')} new events, ${sent.sales.receipts.toLocaleString('en-US')} till receipts`);
    }
    if (stopping) return;
    await rollUpHistory(baseUrl, config.adminToken, [DEMO_STORE.store_id, ...DEMO_BRANCHES.map((b) => b.store_id)]);
    const spikes = await report<SpikeSummary>(baseUrl, viewer, `/api/analytics/spikes?store_id=${DEMO_STORE.store_id}&days=7`);
    const promo = await report<PromoSummary>(
      baseUrl,
      viewer,
      `/api/analytics/promo?store_id=${DEMO_STORE.store_id}&start_date=${promotion.first}&end_date=${promotion.last}`,
    );
    // The Compare view's opening report (last 7 days against 4 weeks), ready before the address is printed.
    const today = localDate(Date.now(), DEMO_STORE.timezone);
    const comparison = await report<ComparisonSummary>(
      baseUrl,
      viewer,
      `/api/analytics/comparison?start_date=${addDays(today, -7)}&end_date=${addDays(today, -1)}&baseline_weeks=4`,
    );
    if (stopping) return;
    const first = spikes.spikes[0];
    log(
      `spike report, last 7 days: ${spikes.summary.spikes} spike(s) in ${spikes.summary.hours_with_data} rolled-up hours` +
        (first ? ` (${first.local.slice(0, 16).replace('T', ' ')}: ${first.count} in, ${Math.round(first.expected)} expected)` : ''),
    );
    const footfall = promo.metrics.footfall;
    const conversion = promo.metrics.conversion_rate;
    const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
    if (footfall?.lift_pct != null)
      log(
        `promotion report, ${promotion.first}..${promotion.last}: footfall ${signed(footfall.lift_pct)}` +
          (conversion?.lift_pct != null ? `, conversion ${signed(conversion.lift_pct)}` : ''),
      );

    const byConversion = [...comparison.stores].sort((a, b) => (a.measures.conversion_rate.rank ?? Infinity) - (b.measures.conversion_rate.rank ?? Infinity));
    log(
      `comparison of ${comparison.stores.length} stores, last 7 days, by conversion: ` +
        byConversion
          .map((s) => `${s.store_id} ${s.measures.conversion_rate.period === null ? 'no POS' : `${(s.measures.conversion_rate.period * 100).toFixed(1)} %`}`)
          .join(', '),
    );

    const model = demoModel();
    const video = model ? demoVideo() : null;
    if (model && video) {
      log(`model ${model} found: the edge analyses ${video} as the entrance camera`);
      const edgeConfig = writeEdgeConfig(dir, baseUrl, seeded.orgId, model, video);
      const edgeEnv = { ...env, WINK_DEMO_EDGE_KEY: keys.cam_entrance_01 };
      children.push(
        start(
          'edge',
          path.join(repoRoot, 'node_modules', '.bin', 'deno'),
          ['run', '--allow-all', path.join(repoRoot, 'edge', 'src', 'main.ts'), 'run', edgeConfig],
          edgeEnv,
        ),
      );
    } else {
      log(
        model
          ? 'a model is configured but no video (set WINK_DEMO_VIDEO): the simulator sends live traffic'
          : 'no model file (WINK_MODEL or models/yolov8n.onnx): the simulator sends live traffic',
      );
      live = simulator.live(stop.signal);
      live.catch((e: unknown) => {
        if (!stopping) {
          log(`live traffic stopped: ${e instanceof Error ? e.message : e}`);
          void stopAll(1);
        }
      });
    }

    const analytics = `${baseUrl}/#/analytics?store=${DEMO_STORE.store_id}&promo_start=${promotion.first}&promo_end=${promotion.last}`;
    console.log(`
  WINK demo is running (on this machine only).
    Dashboard:   ${baseUrl}/            (sign in with the viewer token below)
    Analytics:   ${analytics}
                 (the spike report and the promotion week ${promotion.first}..${promotion.last}, ready)
    Compare:     ${baseUrl}/#/compare  (${comparison.stores.length} stores of the organisation, last 7 days, ready)
    API docs:    ${baseUrl}/api/docs
    Viewer token (shown once; a new demo run revokes it): ${viewer}

    curl -s '${baseUrl}/api/dashboard/live?store_id=${DEMO_STORE.store_id}' -H 'Authorization: Bearer ${viewer}'
    curl -s '${baseUrl}/api/analytics/spikes?store_id=${DEMO_STORE.store_id}&days=7' -H 'Authorization: Bearer ${viewer}'
    curl -s '${baseUrl}/metrics' | grep wink_ingest

  Live traffic is flowing; Ctrl-C stops everything.
`);
  } catch (e) {
    if (stopping) return;
    console.error(e instanceof ConfigError ? e.message : `[demo] ${e instanceof Error ? e.message : e}`);
    await stopAll(1);
  }
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : `[demo] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
