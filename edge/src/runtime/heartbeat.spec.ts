import { FakeIngestBackend } from '../../test/fake-ingest-backend.ts';
import { knownStatusDataSchema, readStatusData } from '../../../shared/src/events.ts';
import { buildHeartbeat, FrameAccounting, sendHeartbeat } from './heartbeat.ts';
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

it('buildHeartbeat reports frames analysed and dropped since the last heartbeat, and the fps achieved against the target', () => {
  const frames = { target_fps: 5, frames_analysed: 120, frames_dropped: 30, frames_skipped_motion: 80, interval_s: 30.04 };
  const hb = buildHeartbeat(scope, { ...camera, stream_state: 'reconnecting' }, counters, 60, new Date('2024-01-15T10:30:00Z'), frames);
  expect(hb.status_data).toMatchObject({
    stream_state: 'reconnecting',
    target_fps: 5,
    fps_achieved: 3.99,
    frames_analysed: 120,
    frames_dropped: 30,
    frames_skipped_motion: 80,
    interval_s: 30,
  });
  // The fields are the ones declared once in shared/ (what backend and dashboard read).
  expect(knownStatusDataSchema.safeParse(hb.status_data).success).toBe(true);
  expect(readStatusData(hb.status_data)).toEqual(hb.status_data);
});

it.each(['ended', 'stalled', 'reconnecting'] as const)('buildHeartbeat passes stream_state %s through', (state) => {
  expect(buildHeartbeat(scope, { ...camera, stream_state: state }, counters, 1).status_data.stream_state).toBe(state);
});

describe('FrameAccounting', () => {
  it('counts per heartbeat window, across a worker restart (its counters start again at 0)', () => {
    const acc = new FrameAccounting(5, 0);
    acc.observe({ frames_analysed: 100, frames_dropped: 4, frames_skipped_motion: 60 });
    acc.observe({ frames_analysed: 150, frames_dropped: 10, frames_skipped_motion: 90 });
    expect(acc.window(30_000)).toEqual({ target_fps: 5, frames_analysed: 150, frames_dropped: 10, frames_skipped_motion: 90, interval_s: 30 });
    acc.observe({ frames_analysed: 170, frames_dropped: 10, frames_skipped_motion: 100 });
    acc.workerStarted();
    acc.observe({ frames_analysed: 25, frames_dropped: 1, frames_skipped_motion: 5 });
    expect(acc.window(60_000)).toEqual({ target_fps: 5, frames_analysed: 45, frames_dropped: 1, frames_skipped_motion: 15, interval_s: 30 });
    // Nothing analysed (a hung or ended stream): 0, not the previous window again.
    expect(acc.window(90_000)).toEqual({ target_fps: 5, frames_analysed: 0, frames_dropped: 0, frames_skipped_motion: 0, interval_s: 30 });
  });

  it('a status without counters (an older pipeline) changes nothing', () => {
    const acc = new FrameAccounting(2, 0);
    acc.observe({});
    expect(acc.window(10_000).frames_analysed).toBe(0);
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
