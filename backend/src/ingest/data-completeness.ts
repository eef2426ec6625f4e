// Data completeness: how much of a period a camera really analysed, from its heartbeats. Pure; the SQL that
// reads heartbeats is in store-totals.reader.ts, the service that joins the two in data-completeness.service.ts.
//
// Definition (README section 7, docs/dashboard.md "Completeness"):
// - A camera's heartbeats, ordered by server receipt time t₁ < t₂ < …, cut time into intervals (tᵢ₋₁, tᵢ].
// - Heartbeat i vouches for its interval when
//     1. the gap tᵢ − tᵢ₋₁ is at most MAX_HEARTBEAT_GAP_S (a longer silence is an outage: edge, network or
//        backend down — nobody knows what was analysed), and
//     2. its stream_state is `streaming` (not starting, reconnecting, stalled, ended, restarting, stopped), and
//     3. the fps it achieved over the interval (status_data.fps_achieved, else the recent `fps`) is at least
//        MIN_FPS_SHARE of its target_fps (when the heartbeat names no target, any fps > 0 will do).
//   A heartbeat without a predecessor within the gap vouches for nothing.
// - A bucket's completeness = seconds vouched for inside the bucket / the bucket's length, where the length is
//   cut at `now` (the hour in progress is judged on what has passed) — 0 … 1.
// - Unknown (null), not 0: a bucket that ends before the camera's first heartbeat ever (history from before the
//   camera reported, or data loaded without heartbeats), or that has not started yet.
// Buckets are UTC intervals, so DST needs no special case: a local hour is whatever instants the caller gives.

/** An hour counts as complete — usable for baselines and comparisons — from this share analysed. Declared once. */
export const MIN_COMPLETENESS = 0.9;
/** A heartbeat vouches for at most this many seconds since the previous one (3 × the edge's default 30 s). */
export const MAX_HEARTBEAT_GAP_S = 90;
/** Achieved fps must reach this share of the camera's target_fps for an interval to count as analysed. */
export const MIN_FPS_SHARE = 0.8;

export interface HeartbeatSample {
  /** Server receipt time, ms. */
  atMs: number;
  streamState: string | null;
  /** fps achieved since the previous heartbeat (fps_achieved), else the recent fps; null when not reported. */
  fps: number | null;
  targetFps: number | null;
}

/** Samples grouped by their camera, each camera's in the order given (time order, as read). */
export function samplesByCamera<S extends HeartbeatSample & { cameraId: string }>(samples: readonly S[]): Map<string, S[]> {
  const byCamera = new Map<string, S[]>();
  for (const s of samples) {
    let list = byCamera.get(s.cameraId);
    if (!list) byCamera.set(s.cameraId, (list = []));
    list.push(s);
  }
  return byCamera;
}

export interface TimeBucket {
  startMs: number;
  endMs: number;
}

export interface CompletenessOptions {
  nowMs: number;
  /** The camera's first heartbeat ever (ms), or null if it never sent one: earlier buckets are unknown. */
  firstHeartbeatMs: number | null;
  maxGapS?: number;
  minFpsShare?: number;
}

/** Whether heartbeat `hb` vouches for the interval since `prevMs`. */
export function vouches(hb: HeartbeatSample, prevMs: number, opts: Pick<CompletenessOptions, 'maxGapS' | 'minFpsShare'> = {}): boolean {
  const gapMs = hb.atMs - prevMs;
  if (!(gapMs > 0) || gapMs > (opts.maxGapS ?? MAX_HEARTBEAT_GAP_S) * 1000) return false;
  if (hb.streamState !== 'streaming') return false;
  if (hb.fps === null) return false;
  if (hb.targetFps !== null && hb.targetFps > 0) return hb.fps >= (opts.minFpsShare ?? MIN_FPS_SHARE) * hb.targetFps;
  return hb.fps > 0;
}

/** The intervals [from, to] (ms) that a camera's heartbeats vouch for, in time order. `heartbeats` sorted by time. */
export function vouchedIntervals(heartbeats: readonly HeartbeatSample[], opts: Pick<CompletenessOptions, 'maxGapS' | 'minFpsShare'> = {}): [number, number][] {
  const intervals: [number, number][] = [];
  for (let i = 1; i < heartbeats.length; i++) {
    if (vouches(heartbeats[i], heartbeats[i - 1].atMs, opts)) intervals.push([heartbeats[i - 1].atMs, heartbeats[i].atMs]);
  }
  return intervals;
}

/**
 * Share analysed (0 … 1, or null when unknown) of each bucket, for one camera. `heartbeats` must be sorted by
 * time and should start up to `maxGapS` before the first bucket (so its first interval is known).
 */
export function completeness(heartbeats: readonly HeartbeatSample[], buckets: readonly TimeBucket[], opts: CompletenessOptions): (number | null)[] {
  return coveredShares(vouchedIntervals(heartbeats, opts), buckets, opts);
}

/** Share of each bucket covered by `intervals` (sorted, not overlapping), null when unknown (see the definition above). */
export function coveredShares(intervals: readonly (readonly [number, number])[], buckets: readonly TimeBucket[], opts: CompletenessOptions): (number | null)[] {
  let j = 0;
  return buckets.map((b) => {
    const end = Math.min(b.endMs, opts.nowMs);
    if (end <= b.startMs) return null; // not started yet
    if (opts.firstHeartbeatMs === null || b.endMs <= opts.firstHeartbeatMs) return null; // before the camera ever reported
    while (j < intervals.length && intervals[j][1] <= b.startMs) j++;
    let covered = 0;
    for (let k = j; k < intervals.length && intervals[k][0] < end; k++) {
      covered += Math.max(0, Math.min(intervals[k][1], end) - Math.max(intervals[k][0], b.startMs));
    }
    return Math.min(1, covered / (end - b.startMs));
  });
}

// Compaction (issue #19): before heartbeats are dropped (retention), each camera's UTC day is kept as the
// milliseconds vouched for in each quarter hour — 96 numbers instead of 2,880 heartbeats. Every time zone in use
// is offset from UTC by a multiple of 15 minutes, so every hour or day bucket a report asks for is a whole number
// of slots and its share from the slots equals the share from the heartbeats.

/** The length of a compacted slot. */
export const COVERAGE_SLOT_MS = 900_000;
export const SLOTS_PER_DAY = 96;

/** One camera's compacted UTC day: ms vouched for in each of its 96 quarter hours. */
export interface CoverageDay {
  dayStartMs: number;
  coveredMs: readonly number[];
}

/** The compacted day starting at `dayStartMs` from the camera's heartbeats (received from 90 s before the day to 90 s after it). */
export function coverageDay(
  heartbeats: readonly HeartbeatSample[],
  dayStartMs: number,
  opts: Pick<CompletenessOptions, 'maxGapS' | 'minFpsShare'> = {},
): CoverageDay {
  const slots = Array.from({ length: SLOTS_PER_DAY }, (_, i) => ({
    startMs: dayStartMs + i * COVERAGE_SLOT_MS,
    endMs: dayStartMs + (i + 1) * COVERAGE_SLOT_MS,
  }));
  const shares = coveredShares(vouchedIntervals(heartbeats, opts), slots, { nowMs: Number.POSITIVE_INFINITY, firstHeartbeatMs: Number.NEGATIVE_INFINITY });
  return { dayStartMs, coveredMs: shares.map((s) => Math.round((s ?? 0) * COVERAGE_SLOT_MS)) };
}

/**
 * A camera's covered intervals from its compacted days before `compactedUntilMs` and its heartbeats from then on
 * (their intervals cut at that instant: the part before it is in the compacted days). Sorted, not overlapping.
 */
export function mergedIntervals(
  days: readonly CoverageDay[],
  compactedUntilMs: number,
  heartbeats: readonly HeartbeatSample[],
  opts: Pick<CompletenessOptions, 'maxGapS' | 'minFpsShare'> = {},
): [number, number][] {
  const out: [number, number][] = [];
  for (const d of [...days].sort((a, b) => a.dayStartMs - b.dayStartMs)) {
    if (d.dayStartMs >= compactedUntilMs) continue;
    // A plain loop (a 100-store report walks ~1M slots); a slot covered to its end runs on into the next: one
    // interval for a whole covered day, not 96.
    for (let i = 0; i < d.coveredMs.length; i++) {
      const ms = d.coveredMs[i];
      if (ms <= 0) continue;
      const from = d.dayStartMs + i * COVERAGE_SLOT_MS;
      const last = out[out.length - 1];
      if (last && last[1] === from) last[1] = from + ms;
      else out.push([from, from + ms]);
    }
  }
  for (const [a, b] of vouchedIntervals(heartbeats, opts)) if (b > compactedUntilMs) out.push([Math.max(a, compactedUntilMs), b]);
  return out;
}

/**
 * The store's figure for a bucket from its cameras': the least complete of the cameras that count footfall
 * (capability `entrance`), or of all cameras when none does — a store hour is only as complete as its worst
 * door. Cameras whose share is unknown are left out; all unknown → unknown.
 */
export function storeCompleteness(
  perCamera: readonly { capabilities: readonly string[]; shares: readonly (number | null)[] }[],
  buckets: number,
): (number | null)[] {
  const entrance = perCamera.filter((c) => c.capabilities.includes('entrance'));
  const judged = entrance.length ? entrance : perCamera;
  // A plain loop: a report over 100 stores asks this for ~300k buckets.
  const out: (number | null)[] = new Array(buckets).fill(null);
  for (const c of judged)
    for (let i = 0; i < buckets; i++) {
      const s = c.shares[i];
      if (s !== null && s !== undefined && (out[i] === null || s < (out[i] as number))) out[i] = s;
    }
  return out;
}

/** Whether a share counts as incomplete (unknown is not: history from before heartbeats stays usable). */
export function isIncomplete(share: number | null, threshold = MIN_COMPLETENESS): boolean {
  return share !== null && share < threshold;
}
