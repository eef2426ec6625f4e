// The edge as shipped (under Deno, as a child process) against the real backend (NestJS, PostgreSQL,
// Redis): outage and recovery, a kill with events on disk, the self-test, and a dead letter on 400.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../../backend/test/test-app.ts';
import { parseConfig } from '../src/runtime/config.ts';
import { Logger } from '../src/runtime/log.ts';
import { EventOutbox } from '../src/runtime/outbox.ts';
import { SwitchableProxy } from './switchable-proxy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = join(root, 'node_modules', '.bin', 'deno');
const describeWithDeno = existsSync(deno) ? describe : describe.skip;

interface EdgeProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startEdge(args: string[]): EdgeProcess {
  const child = spawn(deno, ['run', '--allow-all', join(root, 'edge/src/main.ts'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWithDeno('edge ⇄ real backend', () => {
  let t: TestApp;
  let proxy: SwitchableProxy;
  let camA: ProvisionedCamera;
  let camB: ProvisionedCamera;
  let dir: string;
  let configPath: string;

  const rows = async (cameraId: string) =>
    (await t.app
      .get(DataSource)
      .query(`SELECT event_id, person_key, ts FROM queue_events WHERE store_id = $1 AND camera_id = $2 ORDER BY id`, [camA.storeId, cameraId])) as {
      event_id: string;
      person_key: string;
      ts: Date;
    }[];
  const bufferedLines = (cameraId: string) => {
    const d = join(dir, 'buffers', cameraId);
    if (!existsSync(d)) return 0;
    return readdirSync(d)
      .filter((f) => f.startsWith('buffer_'))
      .reduce((n, f) => n + readFileSync(join(d, f), 'utf8').split('\n').filter(Boolean).length, 0);
  };

  beforeAll(async () => {
    t = await startTestApp();
    camA = await provisionCamera(t, { storeId: 'store_edge_001', cameraId: 'cam_a' });
    camB = await provisionCamera(t, { orgId: camA.orgId, storeId: 'store_edge_001', cameraId: 'cam_b' });
    proxy = new SwitchableProxy(Number(new URL(t.baseUrl).port));
    await proxy.up();
    dir = mkdtempSync(join(tmpdir(), 'wink-edge-e2e-'));
    configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `api_base: ${proxy.url}
org_id: ${camA.orgId}
store_id: ${camA.storeId}
request_timeout_ms: 2000
heartbeat_interval_s: 5
batch: { max_events: 25, max_wait_ms: 100 }
buffer: { dir: ${join(dir, 'buffers')} }
cameras:
  - camera_id: cam_a
    api_key: \${KEY_A}
    rtsp: rtsp://admin:camera-secret@127.0.0.1:8554/a
    capabilities: [queue]
    screenshot_size: [640, 480]
    queues: { till_1: [[0, 0], [100, 0], [100, 100]] }
  - camera_id: cam_b
    api_key: \${KEY_B}
    rtsp: rtsp://127.0.0.1:8554/b
    capabilities: [queue]
    screenshot_size: [640, 480]
    queues: { till_2: [[0, 0], [100, 0], [100, 100]] }
`,
    );
    process.env.KEY_A = camA.apiKey;
    process.env.KEY_B = camB.apiKey;
  });
  afterAll(async () => {
    await proxy.down();
    await t.close();
  });

  it('delivers every event exactly once and in order through an outage', async () => {
    const edge = startEdge([
      'run',
      configPath,
      '--pipeline',
      'synthetic',
      '--write-into',
      camA.storeId,
      '--pipeline-options',
      '{"events_per_second":40,"end_after_events":160}',
    ]);
    try {
      await waitFor('first events', async () => (await rows('cam_a')).length > 10);
      await proxy.down();
      await waitFor('events buffered on disk during the outage', () => bufferedLines('cam_a') > 10 && bufferedLines('cam_b') > 10);
      await proxy.up();
      // The edge empties its buffers only once it has the backend's answer: wait for that too.
      await waitFor(
        'all 160 events per camera, and the buffers emptied',
        async () => (await rows('cam_a')).length >= 160 && (await rows('cam_b')).length >= 160 && bufferedLines('cam_a') === 0 && bufferedLines('cam_b') === 0,
      );
      await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
      for (const cam of ['cam_a', 'cam_b']) {
        const r = await rows(cam);
        expect(r).toHaveLength(160);
        expect(new Set(r.map((x) => x.person_key)).size).toBe(160);
        // Stored in the order they happened: the backlog on disk went first, oldest first.
        const times = r.map((x) => x.ts.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
      expect(bufferedLines('cam_a')).toBe(0);
    } finally {
      edge.child.kill('SIGTERM');
      expect(await edge.exited).toBe(0);
    }
    const out = edge.output();
    expect(out).toContain('store_edge_001');
    for (const secret of [camA.apiKey, camB.apiKey, 'camera-secret']) expect(out).not.toContain(secret);
  }, 90_000);

  it('replays what was on disk after the edge was killed, none lost, none doubled', async () => {
    const before = (await rows('cam_a')).length;
    await proxy.down();
    const edge = startEdge([
      'run',
      configPath,
      '--pipeline',
      'synthetic',
      '--write-into',
      camA.storeId,
      '--pipeline-options',
      '{"events_per_second":50,"end_after_events":60}',
    ]);
    await waitFor('60 events on disk', () => bufferedLines('cam_a') >= 60 && bufferedLines('cam_b') >= 60);
    edge.child.kill('SIGKILL');
    await edge.exited;
    await proxy.up();
    const quiet = startEdge(['run', configPath, '--pipeline', 'synthetic', '--write-into', camA.storeId, '--pipeline-options', '{"events_per_second":0}']);
    try {
      await waitFor('the backlog replayed', async () => (await rows('cam_a')).length >= before + 60 && bufferedLines('cam_a') === 0);
      await new Promise((r) => setTimeout(r, 500));
      const r = await rows('cam_a');
      expect(r).toHaveLength(before + 60);
      expect(new Set(r.map((x) => x.event_id)).size).toBe(r.length);
      // This run's synthetic people are cam_a-0 … cam_a-59 again: each arrived once.
      expect(new Set(r.slice(before).map((x) => x.person_key)).size).toBe(60);
    } finally {
      quiet.child.kill('SIGTERM');
      expect(await quiet.exited).toBe(0);
    }
  }, 90_000);

  it('passes the self-test against the real backend, and the self-test adds nothing to the store', async () => {
    const count = async () =>
      (
        await t.app
          .get(DataSource)
          .query(
            `SELECT (SELECT count(*) FROM queue_events WHERE store_id = $1)::int + (SELECT count(*) FROM camera_heartbeats WHERE store_id = $1)::int AS n`,
            [camA.storeId],
          )
      )[0].n as number;
    const before = await count();
    const edge = startEdge(['test', configPath]);
    const code = await edge.exited;
    const out = edge.output();
    expect(out).not.toContain('❌');
    expect(out).toMatch(/✅.*heartbeat/i);
    expect(out).toMatch(/✅ event ingestion cam_a: 1 test events \(queue\) accepted as a dry run/);
    expect(code).toBe(0);
    expect(await count()).toBe(before);
  }, 60_000);

  it('sends a batch the backend refuses with 400 to the dead-letter file, with the reason', async () => {
    const config = parseConfig(readFileSync(configPath, 'utf8'), { KEY_A: camA.apiKey, KEY_B: camB.apiKey });
    const outbox = await EventOutbox.forCamera(
      { ...config, buffer: { ...config.buffer, dir: join(dir, 'dead-letter-test') } },
      config.cameras[0],
      Logger.create({ level: 'error' }),
    );
    outbox.enqueue([{ type: 'shelf', ts: new Date().toISOString(), shelf_id: 'shelf_1', dwell_seconds: 100_000, person_key: 'p' }]);
    await outbox.flush(5000);
    expect(outbox.deadLetterCount).toBe(1);
    const dead = readFileSync(join(dir, 'dead-letter-test', 'cam_a', 'dead_letter.jsonl'), 'utf8');
    expect(dead).toContain('400');
    expect(dead).toContain('dwell_seconds');
  }, 30_000);
});
