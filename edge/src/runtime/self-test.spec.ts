import { dump } from 'js-yaml';
import { parseConfig, type EdgeConfig } from './config.ts';
import { FakeIngestBackend } from '../../test/fake-ingest-backend.ts';
import { geometryProblems, runSelfTest, selfTestEvents } from './self-test.ts';

function storeConfig(apiBase: string): EdgeConfig {
  return parseConfig(
    dump({
      api_base: apiBase,
      org_id: 'org_demo',
      store_id: 'store_demo_001',
      cameras: [
        {
          camera_id: 'cam_zone_01',
          api_key: 'zone-key',
          rtsp: 'rtsp://admin:pw@10.0.0.6/s',
          capabilities: ['zones', 'shelves'],
          screenshot_size: [1280, 720],
          zones: {
            electronics: [
              [0, 200],
              [640, 200],
              [640, 720],
              [0, 720],
            ],
          },
          shelves: {
            tv_wall: [
              [40, 220],
              [380, 220],
              [380, 420],
              [40, 420],
            ],
          },
        },
        {
          camera_id: 'cam_checkout_01',
          api_key: 'checkout-key',
          rtsp: 'rtsp://10.0.0.7/s',
          capabilities: ['queue'],
          screenshot_size: [1920, 1080],
          queues: {
            till_1: [
              [200, 300],
              [800, 300],
              [800, 1080],
            ],
          },
        },
      ],
    }),
    {},
  );
}

describe('runSelfTest', () => {
  let backend: FakeIngestBackend;
  beforeEach(async () => {
    backend = new FakeIngestBackend();
    await backend.start();
  });
  afterEach(() => backend.stop());

  it('passes every check against a backend that accepts', async () => {
    const lines: string[] = [];
    expect(await runSelfTest(storeConfig(backend.url), (l) => lines.push(l))).toBe(true);
    expect(lines).toEqual([
      `✅ config valid: API ${backend.url}, store store_demo_001, 2 camera(s)`,
      '✅ polygon scaling and point-in-polygon correct',
      '✅ offline buffering: a simulated outage put the event on disk',
      '✅ API connectivity cam_zone_01: heartbeat accepted',
      '✅ event ingestion cam_zone_01: 2 test events (zone, shelf) accepted as a dry run, nothing stored',
      '✅ API connectivity cam_checkout_01: heartbeat accepted',
      '✅ event ingestion cam_checkout_01: 1 test events (queue) accepted as a dry run, nothing stored',
    ]);
    expect(backend.heartbeats.map((h) => h.camera_id)).toEqual(['cam_zone_01', 'cam_checkout_01']);
    expect(backend.heartbeatDryRuns).toEqual([true, true]);
    expect(backend.requests.map((r) => [r.authorization, r.dryRun])).toEqual([
      ['Bearer zone-key', true],
      ['Bearer checkout-key', true],
    ]);
    // Only the kinds each camera is set up for: the backend refuses the others (403).
    expect(backend.eventsByCamera.get('cam_zone_01')!.map((e) => e.type)).toEqual(['zone', 'shelf']);
    expect(backend.eventsByCamera.get('cam_checkout_01')!.map((e) => e.type)).toEqual(['queue']);
  });

  it('fails, naming the camera and the reason, when the backend refuses the key', async () => {
    backend.mode = { status: 401, body: { message: 'authorization: unknown or revoked edge key' } };
    const lines: string[] = [];
    expect(await runSelfTest(storeConfig(backend.url), (l) => lines.push(l))).toBe(false);
    expect(lines).toContain(
      "❌ event ingestion cam_zone_01: backend refused this camera's api_key (401): authorization: unknown or revoked edge key; fix api_key in the config",
    );
  });

  it('fails when the backend is unreachable', async () => {
    const config = storeConfig('http://127.0.0.1:9'); // the discard port: nothing listens on loopback
    const lines: string[] = [];
    expect(await runSelfTest(config, (l) => lines.push(l))).toBe(false);
    expect(lines.find((l) => l.includes('API connectivity cam_zone_01'))).toMatch(/^❌ API connectivity cam_zone_01: backend unreachable: /);
  });
});

it('self-test events are valid, one of each kind the camera is set up for, with ids stable within a day', () => {
  const cam = { ...storeConfig('http://x').cameras[0], capabilities: ['entrance', 'zones', 'shelves', 'queue'] as const };
  const a = selfTestEvents(cam, new Date('2024-01-15T10:00:00Z'));
  const b = selfTestEvents(cam, new Date('2024-01-15T18:00:00Z'));
  expect(a.map((e) => e.type)).toEqual(['entrance', 'zone', 'shelf', 'queue']);
  expect(a.map((e) => e.event_id)).toEqual(b.map((e) => e.event_id));
});

it('geometry check passes for configured polygons', () => {
  expect(geometryProblems(storeConfig('http://x'))).toEqual([]);
});
