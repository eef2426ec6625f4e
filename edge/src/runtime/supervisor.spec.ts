import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { parseConfig, type EdgeConfig } from './config.ts';
import { FakeIngestBackend } from '../../test/fake-ingest-backend.ts';
import { Logger } from './log.ts';
import { siblingModule } from './pipeline.ts';
import { CameraSupervisor, type SupervisorOptions } from './supervisor.ts';
import type { SyntheticOptions } from './synthetic-pipeline.ts';

async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function storeConfig(apiBase: string, cameraIds: string[]): EdgeConfig {
  return parseConfig(
    dump({
      api_base: apiBase,
      api_key: 'shared-key',
      org_id: 'org_demo',
      store_id: 'store_demo_001',
      batch: { max_events: 20, max_wait_ms: 20 },
      buffer: { dir: mkdtempSync(join(tmpdir(), 'wink-supervisor-')) },
      cameras: cameraIds.map((id) => ({
        camera_id: id,
        rtsp: `replay/${id}.mp4`,
        capabilities: ['queue'],
        screenshot_size: [640, 480],
        queues: {
          till_1: [
            [0, 0],
            [100, 0],
            [100, 100],
          ],
        },
      })),
    }),
    {},
  );
}

/** The synthetic person keys a camera's events carry, as numbers: 0, 1, 2, … when none is lost. */
function sequence(backend: FakeIngestBackend, cameraId: string): number[] {
  return (backend.eventsByCamera.get(cameraId) ?? []).map((e) => Number(String(e.person_key).split('-').pop()));
}

describe('CameraSupervisor', () => {
  let backend: FakeIngestBackend;
  let supervisor: CameraSupervisor | null;
  let logLines: string[];

  beforeEach(async () => {
    backend = new FakeIngestBackend();
    await backend.start();
    logLines = [];
    supervisor = null;
  });

  afterEach(async () => {
    await supervisor?.stop();
    await backend.stop();
  });

  function startSupervisor(cameras: Record<string, SyntheticOptions>, overrides: Partial<SupervisorOptions> = {}): Promise<void> {
    supervisor = new CameraSupervisor({
      config: storeConfig(backend.url, Object.keys(cameras)),
      log: Logger.create({ level: 'debug', sink: (l) => logLines.push(l) }),
      pipelineModule: siblingModule('synthetic-pipeline', import.meta.url),
      pipelineOptions: (camera) => ({ status_interval_ms: 100, ...cameras[camera.camera_id] }) as Record<string, unknown>,
      stallMs: 1000,
      startupGraceMs: 10_000, // cold worker start-up under jest (transpiling in the worker) is slow on a busy machine
      restartInitialMs: 50,
      restartMaxMs: 200,
      heartbeats: false,
      ...overrides,
    });
    return supervisor.start();
  }

  const state = (id: string) => supervisor!.cameraStates().find((s) => s.camera_id === id)!;

  it('restarts a crashed camera without touching the others, and loses none of their events', async () => {
    await startSupervisor({ cam_crashy: { events_per_second: 20, crash_after_ms: 300 }, cam_steady: { events_per_second: 20 } });
    await waitFor('the steady camera to run', () => state('cam_steady').thread_id !== null);
    const steadyThread = state('cam_steady').thread_id;

    await waitFor('two restarts of the crashing camera', () => state('cam_crashy').restarts >= 2);
    expect(logLines.some((l) => l.includes('synthetic crash of cam_crashy'))).toBe(true);
    expect(logLines.some((l) => l.includes('camera worker exited; restarting') && l.includes('cam_crashy'))).toBe(true);

    const steadyBefore = sequence(backend, 'cam_steady').length;
    await waitFor('more events from the steady camera', () => sequence(backend, 'cam_steady').length > steadyBefore + 5);
    expect(state('cam_steady')).toMatchObject({ restarts: 0, state: 'running', thread_id: steadyThread });
    expect(state('cam_steady').status.stream_state).toBe('streaming');

    await supervisor!.stop();
    // Everything the steady camera emitted arrived, once, in order: 0, 1, 2, …
    const steady = sequence(backend, 'cam_steady');
    expect(steady).toEqual(steady.map((_, i) => i));
    // The crashing camera's workers each delivered what they emitted before dying.
    expect(sequence(backend, 'cam_crashy').length).toBeGreaterThan(0);
    expect(state('cam_steady').state).toBe('stopped');
  });

  it('restarts a stalled camera (no status within stallMs)', async () => {
    // stallMs applies to cam_ok too: well above how long a loaded main thread may lag behind its reports.
    await startSupervisor({ cam_stuck: { stall_after_ms: 200 }, cam_ok: {} }, { stallMs: 3000 });
    await waitFor('a restart of the stalled camera', () => state('cam_stuck').restarts >= 1, 45_000);
    expect(logLines.some((l) => l.includes('stalled') && l.includes('cam_stuck'))).toBe(true);
    expect(state('cam_ok').restarts).toBe(0);
  }, 90_000);

  it('does not restart a camera whose source ended normally', async () => {
    await startSupervisor({ cam_replay: { events_per_second: 50, end_after_events: 3 } });
    await waitFor('the end', () => state('cam_replay').state === 'ended');
    await waitFor('its events', () => sequence(backend, 'cam_replay').length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(state('cam_replay')).toMatchObject({ restarts: 0, state: 'ended', thread_id: null });
  });

  it('sends a heartbeat per camera with the outbox counters', async () => {
    await startSupervisor({ cam_a: { events_per_second: 10 } }, { heartbeats: true, heartbeatIntervalMs: 300 });
    const streaming = () => backend.heartbeats.find((h) => (h.status_data as { stream_state: string }).stream_state === 'streaming');
    await waitFor('a heartbeat from the running camera', () => streaming() !== undefined);
    expect(streaming()).toMatchObject({
      org_id: 'org_demo',
      store_id: 'store_demo_001',
      camera_id: 'cam_a',
      status_data: { stream_state: 'streaming', fps: 5, inference_ms: 12.5, dropped_events: 0, dead_letter_events: 0, version: '0.1.0' },
    });
    // Frame accounting per heartbeat window, against the camera's own target.
    expect(streaming()!.status_data).toMatchObject({ target_fps: 5, frames_analysed: expect.any(Number), frames_dropped: 0, interval_s: expect.any(Number) });
  });

  it('reports a camera whose source ended as `ended` in its heartbeats, and says when all have ended', async () => {
    let allEnded = false;
    await startSupervisor(
      { cam_replay: { events_per_second: 50, end_after_events: 2 } },
      {
        heartbeats: true,
        heartbeatIntervalMs: 200,
        onAllEnded: () => {
          allEnded = true;
        },
      },
    );
    await waitFor('an ended heartbeat', () => backend.heartbeats.some((h) => (h.status_data as { stream_state: string }).stream_state === 'ended'));
    expect(allEnded).toBe(true);
  });

  it('stop() ends every worker and flushes the outboxes within a few seconds', async () => {
    await startSupervisor({ cam_a: { events_per_second: 50 }, cam_b: { events_per_second: 50 } });
    await waitFor('events from both', () => sequence(backend, 'cam_a').length > 5 && sequence(backend, 'cam_b').length > 5);
    const started = Date.now();
    await supervisor!.stop();
    // By design up to 2 s grace + 3 s flush; the bound leaves room for a loaded machine but catches a hang.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(supervisor!.cameraStates().map((s) => [s.state, s.thread_id])).toEqual([
      ['stopped', null],
      ['stopped', null],
    ]);
    for (const id of ['cam_a', 'cam_b']) expect(supervisor!.outbox(id)!.counters).toMatchObject({ pendingCount: 0, bufferedCount: 0 });
  }, 60_000);
});
