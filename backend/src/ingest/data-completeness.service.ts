import { Injectable } from '@nestjs/common';
import { type CameraView, StoreDirectory } from '../admin/store-directory.service.ts';
import {
  type CoverageDay,
  coveredShares,
  MAX_HEARTBEAT_GAP_S,
  mergedIntervals,
  samplesByCamera,
  storeCompleteness,
  type TimeBucket,
} from './data-completeness.ts';
import { type CameraHeartbeatSample, StoreTotalsReader } from './store-totals.reader.ts';

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
    if (!buckets.length || !cameras.length) return storeCoverage(cameras, buckets, nowMs, {});
    const to = new Date(readEnd(buckets, nowMs));
    const compacted = await this.totals.compactedCoverage(storeId, new Date(buckets[0].startMs), to);
    const from = new Date(heartbeatsFrom(buckets, compacted.untilMs));
    const [samples, first] = await Promise.all([
      from < to ? this.totals.heartbeatSamples(storeId, from, to) : Promise.resolve([]),
      this.totals.firstHeartbeats(
        storeId,
        cameras.map((c) => c.camera_id),
      ),
    ]);
    return storeCoverage(cameras, buckets, nowMs, { untilMs: compacted.untilMs, days: compacted.days, samples, first });
  }

  /**
   * {@link forBuckets} for many stores at once, each with its own buckets (a report over an organisation): the same
   * figures from five statements in all, whatever the number of stores. → store id → its completeness.
   */
  async forStores(buckets: ReadonlyMap<string, readonly TimeBucket[]>, nowMs = Date.now()): Promise<Map<string, StoreCompleteness>> {
    const storeIds = [...buckets.keys()];
    if (!storeIds.length) return new Map();
    const [cameras, compactedUntil] = await Promise.all([this.directory.listCameras(storeIds), this.totals.compactedUntilOf(storeIds)]);
    const camerasOf = new Map<string, CameraView[]>(storeIds.map((id) => [id, []]));
    for (const c of cameras) camerasOf.get(c.store_id)?.push(c);
    // Only the stores with buckets and cameras read anything, each over its own span, as forBuckets does.
    const read = storeIds
      .filter((id) => buckets.get(id)!.length && camerasOf.get(id)!.length)
      .map((storeId) => {
        const b = buckets.get(storeId)!;
        const untilMs = compactedUntil.get(storeId) ?? null;
        return { storeId, fromMs: b[0].startMs, toMs: readEnd(b, nowMs), untilMs, heartbeatsFromMs: heartbeatsFrom(b, untilMs) };
      });
    const [days, samples, first] = await Promise.all([
      this.totals.coverageDaysOf(read.filter((r) => r.untilMs !== null && r.untilMs > r.fromMs)),
      this.totals.heartbeatSamplesOf(
        read.filter((r) => r.heartbeatsFromMs < r.toMs).map((r) => ({ storeId: r.storeId, fromMs: r.heartbeatsFromMs, toMs: r.toMs })),
      ),
      this.totals.firstHeartbeatsOf(read.flatMap((r) => camerasOf.get(r.storeId)!.map((c) => ({ storeId: r.storeId, cameraId: c.camera_id })))),
    ]);
    return new Map(
      storeIds.map((id) => [
        id,
        storeCoverage(camerasOf.get(id)!, buckets.get(id)!, nowMs, {
          untilMs: compactedUntil.get(id) ?? null,
          days: days.get(id),
          samples: samples.get(id),
          first: first.get(id),
        }),
      ]),
    );
  }
}

/** Where a read for `buckets` ends: the last bucket's end, cut at now, and a gap later (the heartbeat closing it). */
const readEnd = (buckets: readonly TimeBucket[], nowMs: number) => Math.min(buckets[buckets.length - 1].endMs, nowMs) + MAX_HEARTBEAT_GAP_S * 1000;
/** Where heartbeats are read from: the compaction point (the days before it are compacted) or the first bucket, a gap earlier. */
const heartbeatsFrom = (buckets: readonly TimeBucket[], untilMs: number | null) => Math.max(buckets[0].startMs, untilMs ?? 0) - MAX_HEARTBEAT_GAP_S * 1000;

/** A store's completeness per bucket from what was read of it: compacted days before `untilMs`, heartbeats after. */
function storeCoverage(
  cameras: readonly CameraView[],
  buckets: readonly TimeBucket[],
  nowMs: number,
  read: {
    untilMs?: number | null;
    days?: ReadonlyMap<string, CoverageDay[]>;
    samples?: readonly CameraHeartbeatSample[];
    first?: ReadonlyMap<string, number | null>;
  },
): StoreCompleteness {
  const byCamera = samplesByCamera(read.samples ?? []);
  const perCamera = cameras.map((c) => ({
    camera_id: c.camera_id,
    capabilities: [...c.capabilities],
    shares: coveredShares(
      mergedIntervals(read.days?.get(c.camera_id) ?? [], read.untilMs ?? Number.NEGATIVE_INFINITY, byCamera.get(c.camera_id) ?? []),
      buckets,
      { nowMs, firstHeartbeatMs: read.first?.get(c.camera_id) ?? null },
    ),
  }));
  return { cameras: perCamera, store: storeCompleteness(perCamera, buckets.length) };
}
