// Per-camera heartbeat: what the backend's "system health" page shows for this camera. A heartbeat is
// live status, not data: when the backend is unreachable it is logged and dropped, never buffered.
import type { Heartbeat } from '../../../shared/src/events.ts';
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

export interface HeartbeatStatusData {
  fps: number;
  inference_ms: number;
  stream_state: CameraStatus['stream_state'];
  buffered_events: number;
  dropped_events: number;
  dead_letter_events: number;
  queue_lengths: Record<string, number>;
  uptime_s: number;
  version: string;
  [key: string]: unknown;
}

export function buildHeartbeat(scope: HeartbeatScope, camera: CameraStatus, outbox: OutboxCounters, uptimeS: number, now = new Date()): Heartbeat {
  const status_data: HeartbeatStatusData = {
    fps: round(camera.fps, 2),
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

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Number.isFinite(n) ? Math.round(n * f) / f : 0;
}
