// A stand-in pipeline that emits made-up entrance events and status, with no camera or model. Used by
// the supervisor tests (crash, stall and end on demand) and by `wink-edge run --pipeline synthetic`
// to check an installation's path to the backend end to end.
import type { StoreEvent } from '../../../shared/src/events.ts';
import { visitEvent } from '../rules/polygon-rules.ts';
import type { Capability } from './config.ts';
import type { CameraPipeline, Emit, PipelineContext } from './pipeline.ts';

export interface SyntheticOptions {
  events_per_second?: number;
  status_interval_ms?: number;
  /** Throw this long after start (tests a crash). */
  crash_after_ms?: number;
  /** Stop emitting anything this long after start, without ending (tests the stall watchdog). */
  stall_after_ms?: number;
  /** End normally after this many events (like a replayed file running out). */
  end_after_events?: number;
}

export function createPipeline(context: PipelineContext): CameraPipeline {
  return new SyntheticPipeline(context.camera.camera_id, context.camera.capabilities, context.options as SyntheticOptions);
}

class SyntheticPipeline implements CameraPipeline {
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly cameraId: string,
    private readonly capabilities: readonly Capability[],
    private readonly options: SyntheticOptions,
  ) {}

  async start(emit: Emit): Promise<void> {
    const startedAt = Date.now();
    // events_per_second 0: status only (e.g. an edge that should just replay its disk backlog).
    const eventEveryMs = (this.options.events_per_second ?? 5) > 0 ? 1000 / (this.options.events_per_second ?? 5) : Infinity;
    const statusEveryMs = this.options.status_interval_ms ?? 1000;
    let seq = 0;
    let nextEventAt = startedAt;
    let nextStatusAt = startedAt;
    emit({ type: 'status', status: { fps: 0, inference_ms: 0, stream_state: 'starting', queue_lengths: {} } });

    while (!this.stopped) {
      const now = Date.now();
      const age = now - startedAt;
      if (this.options.crash_after_ms !== undefined && age >= this.options.crash_after_ms) {
        throw new Error(`synthetic crash of ${this.cameraId} after ${age} ms`);
      }
      const stalled = this.options.stall_after_ms !== undefined && age >= this.options.stall_after_ms;
      if (!stalled && eventEveryMs !== Infinity && now >= nextEventAt) {
        nextEventAt += eventEveryMs;
        emit({ type: 'events', events: [syntheticEvent(this.capabilities[0] ?? 'entrance', now, seq, `${this.cameraId}-${seq}`)] });
        seq++;
        if (this.options.end_after_events !== undefined && seq >= this.options.end_after_events) return;
      }
      if (!stalled && now >= nextStatusAt) {
        nextStatusAt += statusEveryMs;
        // As if 5 frames a second were analysed since the start (frame accounting in heartbeats).
        emit({
          type: 'status',
          status: { fps: 5, inference_ms: 12.5, stream_state: 'streaming', queue_lengths: {}, frames_analysed: Math.floor(age / 200), frames_dropped: 0 },
        });
      }
      await this.sleep(stalled ? 50 : Math.max(1, Math.min(nextEventAt, nextStatusAt) - Date.now()));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** A made-up event of the kind the camera's first capability produces (the backend refuses other kinds). */
export function syntheticEvent(capability: Capability, nowMs: number, seq: number, person_key: string): StoreEvent {
  if (capability === 'entrance') return { type: 'entrance', ts: new Date(nowMs).toISOString(), direction: seq % 2 ? 'out' : 'in', person_key };
  // A 5 s stay in the area named `synthetic`, as the capability's own rule reports it.
  return visitEvent(capability, 'synthetic', nowMs - 5000, nowMs, person_key);
}
