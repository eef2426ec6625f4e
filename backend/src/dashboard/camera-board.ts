// The cached camera list of a store (Redis hash, see live-keys.ts) turned into the dashboard view.
import { readStatusData } from '../../../shared/src/events.ts';
import type { CameraStatusView, HeartbeatStatusData, QueueLengthReading } from '../../../shared/src/read-contract.ts';

// The response shapes are declared once, in the read contract shared with the web dashboard.
export type { CameraState, CameraStatusView, QueueLengthReading } from '../../../shared/src/read-contract.ts';

/** Queue lengths from each camera's latest heartbeat (queue_lengths); the newest reading wins if two cameras watch one queue. */
export function queueLengths(cameras: readonly CameraStatusView[], nowMs: number): QueueLengthReading[] {
  const byQueue = new Map<string, QueueLengthReading>();
  for (const c of cameras) {
    if (!c.last_heartbeat || !c.status_data) continue;
    const lengths = readStatusData(c.status_data).queue_lengths ?? {};
    const atMs = Date.parse(c.last_heartbeat);
    for (const [queueId, length] of Object.entries(lengths)) {
      const prev = byQueue.get(queueId);
      if (prev && Date.parse(prev.read_at) >= atMs) continue;
      byQueue.set(queueId, {
        queue_id: queueId,
        length,
        camera_id: c.camera_id,
        read_at: c.last_heartbeat,
        age_seconds: Math.max(0, Math.round((nowMs - atMs) / 100) / 10),
      });
    }
  }
  return [...byQueue.values()].sort((a, b) => (a.queue_id < b.queue_id ? -1 : a.queue_id > b.queue_id ? 1 : 0));
}

export function heartbeatField(receivedMs: number, statusData: Record<string, unknown>): string {
  return `${receivedMs}|${JSON.stringify(statusData)}`;
}

/** Online means a heartbeat (server receipt time: edge clocks drift) within the last `onlineSeconds`. */
export function cameraStatuses(board: Record<string, string>, nowMs: number, onlineSeconds: number): CameraStatusView[] {
  const out: CameraStatusView[] = [];
  for (const [field, value] of Object.entries(board)) {
    if (!field.startsWith('cam:')) continue;
    const cameraId = field.slice(4);
    const cam = JSON.parse(value) as { name: string; capabilities: string[] };
    const hb = board[`hb:${cameraId}`];
    const bar = hb ? hb.indexOf('|') : -1;
    const receivedMs = bar > 0 ? Number(hb.slice(0, bar)) : null;
    const statusData = bar > 0 ? (JSON.parse(hb.slice(bar + 1)) as Record<string, unknown>) : null;
    const streamState = statusData ? (readStatusData(statusData).stream_state ?? null) : null;
    const heard = receivedMs !== null && nowMs - receivedMs <= onlineSeconds * 1000;
    out.push({
      camera_id: cameraId,
      name: cam.name,
      capabilities: cam.capabilities,
      status: !heard ? 'offline' : streamState === null || streamState === 'streaming' ? 'online' : 'not_analysing',
      stream_state: streamState,
      last_heartbeat: receivedMs !== null ? new Date(receivedMs).toISOString() : null,
      status_data: statusData,
    });
  }
  return out.sort((a, b) => (a.camera_id < b.camera_id ? -1 : a.camera_id > b.camera_id ? 1 : 0));
}
