// The calibration page's server in-process, with a stand-in for the running cameras: auth, rate limit, the border
// checks and the save path (validation, backup, file rewritten, the camera told). The real page in Chromium against
// the real edge is edge/test/local-ui.browser.spec.ts.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type CameraConfig } from '../runtime/config.ts';
import { Logger } from '../runtime/log.ts';
import type { CameraView } from '../runtime/pipeline.ts';
import { startLocalUi, type LocalUi } from './local-ui-server.ts';

const PASSWORD = 'correct horse battery';
const CONFIG = `# the test store
api_base: http://127.0.0.1:9
org_id: org_t
store_id: store_t
api_key: k
local_ui:
  password: \${UI_PASSWORD}   # from the environment
cameras:
  # the door
  - camera_id: cam_door
    rtsp: door.mp4
    capabilities: [entrance, zones]
    screenshot_size: [640, 480]
    entrance_line: [[100, 400], [540, 400]]   # across the door
    entrance_inside: left
    zones:
      promo: [[10, 10], [100, 10], [100, 100]]
`;
const ENV = { UI_PASSWORD: PASSWORD };
const auth = (password = PASSWORD) => ({ authorization: `Basic ${Buffer.from(`tech:${password}`).toString('base64')}` });

describe('calibration page server', () => {
  let dir: string;
  let path: string;
  let ui: LocalUi;
  const used: CameraConfig[] = [];
  const view: CameraView = { frame_size: [640, 480], tracks: [{ id: 3, box: [1, 2, 3, 4] }], geometry: {}, picture: Uint8Array.of(0x89, 0x50, 0x4e, 0x47) };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wink-local-ui-'));
    path = join(dir, 'config.yaml');
    writeFileSync(path, CONFIG);
    const config = parseConfig(CONFIG, ENV, path);
    ui = await startLocalUi({
      settings: config.local_ui!,
      port: 0,
      configPath: path,
      config,
      env: ENV,
      log: Logger.create({ level: 'error' }),
      cameras: {
        view: async (_id, picture) => (picture ? view : { ...view, picture: undefined }),
        useGeometry: (c) => void used.push(c),
        runningCounts: () => ({ 'entrance in': 2 }),
      },
    });
  });
  afterAll(() => ui?.close());

  const call = (path: string, init: RequestInit = {}) => fetch(new URL(path, ui.url), init);
  const put = async (body: unknown, headers: Record<string, string> = {}) =>
    call('/api/cameras/cam_door/geometry', {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const version = async () => ((await (await call('/api/cameras', { headers: auth() })).json()) as { config_version: string }).config_version;

  it('listens on 127.0.0.1 by default', () => {
    expect(parseConfig(CONFIG, ENV).local_ui).toEqual({ listen: '127.0.0.1', port: 8780, password: PASSWORD });
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves its page and script with the password only, with a strict policy and no CORS', async () => {
    for (const p of ['/', '/calibrate.js', '/api/cameras', '/api/cameras/cam_door/frame.png']) {
      const refused = await call(p);
      expect([p, refused.status]).toEqual([p, 401]);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(await refused.text()).toContain('Password needed');
      expect((await call(p, { headers: auth('wrong password!') })).status).toBe(401);
    }
    const page = await call('/', { headers: { ...auth(), origin: 'http://evil.example' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(await page.text()).toContain('<script type="module" src="/calibrate.js">');
    const token = await call('/calibrate.js', { headers: { authorization: `Bearer ${PASSWORD}` } });
    expect(token.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers only to its own host name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(ui.url);
      request({ host: u.hostname, port: u.port, path: '/', headers: { ...auth(), host: `evil.example:${u.port}` } }, (res) => resolve(res.statusCode ?? 0))
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
  });

  it('serves the picture, the live tracks and counts', async () => {
    const picture = await call('/api/cameras/cam_door/frame.png', { headers: auth() });
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await picture.arrayBuffer())]).toEqual([...view.picture!]);
    const live = await (await call('/api/cameras/cam_door/live', { headers: auth() })).json();
    expect(live).toMatchObject({ tracks: [{ id: 3 }], counts: { 'entrance in': 2 } });
    expect((await call('/api/cameras/nope/live', { headers: auth() })).status).toBe(404);
  });

  it('refuses a save the start-up rules refuse, naming the key, and leaves the file alone', async () => {
    const res = await put({
      config_version: await version(),
      zones: {
        promo: [
          [1, 1],
          [2, 2],
        ],
      },
      entrance_line: [
        [100, 400],
        [900, 400],
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { problems: string[] };
    expect(body.problems).toEqual(
      expect.arrayContaining([
        'cameras[0].zones.promo: polygon needs at least 3 points',
        'cameras[0].entrance_line[1]: point (900, 400) is outside screenshot_size 640x480',
      ]),
    );
    expect(readFileSync(path, 'utf8')).toBe(CONFIG);
    const border = await put({ config_version: 'x', zones: { promo: [['a', 1]] }, colour: 'red' });
    expect(await border.json()).toMatchObject({
      problems: expect.arrayContaining(['zones.promo[0][0]: must be a number', '(body): Unrecognized key: "colour"']),
    });
    expect(
      (
        await put({
          config_version: await version(),
          shelves: {
            s: [
              [1, 1],
              [2, 2],
              [3, 1],
            ],
          },
        })
      ).status,
    ).toBe(400);
    expect((await put({ config_version: 'stale' })).status).toBe(409);
    expect((await put({ config_version: await version() }, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await put({ config_version: await version() }, { origin: 'http://evil.example' })).status).toBe(403);
    expect(used).toEqual([]);
  });

  it('saves geometry: comments kept, a backup beside it, the camera told', async () => {
    const res = await put({
      config_version: await version(),
      entrance_line: [
        [120, 390],
        [540, 400],
      ],
      entrance_inside: 'right',
      zones: {
        promo: [
          [10, 10],
          [100, 10],
          [100, 100],
        ],
        till: [
          [200, 200],
          [300, 200],
          [300, 300],
        ],
      },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { backup: string; config_version: string };
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('    entrance_line: [[120, 390], [540, 400]]   # across the door');
    expect(text).toContain('      till: [[200, 200], [300, 200], [300, 300]]');
    for (const comment of ['# the test store', '# from the environment', '# the door']) expect(text).toContain(comment);
    expect(text).toContain('${UI_PASSWORD}');
    expect(readFileSync(body.backup, 'utf8')).toBe(CONFIG);
    expect(readdirSync(dir).filter((f) => f.startsWith('config.yaml.bak-'))).toHaveLength(1);
    expect(used.map((c) => [c.entrance_line, c.entrance_inside, Object.keys(c.zones ?? {})])).toEqual([
      [
        [
          [120, 390],
          [540, 400],
        ],
        'right',
        ['promo', 'till'],
      ],
    ]);
    expect(body.config_version).toBe(await version());
  });

  it('refuses a client that keeps sending wrong passwords, even with the right one', async () => {
    // Earlier tests spent some of the 10 failures a minute this client has.
    const answers = new Set<number>();
    for (let i = 0; i < 10; i++) answers.add((await call('/', { headers: auth(`wrong ${i}`) })).status);
    expect([...answers]).toEqual([401, 429]);
    const blocked = await call('/', { headers: auth() });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
