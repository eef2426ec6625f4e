import { FakeIngestBackend } from './fake-ingest-backend.ts';
import { buildHeartbeat, sendHeartbeat } from './heartbeat.ts';
import { IngestApi } from './ingest-api.ts';
import { Logger } from './log.ts';

const scope = { org_id: 'org_demo', store_id: 'store_demo_001', camera_id: 'cam_checkout_01' };
const camera = { fps: 4.9876, inference_ms: 53.21, stream_state: 'streaming' as const, queue_lengths: { till_1: 3, till_2: 0 } };
const counters = { sentCount: 120, bufferedCount: 7, pendingCount: 2, droppedCount: 1, deadLetterCount: 4 };

it('buildHeartbeat reports the camera and outbox state', () => {
  const hb = buildHeartbeat(scope, camera, counters, 3600.7, new Date('2024-01-15T10:30:00Z'));
  expect(hb).toEqual({
    ...scope,
    device_ts: '2024-01-15T10:30:00.000Z',
    status_data: {
      fps: 4.99,
      inference_ms: 53.2,
      stream_state: 'streaming',
      buffered_events: 9, // on disk + waiting for their batch
      dropped_events: 1,
      dead_letter_events: 4,
      queue_lengths: { till_1: 3, till_2: 0 },
      uptime_s: 3600,
      version: '0.1.0',
    },
  });
});

describe('sendHeartbeat', () => {
  let backend: FakeIngestBackend;
  let lines: string[];
  const log = () => Logger.create({ sink: (l) => lines.push(l) });
  beforeEach(async () => {
    backend = new FakeIngestBackend();
    await backend.start();
    lines = [];
  });
  afterEach(() => backend.stop());

  it('POSTs to /api/ingest/heartbeat and reports success', async () => {
    const hb = buildHeartbeat(scope, camera, counters, 10);
    expect(await sendHeartbeat(new IngestApi(backend.url, 2000), hb, 'checkout-key', log())).toBe(true);
    expect(backend.heartbeats).toEqual([hb]);
    expect(lines).toEqual([]);
  });

  it('logs and returns false, never throws, when the backend is down or refuses', async () => {
    const hb = buildHeartbeat(scope, camera, counters, 10);
    expect(await sendHeartbeat(new IngestApi('http://127.0.0.1:9', 2000), hb, 'k', log())).toBe(false);
    backend.mode = { status: 503 };
    expect(await sendHeartbeat(new IngestApi(backend.url, 2000), hb, 'k', log())).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.includes('"level":"warn"') && l.includes('heartbeat not accepted') && l.includes('cam_checkout_01'))).toBe(true);
  });
});
