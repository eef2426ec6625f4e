// `wink-edge test`: the installer's check that this device is ready, one ✅/❌ line per check.
// Talks to the real backend with each camera's own key, so a wrong or swapped key shows up here.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPABILITY_FOR_EVENT, storeEventSchema, type StoreEvent } from '../../../shared/src/events.ts';
import { POLYGON_KEYS, POLYGON_RULE_LIST, visitEvent } from '../rules/polygon-rules.ts';
import { pointInPolygon, scalePolygon, type Point, type Polygon, type Size } from '../vision/geometry.ts';
import type { CameraConfig, EdgeConfig } from './config.ts';
import { buildHeartbeat } from './heartbeat.ts';
import { IngestApi, type Delivery } from './ingest-api.ts';
import { errorText, Logger } from './log.ts';
import { EventOutbox } from './outbox.ts';

export type Report = (line: string) => void;

/** Runs every check, reporting as it goes; true when all passed. */
export async function runSelfTest(config: EdgeConfig, report: Report): Promise<boolean> {
  let ok = true;
  const check = (passed: boolean, text: string) => {
    report(`${passed ? '✅' : '❌'} ${text}`);
    ok &&= passed;
  };

  check(true, `config valid: API ${config.api_base}, store ${config.store_id}, ${config.cameras.length} camera(s)`);

  const geometry = geometryProblems(config);
  check(geometry.length === 0, geometry.length === 0 ? 'polygon scaling and point-in-polygon correct' : `geometry: ${geometry.join('; ')}`);

  const buffering = await offlineBufferingProblem();
  check(buffering === null, buffering ?? 'offline buffering: a simulated outage put the event on disk');

  const api = new IngestApi(config.api_base, config.request_timeout_ms);
  for (const camera of config.cameras) {
    const heartbeat = buildHeartbeat(
      { org_id: config.org_id, store_id: config.store_id, camera_id: camera.camera_id },
      { fps: 0, inference_ms: 0, stream_state: 'starting', queue_lengths: {} },
      { sentCount: 0, bufferedCount: 0, pendingCount: 0, droppedCount: 0, deadLetterCount: 0 },
      0,
    );
    heartbeat.status_data.self_test = true;
    // Dry runs: the backend checks key, scope, capabilities and body, and stores nothing in the store's day.
    const hb = await api.postHeartbeat(heartbeat, camera.api_key, undefined, { dryRun: true });
    check(hb.outcome === 'accepted', `API connectivity ${camera.camera_id}: ${describe(hb, 'heartbeat accepted')}`);

    const events = selfTestEvents(camera);
    const delivery = await api.postEvents(
      { org_id: config.org_id, store_id: config.store_id, camera_id: camera.camera_id, device_ts: new Date().toISOString(), events },
      camera.api_key,
      undefined,
      { dryRun: true },
    );
    check(
      delivery.outcome === 'accepted',
      `event ingestion ${camera.camera_id}: ${describe(delivery, `${events.length} test events (${events.map((e) => e.type).join(', ')}) accepted as a dry run, nothing stored`)}`,
    );
  }
  return ok;
}

function describe(delivery: Delivery, success: string): string {
  if (delivery.outcome === 'accepted') return success;
  return delivery.outcome === 'retry' ? delivery.reason : `rejected (${delivery.status}): ${delivery.message}`;
}

/**
 * One event of each kind the camera is set up for, marked by person_key "wink-self-test". They are sent
 * as a dry run (never stored); their ids are also fixed per camera and day, so even a backend that ignored
 * dry_run would store them once.
 */
export function selfTestEvents(camera: CameraConfig, now = new Date()): StoreEvent[] {
  const end = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const start = new Date(end.getTime() - 5000);
  const [ts, endTs] = [start.toISOString(), end.toISOString()];
  const day = endTs.slice(0, 10);
  const id = (type: string) => `selftest-${camera.camera_id}-${day}-${type}`;
  const person_key = 'wink-self-test';
  // A 5 s stay in the area named `self_test` of each polygon rule, as the rule itself reports it.
  const stays = POLYGON_RULE_LIST.map(([capability]) => visitEvent(capability, 'self_test', start.getTime(), end.getTime(), person_key));
  const events: StoreEvent[] = [
    { type: 'entrance', event_id: id('entrance'), ts, direction: 'in', person_key },
    ...stays.map((e): StoreEvent => ({ ...e, event_id: id(e.type) })),
  ];
  return events.filter((e) => camera.capabilities.includes(CAPABILITY_FOR_EVENT[e.type])).map((e) => storeEventSchema.parse(e));
}

/** Known cases first, then every configured polygon: inside stays inside after scaling to another frame size. */
export function geometryProblems(config: EdgeConfig): string[] {
  const problems: string[] = [];
  const square: Polygon = [
    [0, 0],
    [100, 0],
    [100, 100],
    [0, 100],
  ];
  const scaled = scalePolygon(square, [640, 480], [1280, 960]);
  if (
    JSON.stringify(scaled) !==
    JSON.stringify([
      [0, 0],
      [200, 0],
      [200, 200],
      [0, 200],
    ])
  )
    problems.push('scalePolygon gives wrong points');
  if (!pointInPolygon([50, 50], square) || pointInPolygon([150, 50], square)) problems.push('pointInPolygon gives wrong answers');

  const frame: Size = [1920, 1080];
  for (const camera of config.cameras) {
    const named: Array<[string, Polygon]> = POLYGON_KEYS.flatMap((key) =>
      Object.entries(camera[key] ?? {}).map(([n, p]): [string, Polygon] => [`${key}.${n}`, p]),
    );
    for (const [name, poly] of named) {
      const probe = vertexMean(poly);
      const inFrame = pointInPolygon(scalePolygon([probe], camera.screenshot_size, frame)[0], scalePolygon(poly, camera.screenshot_size, frame));
      if (pointInPolygon(probe, poly) !== inFrame) problems.push(`${camera.camera_id}.${name} changes shape when scaled`);
    }
  }
  return problems;
}

function vertexMean(poly: Polygon): Point {
  const n = poly.length;
  return [poly.reduce((s, p) => s + p[0], 0) / n, poly.reduce((s, p) => s + p[1], 0) / n];
}

/** An outbox aimed at a port nobody listens on must put its event on disk. Null when it does. */
async function offlineBufferingProblem(): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), 'wink-selftest-'));
  const quiet = Logger.create({ level: 'error', sink: () => {} });
  try {
    const outbox = await EventOutbox.open({
      apiBase: `http://127.0.0.1:${await closedPort()}`,
      apiKey: 'self-test',
      orgId: 'self-test',
      storeId: 'self-test',
      cameraId: 'self_test',
      dir: join(dir, 'self_test'),
      maxEvents: 1,
      maxWaitMs: 0,
      maxDiskBytes: 1024 * 1024,
      requestTimeoutMs: 2000,
      retryInitialMs: 60_000,
      log: quiet,
    });
    outbox.enqueue([{ type: 'entrance', ts: new Date().toISOString(), direction: 'in', person_key: 'wink-self-test' }]);
    const until = Date.now() + 5000;
    while (outbox.bufferedCount < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await outbox.flush(0);
    const files = (await readdir(join(dir, 'self_test'))).filter((f) => f.startsWith('buffer_'));
    return outbox.bufferedCount === 1 && files.length === 1 ? null : 'offline buffering: the event did not reach the disk buffer';
  } catch (err) {
    return `offline buffering: ${errorText(err)}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A loopback port that was free a moment ago: connecting to it is refused, like a backend that is down. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
