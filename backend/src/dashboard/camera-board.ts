// The cached camera list of a store (Redis hash, see live-keys.ts) turned into the dashboard view.

export interface CameraStatusView {
  camera_id: string;
  name: string;
  capabilities: string[];
  status: 'online' | 'offline';
  last_heartbeat: string | null;
  status_data: Record<string, unknown> | null;
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
    out.push({
      camera_id: cameraId,
      name: cam.name,
      capabilities: cam.capabilities,
      status: receivedMs !== null && nowMs - receivedMs <= onlineSeconds * 1000 ? 'online' : 'offline',
      last_heartbeat: receivedMs !== null ? new Date(receivedMs).toISOString() : null,
      status_data: bar > 0 ? (JSON.parse(hb.slice(bar + 1)) as Record<string, unknown>) : null,
    });
  }
  return out.sort((a, b) => (a.camera_id < b.camera_id ? -1 : a.camera_id > b.camera_id ? 1 : 0));
}
