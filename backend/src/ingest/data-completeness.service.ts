import { Injectable } from '@nestjs/common';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { completeness, MAX_HEARTBEAT_GAP_S, storeCompleteness, type HeartbeatSample, type TimeBucket } from './data-completeness.ts';
import { StoreTotalsReader } from './store-totals.reader.ts';

export interface CameraCompleteness {
  camera_id: string;
  capabilities: string[];
  shares: (number | null)[];
}
export interface StoreCompleteness {
  cameras: CameraCompleteness[];
  store: (number | null)[];
}

/**
 * Share of each bucket that a store's cameras really analysed (definition in data-completeness.ts), computed on
 * read from camera_heartbeats: one range scan of the (store, camera, received_at) index plus one index probe per
 * camera for its first heartbeat. Exported for the dashboard (history) and analytics (reports).
 */
@Injectable()
export class DataCompleteness {
  constructor(
    private readonly totals: StoreTotalsReader,
    private readonly directory: StoreDirectory,
  ) {}

  /** `buckets` sorted by start, not overlapping. */
  async forBuckets(storeId: string, buckets: readonly TimeBucket[], nowMs = Date.now()): Promise<StoreCompleteness> {
    const cameras = await this.directory.listCameras(storeId);
    if (!buckets.length || !cameras.length)
      return {
        cameras: cameras.map((c) => ({ camera_id: c.camera_id, capabilities: [...c.capabilities], shares: buckets.map(() => null) })),
        store: buckets.map(() => null),
      };
    const from = new Date(buckets[0].startMs - MAX_HEARTBEAT_GAP_S * 1000);
    const to = new Date(Math.min(buckets[buckets.length - 1].endMs, nowMs) + MAX_HEARTBEAT_GAP_S * 1000);
    const [samples, first] = await Promise.all([
      this.totals.heartbeatSamples(storeId, from, to),
      this.totals.firstHeartbeats(
        storeId,
        cameras.map((c) => c.camera_id),
      ),
    ]);
    const byCamera = new Map<string, HeartbeatSample[]>();
    for (const s of samples) {
      let list = byCamera.get(s.cameraId);
      if (!list) byCamera.set(s.cameraId, (list = []));
      list.push(s);
    }
    const perCamera = cameras.map((c) => ({
      camera_id: c.camera_id,
      capabilities: [...c.capabilities],
      shares: completeness(byCamera.get(c.camera_id) ?? [], buckets, { nowMs, firstHeartbeatMs: first.get(c.camera_id) ?? null }),
    }));
    return { cameras: perCamera, store: storeCompleteness(perCamera, buckets.length) };
  }
}
