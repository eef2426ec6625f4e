// Per-camera heartbeat: what the backend's "system health" page shows for this camera. A heartbeat is
// live status, not data: when the backend is unreachable it is logged and dropped, never buffered.
import type { Heartbeat, KnownStatusData } from '../../../shared/src/events.ts';
import type { IngestApi } from './ingest-api.ts';
import type { Logger } from './log.ts';
import type { OutboxCounters } from './outbox.ts';
import type { CameraStatus } from './pipeline.ts';
import { EDGE_VERSION } from './version.ts';

export interface HeartbeatScope {
  org_id: string;
  store_id: string;
  camera_id: string;
}

/** The fields declared once in shared/ (knownStatusDataSchema), the ones every heartbeat of this edge carries made required. */
export type HeartbeatStatusData = KnownStatusData &
  Required<
    Pick<
      KnownStatusData,
      'fps' | 'inference_ms' | 'stream_state' | 'buffered_events' | 'dropped_events' | 'dead_letter_events' | 'queue_lengths' | 'uptime_s' | 'version'
    >
  >;

/** Frame accounting of one camera since its previous heartbeat (see FrameAccounting). */
export interface FrameWindow {
  target_fps: number;
  frames_analysed: number;
  frames_dropped: number;
  frames_skipped_motion: number;
  interval_s: number;
}

export function buildHeartbeat(
  scope: HeartbeatScope,
  camera: CameraStatus,
  outbox: OutboxCounters,
  uptimeS: number,
  now = new Date(),
  frames?: FrameWindow,
): Heartbeat {
  const status_data: HeartbeatStatusData = {
    fps: round(camera.fps, 2),
    ...(frames
      ? {
          fps_achieved: frames.interval_s > 0 ? round(frames.frames_analysed / frames.interval_s, 2) : 0,
          target_fps: frames.target_fps,
          frames_analysed: frames.frames_analysed,
          frames_dropped: frames.frames_dropped,
          frames_skipped_motion: frames.frames_skipped_motion,
          interval_s: round(frames.interval_s, 1),
        }
      : {}),
    inference_ms: round(camera.inference_ms, 1),
    stream_state: camera.stream_state,
    buffered_events: outbox.bufferedCount + outbox.pendingCount,
    dropped_events: outbox.droppedCount,
    dead_letter_events: outbox.deadLetterCount,
    queue_lengths: { ...camera.queue_lengths },
    uptime_s: Math.floor(uptimeS),
    version: EDGE_VERSION,
  };
  return { ...scope, device_ts: now.toISOString(), status_data };
}

/** POSTs one heartbeat. Never throws: a failure is logged and reported as false. */
export async function sendHeartbeat(api: IngestApi, heartbeat: Heartbeat, apiKey: string, log: Logger, signal?: AbortSignal): Promise<boolean> {
  try {
    const delivery = await api.postHeartbeat(heartbeat, apiKey, signal);
    if (delivery.outcome === 'accepted') return true;
    log.warn('heartbeat not accepted', {
      camera_id: heartbeat.camera_id,
      reason: delivery.outcome === 'retry' ? delivery.reason : `${delivery.status}: ${delivery.message}`,
    });
  } catch (err) {
    log.warn('heartbeat failed', { camera_id: heartbeat.camera_id, error: String(err) });
  }
  return false;
}

/**
 * Turns a camera's per-worker frame counters (reset when its worker restarts) into counts since the previous
 * heartbeat. A counter that went down belongs to a new worker: everything it counted is new.
 */
type FrameCounter = 'analysed' | 'dropped' | 'skipped_motion';
const NO_FRAMES: Record<FrameCounter, number> = { analysed: 0, dropped: 0, skipped_motion: 0 };

export class FrameAccounting {
  private seen = { ...NO_FRAMES };
  private total = { ...NO_FRAMES };
  private reported = { ...NO_FRAMES };
  private reportedAtMs: number;

  constructor(
    private readonly targetFps: number,
    nowMs = Date.now(),
  ) {
    this.reportedAtMs = nowMs;
  }

  /** A status from the camera's current worker. */
  observe(status: Pick<CameraStatus, 'frames_analysed' | 'frames_dropped' | 'frames_skipped_motion'>): void {
    const add = (key: FrameCounter, value: number | undefined) => {
      if (value === undefined) return;
      this.total[key] += value >= this.seen[key] ? value - this.seen[key] : value;
      this.seen[key] = value;
    };
    add('analysed', status.frames_analysed);
    add('dropped', status.frames_dropped);
    add('skipped_motion', status.frames_skipped_motion);
  }

  /** A new worker starts counting from 0. */
  workerStarted(): void {
    this.seen = { ...NO_FRAMES };
  }

  /** The counts since the previous call (the previous heartbeat), and the seconds they cover. */
  window(nowMs = Date.now()): FrameWindow {
    const w: FrameWindow = {
      target_fps: this.targetFps,
      frames_analysed: this.total.analysed - this.reported.analysed,
      frames_dropped: this.total.dropped - this.reported.dropped,
      frames_skipped_motion: this.total.skipped_motion - this.reported.skipped_motion,
      interval_s: Math.max(0, (nowMs - this.reportedAtMs) / 1000),
    };
    this.reported = { ...this.total };
    this.reportedAtMs = nowMs;
    return w;
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Number.isFinite(n) ? Math.round(n * f) / f : 0;
}
