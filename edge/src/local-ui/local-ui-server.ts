// The calibration page (`local_ui` in config.yaml): a small HTTP server in the edge process that shows each camera's
// latest frame with its geometry, lets a technician move and save it, and shows the tracks and counts live. The
// picture goes only to this page: nothing here talks to the backend. Every request needs the password (page-auth.ts);
// no CORS headers, a strict Content-Security-Policy, and the page's own files only (no CDN).
import { createHash } from 'node:crypto';
import { copyFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatPath } from '../../../shared/src/events.ts';
import { POLYGON_KEYS, POLYGON_RULE_LIST } from '../rules/polygon-rules.ts';
import { ConfigError, parseConfig, type CameraConfig, type EdgeConfig, type LocalUiConfig } from '../runtime/config.ts';
import { errorText, type Logger } from '../runtime/log.ts';
import type { CameraView } from '../runtime/pipeline.ts';
import { patchCameraGeometry, type CameraGeometry } from './config-patch.ts';
import { FailureLimiter, passwordMatches, presentedSecret } from './page-auth.ts';

/** What the page needs of the running cameras (runtime/supervisor.ts). */
export interface RunningCameras {
  view(cameraId: string, picture: boolean): Promise<CameraView | null>;
  useGeometry(camera: CameraConfig): void;
  runningCounts(cameraId: string): Record<string, number> | undefined;
}

export interface LocalUiOptions {
  settings: LocalUiConfig;
  /** The config file the page saves into; `config` is what it held at start-up. */
  configPath: string;
  config: EdgeConfig;
  env: Readonly<Record<string, string | undefined>>;
  cameras: RunningCameras;
  log: Logger;
  /** Tests listen on a free port (0). */
  port?: number;
}

export interface LocalUi {
  url: string;
  close(): Promise<void>;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/calibrate.js': { file: 'calibrate.js', type: 'text/javascript; charset=utf-8' },
  '/calibrate.css': { file: 'calibrate.css', type: 'text/css; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const MAX_BODY_BYTES = 256 * 1024;

// ---- the save request, validated at the border; the start-up rules then judge the result ---------------------------
const coordinate = z.number({ error: 'must be a number' }).finite('must be a finite number');
const point = z.tuple([coordinate, coordinate], { error: 'must be a point [x, y]' });
const polygonName = z
  .string({ error: 'must be a text' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .refine((s) => ![...s].some((ch) => ch < ' ' || ch === '"' || ch === '\\'), 'must not hold control characters, quotes or backslashes');
const polygons = z.record(polygonName, z.array(point, { error: 'must be a list of points' }).max(200, 'must have at most 200 points'), {
  error: 'must be a map of name → polygon',
});
const geometryBody = z.strictObject({
  config_version: z.string({ error: 'is required (the version of the file the page loaded)' }),
  entrance_line: z.tuple([point, point], { error: 'must be a line of two points' }).optional(),
  entrance_inside: z.enum(['left', 'right'], { error: 'must be "left" or "right"' }).optional(),
  ...Object.fromEntries(POLYGON_KEYS.map((key) => [key, polygons.optional()])),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: readonly string[],
  ) {
    super(message);
  }
}

export async function startLocalUi(options: LocalUiOptions): Promise<LocalUi> {
  const { settings, log } = options;
  const assets = Object.fromEntries(
    Object.entries(ASSETS).map(([path, a]) => [path, { type: a.type, body: readFileSync(new URL(`./page/${a.file}`, import.meta.url)) }]),
  );
  const limiter = new FailureLimiter();
  let cameras = options.config.cameras;
  const loopback = ['127.0.0.1', '::1'].includes(settings.listen);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error('calibration page: request failed', { url: req.url, error: errorText(err) });
      const body = {
        error: err instanceof HttpError ? err.message : 'internal error',
        ...(err instanceof HttpError && err.problems ? { problems: err.problems } : {}),
      };
      if (!res.headersSent) send(res, status, 'application/json', JSON.stringify(body));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = req.socket.remoteAddress ?? '?';
    // A page on another site must not reach this one through a name that resolves to 127.0.0.1 (DNS rebinding).
    const host = new URL(`http://${req.headers.host ?? ''}`).hostname;
    if (loopback && !['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new HttpError(421, 'this page answers only on 127.0.0.1 or localhost');
    const wait = limiter.blockedForMs(client);
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      throw new HttpError(429, 'too many wrong passwords; try again later');
    }
    const secret = presentedSecret(req.headers.authorization);
    if (secret === null || !passwordMatches(secret, settings.password)) {
      if (secret !== null) limiter.fail(client);
      res.setHeader('www-authenticate', 'Basic realm="WINK edge calibration", charset="UTF-8"');
      send(res, 401, 'text/html; charset=utf-8', UNAUTHORISED_PAGE);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://edge');
    const method = req.method ?? 'GET';
    const asset = assets[url.pathname];
    if (asset && method === 'GET') return send(res, 200, asset.type, asset.body);
    // Browsers ask for it; the page has none.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();
    if (url.pathname === '/api/cameras' && method === 'GET') {
      const text = await readFile(options.configPath, 'utf8');
      return json(res, 200, { config_version: versionOf(text), cameras: cameras.map(describeCamera) });
    }
    const match = /^\/api\/cameras\/([^/]+)\/(frame\.png|live|geometry)$/.exec(url.pathname);
    const camera = match ? cameras.find((c) => c.camera_id === decodeURIComponent(match[1])) : undefined;
    if (!match || !camera) throw new HttpError(404, 'not found');
    const what = match[2];
    if (what === 'frame.png' && method === 'GET') {
      const view = await options.cameras.view(camera.camera_id, true);
      if (!view?.picture) throw new HttpError(503, 'no frame from this camera yet (is it streaming?)');
      return send(res, 200, 'image/png', view.picture);
    }
    if (what === 'live' && method === 'GET') {
      const view = await options.cameras.view(camera.camera_id, false);
      return json(res, 200, {
        camera_id: camera.camera_id,
        frame_size: view?.frame_size ?? null,
        tracks: view?.tracks ?? [],
        running_geometry: view?.geometry ?? null,
        counts: options.cameras.runningCounts(camera.camera_id) ?? {},
      });
    }
    if (what === 'geometry' && method === 'PUT') {
      // A form on another site cannot send JSON without a preflight, which gets no CORS answer; Origin is checked too.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) throw new HttpError(403, 'cross-origin request refused');
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send application/json');
      const saved = await saveGeometry(camera, await readJson(req));
      cameras = saved.config.cameras;
      const updated = cameras.find((c) => c.camera_id === camera.camera_id)!;
      options.cameras.useGeometry(updated);
      log.info('calibration page: geometry saved', { camera_id: camera.camera_id, backup: saved.backup });
      return json(res, 200, { config_version: saved.version, backup: saved.backup, camera: describeCamera(updated) });
    }
    throw new HttpError(405, 'method not allowed');
  }

  /** Patches the file, checks it with the start-up rules, keeps a backup and writes it in place of the old one. */
  async function saveGeometry(camera: CameraConfig, body: unknown) {
    const parsed = geometryBody.safeParse(body);
    if (!parsed.success) {
      throw new HttpError(
        400,
        'invalid request',
        parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
      );
    }
    const { config_version, ...fields } = parsed.data;
    const geometry = fields as CameraGeometry;
    for (const key of POLYGON_KEYS) {
      if (geometry[key] !== undefined && !camera.capabilities.includes(capabilityOf(key))) {
        throw new HttpError(400, 'invalid request', [`${key}: camera ${camera.camera_id} has no capability "${capabilityOf(key)}"`]);
      }
    }
    const path = options.configPath;
    const before = await readFile(path, 'utf8');
    if (versionOf(before) !== config_version) throw new HttpError(409, 'the config file changed since the page loaded it; reload the page');
    const index = cameras.findIndex((c) => c.camera_id === camera.camera_id);
    const after = patchCameraGeometry(before, index, geometry);
    let config: EdgeConfig;
    try {
      config = parseConfig(after, options.env, path);
    } catch (err) {
      if (err instanceof ConfigError) throw new HttpError(400, 'the configuration would not be valid; nothing was saved', err.problems);
      throw err;
    }
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    const backup = `${path}.bak-${stamp}`;
    await copyFile(path, backup);
    // Written beside it and renamed over it: a crash mid-write never leaves half a config for the next start.
    const temporary = `${path}.saving-${process.pid}`;
    await writeFile(temporary, after, { mode: (await stat(path)).mode & 0o777 });
    await rename(temporary, path);
    return { config, backup, version: versionOf(after) };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? settings.port, settings.listen, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the page draws and edits of a camera. */
function describeCamera(c: CameraConfig) {
  return {
    camera_id: c.camera_id,
    name: c.name ?? null,
    screenshot_size: c.screenshot_size,
    capabilities: c.capabilities,
    /** The polygon keys this camera's capabilities use (the page offers to add polygons only there). */
    polygon_keys: POLYGON_RULE_LIST.filter(([cap]) => c.capabilities.includes(cap)).map(([, spec]) => spec.key),
    entrance_line: c.capabilities.includes('entrance') ? (c.entrance_line ?? null) : null,
    entrance_inside: c.entrance_inside ?? null,
    ...Object.fromEntries(POLYGON_KEYS.map((key) => [key, c[key] ?? {}])),
  };
}

function capabilityOf(key: string): CameraConfig['capabilities'][number] {
  return POLYGON_RULE_LIST.find(([, spec]) => spec.key === key)![0];
}

function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body must be at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

const UNAUTHORISED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WINK edge — password needed</title></head>
<body><h1>Password needed</h1><p>This calibration page needs the password set in <code>local_ui.password</code> of the edge's
config.yaml (any user name). Reload the page to enter it again.</p></body></html>
`;
