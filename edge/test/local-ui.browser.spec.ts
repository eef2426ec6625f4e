/**
 * The calibration page in a real browser (Debian's Chromium driven by playwright-core) against the edge as shipped:
 * `wink-edge run` under Deno, the real vision pipeline (node-av decoding a shared clip, the shared YOLOv8 model) and a
 * stand-in backend recording every byte the edge sends. Open the page with the password, see the frame and the
 * geometry, drag and nudge a point, save; the config file changes (comments kept, a backup beside it) and the running
 * camera counts with the new line; a wrong password is refused; no picture ever reaches the backend.
 * Screenshots go to test-output/local-ui/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FakeIngestBackend } from './fake-ingest-backend.ts';
import { describeIfShared, repoRoot, sharedFile } from './shared-material.ts';

// page.evaluate callbacks run in the browser; this file is compiled with Node's types only.
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DENO = join(repoRoot, 'node_modules', '.bin', 'deno');
const OUTPUT_DIR = join(repoRoot, 'test-output', 'local-ui');
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PASSWORD = 'calibrate me 2024';
const CLIP = 'sequences/PETS09-S2L1.mp4';
const MODEL = 'models/yolov8n_int8.onnx';

const missingTool = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
  : !existsSync(DENO)
    ? `no deno at ${DENO} (npm ci)`
    : null;
if (missingTool) console.warn(`SKIPPING the calibration page browser test: ${missingTool}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

(missingTool ? describe.skip : (name: string, body: () => void) => describeIfShared([CLIP, MODEL], name, body))(
  'calibration page in Chromium against the running edge',
  () => {
    let backend: FakeIngestBackend;
    let edge: ChildProcess;
    let output = '';
    let dir: string;
    let configPath: string;
    let original: string;
    let origin: string;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`tech:${password}`).toString('base64')}` });
    const api = (path: string, init: RequestInit = {}) => fetch(new URL(path, origin), { ...init, headers: { ...basic(PASSWORD), ...(init.headers ?? {}) } });
    const shot = (name: string) => page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(OUTPUT_DIR, { recursive: true });
      backend = new FakeIngestBackend();
      await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'wink-calibrate-'));
      configPath = join(dir, 'config.yaml');
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      original = `# A test store for the calibration page.
api_base: ${backend.url}
org_id: org_test
store_id: store_test_001
api_key: edge-test-key
heartbeat_interval_s: 5       # often, so the test sees heartbeats
detector:
  model: ${sharedFile(MODEL)}
  threads: 1
buffer:
  dir: ${join(dir, 'buffers')}

# The calibration page: only on this box, password from the environment.
local_ui:
  port: ${port}
  password: \${WINK_UI_PASSWORD}

cameras:
  # PETS09 seen from above: people cross in every direction.
  - camera_id: cam_door
    name: Campus crossing
    rtsp: ${sharedFile(CLIP)}
    capabilities: [entrance, zones]
    screenshot_size: [480, 360]
    entrance_line: [[440, 80], [440, 360]]   # the right edge of the picture
    entrance_inside: right
    zones:
      centre: [[150, 100], [330, 100], [330, 300], [150, 300]]   # the middle of the crossing
`;
      writeFileSync(configPath, original);
      edge = spawn(DENO, ['run', '--allow-all', join(repoRoot, 'edge/src/main.ts'), 'run', configPath], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', WINK_UI_PASSWORD: PASSWORD },
      });
      edge.stdout!.on('data', (d) => (output += d));
      edge.stderr!.on('data', (d) => (output += d));
      try {
        // The picture exists once the model is loaded and the first frame analysed.
        await waitFor(
          'the first picture from the camera',
          async () => (await api('/api/cameras/cam_door/frame.png').catch(() => null))?.status === 200,
          120_000,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; edge output:\n${output}`);
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      if (edge && edge.exitCode === null) {
        const exited = new Promise((resolve) => edge.once('exit', resolve));
        edge.kill('SIGTERM');
        await exited;
      }
      await backend?.stop();
    }, 30_000);

    it('listens on 127.0.0.1 only and refuses a wrong password with a 401 page', async () => {
      expect(output).toContain(`calibration page listening`);
      expect(output).toContain(`${origin}/`);
      expect(output).not.toContain(PASSWORD);
      const ctx = await browser.newContext({ httpCredentials: { username: 'tech', password: 'not the password' } });
      const wrong = await ctx.newPage();
      const res = await wrong.goto(`${origin}/`);
      expect(res!.status()).toBe(401);
      expect(await wrong.textContent('h1')).toBe('Password needed');
      await ctx.close();
    }, 60_000);

    it('shows the frame and the geometry, moves a point, saves, and the running camera takes the new line', async () => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, httpCredentials: { username: 'tech', password: PASSWORD } });
      page = await ctx.newPage();
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      expect((await page.goto(`${origin}/`))!.status()).toBe(200);

      // The picture: a real decoded frame, and the geometry drawn over it.
      await page.waitForFunction(() => {
        const img = document.getElementById('frame');
        return img.complete && img.naturalWidth > 0;
      });
      const natural = await page.evaluate(() => [document.getElementById('frame').naturalWidth, document.getElementById('frame').naturalHeight]);
      expect(natural[0]).toBeGreaterThan(100);
      expect(natural[0] / natural[1]).toBeCloseTo(480 / 360, 1);
      expect(await page.locator('[data-point^="entrance:entrance:"]').count()).toBe(2);
      expect(await page.locator('[data-point^="zones:centre:"]').count()).toBe(4);
      expect(await page.locator('[data-arrow="in"]').count()).toBe(1);
      expect(await page.locator('polygon.area.zones').count()).toBe(1);
      expect(await page.textContent('#entrance-text')).toContain('the shop is on the right');
      await shot('calibrate');

      // Drag the line's top point to (380, 60) on the screenshot's scale, then nudge it 10 px left with the keyboard.
      const svgBox = (await page.locator('#overlay').boundingBox())!;
      const at = (x: number, y: number) => [svgBox.x + (x / 480) * svgBox.width, svgBox.y + (y / 360) * svgBox.height] as const;
      await page.mouse.move(...at(440, 80));
      await page.mouse.down();
      await page.mouse.move(...at(410, 70), { steps: 4 });
      await page.mouse.move(...at(380, 60), { steps: 4 });
      await page.mouse.up();
      const dragged = await page
        .locator('[data-point="entrance:entrance:0"]')
        .evaluate((c: any) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]);
      expect(Math.abs(dragged[0] - 380)).toBeLessThanOrEqual(2);
      expect(Math.abs(dragged[1] - 60)).toBeLessThanOrEqual(2);
      await page.locator('[data-point="entrance:entrance:0"]').focus();
      await page.keyboard.press('Shift+ArrowLeft');
      const moved = [dragged[0] - 10, dragged[1]];
      expect(await page.textContent('#selected')).toBe(`entrance line, point 1: (${moved.join(', ')})`);
      await shot('calibrate-moved');

      await page.click('#save');
      await page.waitForFunction(() => /^Saved\./.test(document.getElementById('status').textContent));
      await shot('calibrate-saved');

      // The file: only the line changed, every comment kept, the secret still a ${VAR}, the old file kept as a backup.
      const saved = readFileSync(configPath, 'utf8');
      const line = `    entrance_line: [[${moved.join(', ')}], [440, 360]]   # the right edge of the picture`;
      expect(saved).toBe(original.replace('    entrance_line: [[440, 80], [440, 360]]   # the right edge of the picture', line));
      const backups = readdirSync(dir).filter((f) => f.startsWith('config.yaml.bak-'));
      expect(backups).toHaveLength(1);
      expect(readFileSync(join(dir, backups[0]), 'utf8')).toBe(original);

      // The running camera: its worker reports the new line (rules rebuilt on the next frame, no restart).
      await waitFor('the camera to run on the saved line', async () => {
        const live = (await (await api('/api/cameras/cam_door/live')).json()) as { running_geometry: { entrance_line: unknown } };
        return JSON.stringify(live.running_geometry?.entrance_line) === JSON.stringify([moved, [440, 360]]);
      });
      expect(output).not.toMatch(/camera worker (started|exited).*restarts":[1-9]/);

      // The live view: boxes and ids over the picture, the counts, and the page says the camera runs on what was saved.
      await page.check('#live');
      await page.waitForFunction(() => /counts with the saved geometry/.test(document.getElementById('running').textContent));
      await waitFor('a tracked person drawn on the picture', async () => (await page.locator('#live-layer rect.track').count()) > 0, 30_000);
      await shot('calibrate-live');

      // Every request of the page went to the edge itself.
      expect(requests.filter((u) => !u.startsWith(`${origin}/`))).toEqual([]);
      expect(problems).toEqual([]);
      await ctx.close();
    }, 180_000);

    it('refuses geometry the start-up rules refuse, naming the key', async () => {
      const { config_version } = (await (await api('/api/cameras')).json()) as { config_version: string };
      const before = readFileSync(configPath, 'utf8');
      const res = await api('/api/cameras/cam_door/geometry', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          config_version,
          zones: {
            centre: [
              [1, 1],
              [2, 2],
            ],
          },
        }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { problems: string[] }).problems).toContain('cameras[0].zones.centre: polygon needs at least 3 points');
      expect(readFileSync(configPath, 'utf8')).toBe(before);
    });

    it('sends the backend events and heartbeats only: no picture bytes, small bodies', async () => {
      await waitFor('a heartbeat', () => backend.heartbeats.length > 0, 30_000);
      expect(backend.raw.length).toBeGreaterThan(0);
      for (const { path, body } of backend.raw) {
        expect(path).toMatch(/^\/api\/ingest\/(events|heartbeat)$/);
        expect(body.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false); // PNG
        expect(body.includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false); // JPEG
        expect(body.length).toBeLessThan(64 * 1024);
        expect(() => JSON.parse(body.toString('utf8'))).not.toThrow();
      }
    });
  },
);
