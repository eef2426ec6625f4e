// The whole product path on real video: an RTSP server on loopback serves a real clip, the edge (under
// Deno, vision pipeline, real ONNX model) analyses it and sends events and heartbeats to the real backend.
// Midway the camera's server dies and comes back: the edge reopens the stream and keeps counting.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { provisionCamera, startTestApp, type TestApp } from '../../backend/test/test-app.ts';
import { missingRtspServerPackages, startRtspServer, type RtspTestServer } from './rtsp-server.ts';
import { missingSharedFile, sharedFile } from './shared-material.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = join(root, 'node_modules', '.bin', 'deno');
const MODEL = 'models/yolov8n_int8.onnx';
const CLIP = 'video/train_door_example_02.mp4';

const missing = missingSharedFile([MODEL, CLIP])
  ? `../shared/${missingSharedFile([MODEL, CLIP])} not found`
  : missingRtspServerPackages()
    ? `missing Debian packages for the RTSP test server: ${missingRtspServerPackages()}`
    : !existsSync(deno)
      ? 'deno is not installed (npm ci)'
      : null;
if (missing) console.warn(`RTSP end-to-end test skipped: ${missing}`);
const describeRtsp = missing ? describe.skip : describe;

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeRtsp('edge on a real RTSP stream → real backend', () => {
  let t: TestApp;
  let rtsp: RtspTestServer;
  beforeAll(async () => {
    t = await startTestApp();
    rtsp = await startRtspServer(sharedFile(CLIP));
  });
  afterAll(async () => {
    await rtsp?.stop();
    await t?.close();
  });

  it('counts from the stream, survives the camera dropping, and reports it in heartbeats', async () => {
    const cam = await provisionCamera(t, { storeId: 'store_rtsp_001', cameraId: 'cam_door', capabilities: ['zones'] });
    const dir = mkdtempSync(join(tmpdir(), 'wink-rtsp-e2e-'));
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `api_base: ${t.baseUrl}
api_key: ${cam.apiKey}
org_id: ${cam.orgId}
store_id: ${cam.storeId}
target_fps: 5
heartbeat_interval_s: 5
detector: { model: ${sharedFile(MODEL)}, threads_per_camera: 1 }
batch: { max_events: 50, max_wait_ms: 200 }
buffer: { dir: ${join(dir, 'buffers')} }
cameras:
  - camera_id: cam_door
    rtsp: ${rtsp.url}
    capabilities: [zones]
    screenshot_size: [704, 576]
    zones: { platform: [[0, 0], [704, 0], [704, 576], [0, 576]] }
`,
    );
    const db = t.app.get(DataSource);
    const heartbeats = async () =>
      (await db.query(`SELECT received_at, status_data FROM camera_heartbeats WHERE store_id = $1 ORDER BY id`, [cam.storeId])) as {
        received_at: Date;
        status_data: Record<string, any>;
      }[];

    const edge = spawn(deno, ['run', '--allow-all', join(root, 'edge/src/main.ts'), 'run', configPath], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    edge.stdout.on('data', (d) => (output += d));
    edge.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => edge.on('exit', (code) => resolve(code)));
    try {
      await waitFor('a heartbeat from a streaming camera', async () =>
        (await heartbeats()).find((h) => h.status_data.stream_state === 'streaming' && h.status_data.fps > 0),
      );
      await rtsp.kill();
      const droppedAt = Date.now();
      await waitFor('a heartbeat saying the stream is reconnecting', async () =>
        (await heartbeats()).find((h) => h.received_at.getTime() > droppedAt && h.status_data.stream_state === 'reconnecting'),
      );
      await rtsp.restart();
      const restartedAt = Date.now();
      await waitFor('frames analysed again after the camera came back', async () =>
        (await heartbeats()).find((h) => h.received_at.getTime() > restartedAt + 1000 && h.status_data.stream_state === 'streaming' && h.status_data.fps > 0),
      );
      // The camera keeps counting: visits that began after the reconnect reach the backend.
      await waitFor(
        'zone visits from after the reconnect',
        async () =>
          Number((await db.query(`SELECT count(*) FROM zone_events WHERE store_id = $1 AND enter_ts > $2`, [cam.storeId, new Date(restartedAt)]))[0].count) > 0,
        60_000,
      );
    } finally {
      edge.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // Visits still open at shutdown are closed and sent, so the last minutes are not lost.
    const zones: { enter_ts: Date; exit_ts: Date; dwell_seconds: number }[] = await db.query(
      `SELECT enter_ts, exit_ts, dwell_seconds FROM zone_events WHERE store_id = $1`,
      [cam.storeId],
    );
    console.log(`RTSP e2e: ${zones.length} zone visits; heartbeats: ${(await heartbeats()).map((h) => h.status_data.stream_state).join(',')}`);
    expect(zones.length).toBeGreaterThan(0);
    for (const z of zones) expect(z.exit_ts.getTime()).toBeGreaterThanOrEqual(z.enter_ts.getTime());
    expect(output).toContain('cam_door');
  }, 180_000);
});
