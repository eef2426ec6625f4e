// ByteTrack (Zhang et al., 2022): associate every detection box, not only the confident ones.
// Confident detections are matched first against all tracks (including recently lost ones);
// the leftover tracks then get a second chance against low-score boxes, which is what keeps a
// partly occluded person's id alive when the detector's confidence drops.
//
// Differences from the reference implementation, on purpose:
// - Track ids are handed out when a track is CONFIRMED (its second consecutive hit), so the ids the
//   rules see are dense and increasing, and a one-frame false positive never burns an id.
// - No "first frame confirms immediately" special case: a ghost on frame 1 stays a ghost.
// - Time comes from timestamps: the motion model advances by the elapsed nominal frames and the
//   lost buffer is a duration, so dropped or uneven frames do not distort either.

import { iou, type Box } from './geometry.ts';
import { linearAssignment } from './assignment.ts';
import { KalmanBoxFilter } from './kalman-box-filter.ts';

export interface Detection {
  box: Box;
  score: number;
}

export interface TrackSnapshot {
  id: number;
  /** Kalman-filtered box (smoother than the raw detection). */
  box: Box;
  /** Score of the last detection matched to the track. */
  score: number;
  state: 'tracked' | 'lost';
  /** Detections matched to the track so far. */
  hits: number;
  /** Frames since the track was started. */
  ageFrames: number;
}

export interface TrackerOptions {
  /** Detections at or above this are "high" (first association stage). */
  trackThresh: number;
  /** Detections above this and below trackThresh are "low" (second stage only); below it, dropped. */
  lowThresh: number;
  /** An unmatched high detection starts a new track only at or above this. */
  newTrackThresh: number;
  /** Max cost (1 − IoU·score) for stage one. */
  matchThresh: number;
  /** Max cost (1 − IoU) for stage two (low-score detections). */
  secondMatchThresh: number;
  /** Max cost (1 − IoU·score) for matching a tentative track to its second detection. */
  unconfirmedMatchThresh: number;
  /** Nominal stream rate, used to turn timestamps into Kalman steps and frames into time. */
  fps: number;
  /** How long a lost track may be re-found, in nominal frames (ByteTrack's track_buffer). */
  lostBufferFrames: number;
  /** Same, as a duration; overrides lostBufferFrames when set. */
  lostBufferMs?: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  trackThresh: 0.5,
  lowThresh: 0.1,
  newTrackThresh: 0.6,
  matchThresh: 0.8,
  secondMatchThresh: 0.5,
  unconfirmedMatchThresh: 0.7,
  fps: 30,
  lostBufferFrames: 30,
};

// ByteTrack drops the younger of a tracked/lost pair that overlap this much (same person twice).
const DUPLICATE_IOU = 0.85;

type TrackState = 'tentative' | 'tracked' | 'lost';

class Track {
  id = 0; // 0 until confirmed
  state: TrackState = 'tentative';
  hits = 1;
  ageFrames = 1;
  score: number;
  lastSeenMs: number;
  readonly filter: KalmanBoxFilter;
  readonly startMs: number;

  constructor(detection: Detection, timestampMs: number) {
    this.filter = new KalmanBoxFilter(detection.box);
    this.score = detection.score;
    this.startMs = timestampMs;
    this.lastSeenMs = timestampMs;
  }

  get box(): Box {
    return this.filter.box;
  }

  observe(detection: Detection, timestampMs: number): void {
    this.filter.update(detection.box);
    this.score = detection.score;
    this.hits++;
    this.lastSeenMs = timestampMs;
  }
}

export class ByteTracker {
  private readonly opts: TrackerOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTimestampMs: number | undefined;
  private removedIds: number[] = [];

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
  }

  private get lostBufferMs(): number {
    return this.opts.lostBufferMs ?? (this.opts.lostBufferFrames * 1000) / this.opts.fps;
  }

  /**
   * Feeds one frame's detections (frame pixels) and returns the confirmed tracks seen in this
   * frame. Timestamps must not go backwards.
   */
  update(detections: Detection[], timestampMs: number): TrackSnapshot[] {
    const o = this.opts;
    const frameMs = 1000 / o.fps;
    // Elapsed time in nominal frames: 1 at the configured fps, 3 when two frames were skipped.
    const dt = this.lastTimestampMs === undefined ? 1 : Math.max(0, (timestampMs - this.lastTimestampMs) / frameMs);
    this.lastTimestampMs = timestampMs;
    this.removedIds = [];

    const high = detections.filter((d) => d.score >= o.trackThresh);
    const low = detections.filter((d) => d.score > o.lowThresh && d.score < o.trackThresh);

    for (const t of this.tracks) {
      t.filter.predict(dt, t.state === 'lost');
      t.ageFrames++;
    }
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    const pool = this.tracks.filter((t) => t.state !== 'tentative');

    // Stage 1: confident detections against every established track, lost ones included.
    const first = linearAssignment(fusedCost(pool, high), o.matchThresh, high.length);
    for (const [ti, di] of first.matches) this.observe(pool[ti], high[di], timestampMs);
    const leftoverHigh = first.unmatchedCols.map((i) => high[i]);

    // Stage 2: low-score detections may only continue tracks that were visible last frame;
    // re-finding a lost person on a weak box would mostly re-find background.
    const stillTracked = first.unmatchedRows.map((i) => pool[i]).filter((t) => t.state === 'tracked');
    const second = linearAssignment(iouCost(stillTracked, low), o.secondMatchThresh, low.length);
    for (const [ti, di] of second.matches) this.observe(stillTracked[ti], low[di], timestampMs);
    for (const ti of second.unmatchedRows) stillTracked[ti].state = 'lost';

    // Tentative tracks get exactly one chance to be confirmed, from the leftover confident boxes.
    const third = linearAssignment(fusedCost(tentative, leftoverHigh), o.unconfirmedMatchThresh, leftoverHigh.length);
    for (const [ti, di] of third.matches) this.observe(tentative[ti], leftoverHigh[di], timestampMs);
    const dead = new Set<Track>(third.unmatchedRows.map((i) => tentative[i]));

    for (const di of third.unmatchedCols) {
      const d = leftoverHigh[di];
      if (d.score >= o.newTrackThresh) this.tracks.push(new Track(d, timestampMs));
    }

    for (const t of this.tracks) {
      if (t.state === 'lost' && timestampMs - t.lastSeenMs > this.lostBufferMs) dead.add(t);
    }
    for (const t of this.duplicates()) dead.add(t);
    for (const t of dead) if (t.id !== 0) this.removedIds.push(t.id);
    this.tracks = this.tracks.filter((t) => !dead.has(t));

    return this.tracks.filter((t) => t.state === 'tracked').map(snapshot);
  }

  /** Ids of confirmed tracks that the last update() ended for good; they will never reappear. */
  removedSinceLastUpdate(): number[] {
    return [...this.removedIds];
  }

  /** Confirmed tracks, visible or lost (lost ones carry their predicted box). */
  confirmedTracks(): TrackSnapshot[] {
    return this.tracks.filter((t) => t.state !== 'tentative').map(snapshot);
  }

  private observe(t: Track, d: Detection, timestampMs: number): void {
    t.observe(d, timestampMs);
    if (t.state === 'tentative') t.id = this.nextId++;
    t.state = 'tracked';
  }

  /** A lost track that now overlaps a tracked one almost entirely is the same person twice. */
  private duplicates(): Track[] {
    const tracked = this.tracks.filter((t) => t.state === 'tracked');
    const lost = this.tracks.filter((t) => t.state === 'lost');
    const out: Track[] = [];
    for (const a of tracked) {
      for (const b of lost) {
        if (iou(a.box, b.box) <= DUPLICATE_IOU) continue;
        // Keep whichever has been followed longer, as ByteTrack does.
        out.push(a.lastSeenMs - a.startMs > b.lastSeenMs - b.startMs ? b : a);
      }
    }
    return out;
  }
}

function snapshot(t: Track): TrackSnapshot {
  return {
    id: t.id,
    box: t.box,
    score: t.score,
    state: t.state === 'lost' ? 'lost' : 'tracked',
    hits: t.hits,
    ageFrames: t.ageFrames,
  };
}

function iouCost(tracks: readonly Track[], detections: readonly Detection[]): number[][] {
  return tracks.map((t) => detections.map((d) => 1 - iou(t.box, d.box)));
}

/** ByteTrack's fuse_score: a confident detection makes an overlap more believable. */
function fusedCost(tracks: readonly Track[], detections: readonly Detection[]): number[][] {
  return tracks.map((t) => detections.map((d) => 1 - iou(t.box, d.box) * d.score));
}
