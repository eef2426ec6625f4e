import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.ts';
import { ConfigError, loadAppConfig, type AppConfig } from '../config/app-config.ts';
import { migrate } from '../database/database-bootstrap.ts';
import { DEMO_STORE, seedDemoStore } from './demo-store.ts';
import { ensurePostgres, ensureRedis } from './local-services.ts';

/**
 * `npm run demo`: everything a newcomer needs to see WINK work, in one command — PostgreSQL (local or
 * embedded), Redis, migrations, the demo store, the API, a report worker, and traffic: the real edge on a
 * video when a model file is configured, otherwise the traffic simulator (28 days of history, then live).
 * Ctrl-C stops everything.
 */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const distCli = (name: string) => fileURLToPath(new URL(`./${name}.js`, import.meta.url));
const log = (m: string) => console.log(`[demo] ${m}`);
const HISTORY_DAYS = 28;

interface Child { name: string; proc: ChildProcess }

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The API and worker log JSON; the demo shows only their warnings and errors, prefixed.
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      let level = 30;
      try { level = JSON.parse(line).level ?? 30; } catch { level = 40; }
      if (level >= 40 || name === 'simulator' || name === 'edge') console.log(`[${name}] ${line}`);
    }
  };
  proc.stdout?.on('data', relay);
  proc.stderr?.on('data', relay);
  return { name, proc };
}

async function waitForHealth(baseUrl: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) throw new Error(`the API exited (code ${child.proc.exitCode}) before it was healthy`);
    try {
      if ((await fetch(`${baseUrl}/api/ingest/health`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the API did not become healthy within ${timeoutMs / 1000} s`);
}

function demoModel(): string | null {
  const configured = process.env.WINK_MODEL ?? path.join(repoRoot, 'models', 'yolov8n.onnx');
  return existsSync(configured) ? configured : null;
}

function demoVideo(): string | null {
  const candidates = [process.env.WINK_DEMO_VIDEO, path.join(repoRoot, 'models', 'demo.mp4'), path.resolve(repoRoot, '..', 'shared', 'video', 'train_door_example_02.mp4')];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

/** An edge config that replays the video as the entrance camera of the demo store. */
function writeEdgeConfig(dir: string, baseUrl: string, orgId: string, apiKey: string, model: string, video: string): string {
  const file = path.join(dir, 'edge-config.yaml');
  writeFileSync(file, `# Written by npm run demo: the demo store's entrance camera replays a video file.
api_base: ${baseUrl}
org_id: ${orgId}
store_id: ${DEMO_STORE.store_id}
heartbeat_interval_s: 10
detector: { model: ${JSON.stringify(model)}, format: ${process.env.WINK_MODEL_FORMAT ?? 'yolov8'} }
buffer: { dir: ${JSON.stringify(path.join(dir, 'buffers'))} }
cameras:
  - camera_id: cam_entrance_01
    name: Main Entrance Camera (demo video)
    api_key: ${apiKey}
    rtsp: ${JSON.stringify(video)}
    capabilities: [entrance, zones]
    screenshot_size: [1000, 1000]
    entrance_line: [[0, 500], [1000, 500]]
    entrance_inside: right
    zones: { entrance_area: [[0, 0], [1000, 0], [1000, 1000], [0, 1000]] }
`);
  return file;
}

async function main(): Promise<void> {
  const config: AppConfig = loadAppConfig();
  const db = await ensurePostgres(config, log);
  await ensureRedis(config, log);
  const applied = await migrate(db.url);
  log(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema is up to date');

  const seeding = await NestFactory.createApplicationContext(AppModule.forConfig({ ...config, databaseUrl: db.url, runWorkers: false }), { logger: ['error'] });
  const seeded = await seedDemoStore(seeding);
  await seeding.close();
  log(`demo store ${DEMO_STORE.store_id} ready (organisation ${seeded.orgId})`);

  const dir = path.join(repoRoot, '.data', 'demo');
  mkdirSync(dir, { recursive: true });
  const baseUrl = `http://127.0.0.1:${config.port}`;
  const env = { ...process.env, DATABASE_URL: db.url, ADMIN_TOKEN: config.adminToken, RUN_WORKERS: 'false', NODE_ENV: process.env.NODE_ENV ?? 'development' };
  const children: Child[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    for (const c of [...children].reverse()) c.proc.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.proc.exitCode !== null ? null : new Promise((r) => c.proc.once('exit', r)))));
    await db.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const api = start('api', process.execPath, [distCli('../main')], env);
  children.push(api);
  children.push(start('worker', process.execPath, [distCli('../worker')], env));
  await waitForHealth(baseUrl, api);
  log(`API and report worker running at ${baseUrl}`);

  const viewer = await fetch(`${baseUrl}/api/admin/api-keys`, {
    method: 'POST', headers: { authorization: `Bearer ${config.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ org_id: seeded.orgId, role: 'viewer', name: 'demo' }),
  }).then(async (r) => (r.ok ? ((await r.json()) as { api_key: string }).api_key : Promise.reject(new Error(`viewer key: ${r.status} ${await r.text()}`))));

  const model = demoModel();
  const video = model ? demoVideo() : null;
  const simulatorArgs = [distCli('simulate'), '--api', baseUrl, '--admin-token', config.adminToken, '--store-id', DEMO_STORE.store_id, '--days', String(HISTORY_DAYS), '--promo', promoWindow()];
  if (model && video) {
    log(`model ${model} found: the edge analyses ${video} as the entrance camera (history from the simulator)`);
    children.push(start('simulator', process.execPath, simulatorArgs, env));
    const entranceKey = seeded.cameras.find((c) => c.camera_id === 'cam_entrance_01')!.api_key;
    const edgeConfig = writeEdgeConfig(dir, baseUrl, seeded.orgId, entranceKey, model, video);
    children.push(start('edge', path.join(repoRoot, 'node_modules', '.bin', 'deno'), ['run', '--allow-all', path.join(repoRoot, 'edge', 'src', 'main.ts'), 'run', edgeConfig], env));
  } else {
    log(model ? 'a model is configured but no video (set WINK_DEMO_VIDEO): using the traffic simulator' : 'no model file (WINK_MODEL or models/yolov8n.onnx): using the traffic simulator');
    children.push(start('simulator', process.execPath, [...simulatorArgs, '--live'], env));
  }
  for (const c of children) c.proc.once('exit', (code) => { if (!stopping && (c.name === 'api' || c.name === 'worker')) { log(`${c.name} exited (${code}); stopping`); void stopAll(1); } });

  console.log(`
  WINK demo is running.
    Dashboard:   ${baseUrl}/            (sign in with the viewer token below)
    API docs:    ${baseUrl}/api/docs
    Viewer token (shown once): ${viewer}

    curl -s '${baseUrl}/api/dashboard/live?store_id=${DEMO_STORE.store_id}' -H 'Authorization: Bearer ${viewer}'
    curl -s '${baseUrl}/api/analytics/spikes?store_id=${DEMO_STORE.store_id}&days=7' -H 'Authorization: Bearer ${viewer}'
    curl -s '${baseUrl}/metrics' | grep wink_ingest

  History (${HISTORY_DAYS} days, with a promotion last week) is loading now; Ctrl-C stops everything.
`);
}

/** Last week's Monday to Sunday, with a 30 % lift: something for the promo report to find. */
function promoWindow(): string {
  const day = 86_400_000;
  const today = new Date();
  const daysSinceMonday = (today.getUTCDay() + 6) % 7;
  const monday = new Date(today.getTime() - (daysSinceMonday + 7) * day);
  const sunday = new Date(monday.getTime() + 6 * day);
  return `${monday.toISOString().slice(0, 10)}:${sunday.toISOString().slice(0, 10)}:1.3`;
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : `[demo] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
