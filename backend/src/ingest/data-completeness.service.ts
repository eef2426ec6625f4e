import { Injectable } from '@nestjs/common';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { coveredShares, MAX_HEARTBEAT_GAP_S, mergedIntervals, storeCompleteness, type HeartbeatSample, type TimeBucket } from './data-completeness.ts';
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
 * camera for its first heartbeat; the UTC days before the store's compaction point from their compacted figures
 * (camera_coverage_days, 96 numbers a day) instead. Exported for the dashboard (history) and analytics (reports).
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
    const to = new Date(Math.min(buckets[buckets.length - 1].endMs, nowMs) + MAX_HEARTBEAT_GAP_S * 1000);
    const compacted = await this.totals.compactedCoverage(storeId, new Date(buckets[0].startMs), to);
    // Heartbeats from the compaction point on (the days before it are compacted), and from 90 s before it.
    const from = new Date(Math.max(buckets[0].startMs, compacted.untilMs ?? 0) - MAX_HEARTBEAT_GAP_S * 1000);
    const [samples, first] = await Promise.all([
      from < to ? this.totals.heartbeatSamples(storeId, from, to) : Promise.resolve([]),
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
      shares: coveredShares(
        mergedIntervals(compacted.days.get(c.camera_id) ?? [], compacted.untilMs ?? Number.NEGATIVE_INFINITY, byCamera.get(c.camera_id) ?? []),
        buckets,
        { nowMs, firstHeartbeatMs: first.get(c.camera_id) ?? null },
      ),
    }));
    return { cameras: perCamera, store: storeCompleteness(perCamera, buckets.length) };
  }
}
