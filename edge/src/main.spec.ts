// The CLI as the product runs it: under Deno (the deno binary from node_modules), as a child process.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeIngestBackend } from '../test/fake-ingest-backend.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = join(root, 'node_modules', '.bin', 'deno');
const main = join(root, 'edge', 'src', 'main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(
  args: string[],
  env: Record<string, string> = {},
  whileRunning?: (child: ReturnType<typeof spawn>, output: () => string) => Promise<void>,
): Promise<Run> {
  return command(deno, ['run', '--allow-all', main, ...args], { ...process.env, NO_COLOR: '1', ...env }, whileRunning);
}

function command(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  whileRunning?: (child: ReturnType<typeof spawn>, output: () => string) => Promise<void>,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    whileRunning?.(child, () => stdout + stderr).catch((err) => {
      child.kill('SIGKILL');
      reject(err);
    });
  });
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exampleEnv = { WINK_CAM_PASSWORD: 'pw', WINK_KEY_CAM_ENTRANCE_01: 'k1', WINK_KEY_CAM_ZONE_01: 'k2', WINK_KEY_CAM_CHECKOUT_01: 'k3' };

function writeConfig(apiBase: string): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wink-cli-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `api_base: ${apiBase}
api_key: very-secret-edge-key
org_id: org_demo
store_id: store_demo_001
batch: { max_events: 10, max_wait_ms: 50 }
buffer: { dir: ${join(dir, 'buffers')} }
cameras:
  - camera_id: cam_a
    rtsp: rtsp://admin:hunter2-camera-pw@10.0.0.5/stream1
    capabilities: [queue]
    screenshot_size: [640, 480]
    queues: { till_1: [[0, 0], [100, 0], [100, 100]] }
  - camera_id: cam_b
    rtsp: replay/cam_b.mp4
    capabilities: [queue]
    screenshot_size: [640, 480]
    queues: { till_2: [[0, 0], [100, 0], [100, 100]] }
`,
  );
  return { path, dir };
}

const describeWithDeno = existsSync(deno) ? describe : describe.skip;

describeWithDeno('wink-edge CLI under Deno', () => {
  let backend: FakeIngestBackend;
  beforeEach(async () => {
    backend = new FakeIngestBackend();
    await backend.start();
  });
  afterEach(() => backend.stop());

  it('validate: OK for the example config', async () => {
    const r = await cli(['validate', 'edge/config.example.yaml'], exampleEnv);
    expect(r).toMatchObject({ code: 0, stdout: 'OK: edge/config.example.yaml: store store_demo_001, 3 camera(s)\n' });
  });

  it("validate --require-env (the service's check): every problem, and exit code 1", async () => {
    const r = await cli(['validate', 'edge/config.example.yaml', '--require-env'], { WINK_CAM_PASSWORD: 'pw' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'edge/config.example.yaml: invalid configuration',
      'cameras[0].api_key: environment variable WINK_KEY_CAM_ENTRANCE_01 is not set',
      'cameras[1].api_key: environment variable WINK_KEY_CAM_ZONE_01 is not set',
      'cameras[2].api_key: environment variable WINK_KEY_CAM_CHECKOUT_01 is not set',
    ]);
  });

  it("validate: the README's line, as written and without the secrets, exits 0 naming the variables run needs", async () => {
    const line = /^npm run edge -- (validate \S+)/m.exec(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(line).not.toBeNull();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WINK_')));
    const r = await command('npm', ['run', '--silent', 'edge', '--', ...line![1].split(' ')], { ...env, NO_COLOR: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toBe(
      'OK: edge/config.example.yaml: store store_demo_001, 3 camera(s); not set here, needed by run and test: ' +
        'WINK_CAM_PASSWORD, WINK_KEY_CAM_ENTRANCE_01, WINK_KEY_CAM_ZONE_01, WINK_KEY_CAM_CHECKOUT_01\n',
    );
    expect(r.stderr).toContain('warning: cameras[0].api_key: environment variable WINK_KEY_CAM_ENTRANCE_01 is not set');
    // A real problem is still an error while the variables are only warnings.
    const dir = mkdtempSync(join(tmpdir(), 'wink-cli-'));
    writeFileSync(join(dir, 'c.yaml'), readFileSync(join(root, 'edge/config.example.yaml'), 'utf8').replace('target_fps: 5 ', 'target_fps: 500'));
    const bad = await cli(['validate', join(dir, 'c.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('target_fps: must be at most');
    expect(await cli(['run', 'edge/config.example.yaml', '--require-env'])).toMatchObject({ code: 2 });
  });

  it('bad usage exits 2', async () => {
    expect((await cli(['launch', 'x.yaml'])).code).toBe(2);
  });

  it('run --pipeline synthetic refuses to write into a store without --write-into naming it', async () => {
    const { path } = writeConfig(backend.url);
    for (const extra of [[], ['--write-into', 'store_other']]) {
      const r = await cli(['run', path, '--pipeline', 'synthetic', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("writes made-up events into store store_demo_001's real numbers");
      expect(r.stderr).toContain('add --write-into store_demo_001');
    }
    expect(backend.eventsByCamera.size).toBe(0);
  });

  it('run: banner, events flow, SIGTERM stops cleanly with exit 0; secrets never printed', async () => {
    const { path } = writeConfig(backend.url);
    let signalledAt = 0;
    const r = await cli(['run', path, '--pipeline', 'synthetic', '--write-into', 'store_demo_001'], {}, async (child) => {
      // A cold Deno start on a busy machine can take a while.
      await waitFor('events from both cameras', () => ['cam_a', 'cam_b'].every((c) => (backend.eventsByCamera.get(c)?.length ?? 0) >= 3), 60_000);
      signalledAt = Date.now();
      child.kill('SIGTERM');
    });
    expect(r.code).toBe(0);
    // Shutdown by design takes up to 2 s grace + 3 s flush; the bound allows for load but catches a hang.
    expect(Date.now() - signalledAt).toBeLessThan(20_000);
    expect(r.stdout).toContain('Cameras:   2');
    expect(r.stdout).toContain('rtsp://admin:***@10.0.0.5/stream1');
    expect(r.stderr).toContain('"msg":"stopped"');
    for (const secret of ['very-secret-edge-key', 'hunter2-camera-pw']) expect(r.stdout + r.stderr).not.toContain(secret);
    // Every event the cameras emitted before the stop reached the backend once, in order.
    for (const cam of ['cam_a', 'cam_b']) {
      const seq = backend.eventsByCamera.get(cam)!.map((e) => Number(String(e.person_key).split('-').pop()));
      expect(seq).toEqual(seq.map((_, i) => i));
    }
  }, 90_000);

  it('run: a missing pipeline module is a clear error', async () => {
    const { path } = writeConfig(backend.url);
    const r = await cli(['run', path, '--pipeline', 'edge/src/no-such-pipeline.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pipeline module not found');
  });

  it('test: ✅ for every check against a working backend, exit 0', async () => {
    const { path } = writeConfig(backend.url);
    const r = await cli(['test', path]);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('✅')),
    ).toBe(true);
    expect(r.stdout).toContain('event ingestion cam_b: 1 test events (queue) accepted as a dry run, nothing stored');
  });

  it('test: ❌ and exit 1 when the backend refuses the keys', async () => {
    backend.mode = { status: 403, body: { message: 'camera_id: this edge key is not allowed to write for cam_a' } };
    const { path } = writeConfig(backend.url);
    const r = await cli(['test', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('❌ API connectivity cam_a');
    expect(r.stdout).not.toContain('very-secret-edge-key');
  });
});
