// ByteTrack (Zhang et al., 2022): associate every detection box, not only the confident ones.
// Confident detections are matched first against all tracks (including recently lost ones);
// the leftover tracks then get a second chance against low-score boxes, which is what keeps a
// partly occluded person's id alive when the detector's confidence drops.
//
// Differences from the reference implementation, on purpose:
// - Track ids are handed out when a track is CONFIRMED (its second consecutive hit), so the ids the
//   rules see are dense and increasing, and a one-frame false positive never burns an id.
// - No "first frame confirms immediately" special case by default (`confirmFirstFrame` turns it on): a ghost on
//   frame 1 stays a ghost. Measured on the shared sequences (README section 10) it cost more than it saved: a
//   camera that starts mid-scene sees groups on its first frame, whose first boxes are often merged or misplaced.
// - Time comes from timestamps: the motion model advances by the elapsed nominal frames and the
//   lost buffer is a duration, so dropped or uneven frames do not distort either.
//
// Optional additions (all off unless set; the product's choices are in camera-vision-pipeline.ts):
// - Birth regions (e.g. the band around a shop door): an unmatched detection whose foot lies in one may
//   start a track from `birthThreshLow` instead of `newTrackThresh`. People coming through a door are
//   small, dark or half hidden at first; elsewhere a weak box is more often background.
// - Observation-centric re-update (OC-SORT's ORU, Cao et al., 2023): when a lost track is found again,
//   the filter goes back to its state at the last observation and is re-run along a straight virtual
//   trajectory to the new one, so the velocity it carries on is the walked one, not what the blind
//   predictions during the gap accumulated.
// - Observation-centric momentum (OC-SORT's OCM): in the first association stage, a detection in the
//   direction the track has been walking (from its observations, not the filter) costs less.
// - Appearance (appearance.ts: colour of upper body and legs): in the first association stage a detection
//   that looks unlike the track costs more, or cannot continue it at all (a veto), as BoT-SORT gates its
//   re-identification cue; the track's appearance is a moving average of its confident detections.
// - Re-identification of a lost track beyond overlap (`reidGate`): a confident box no stage took may continue a
//   lost track it does not overlap, when it looks alike (appearance distance ≤ the gate), is about as tall, and
//   lies within walking reach of where the track was last seen. A person hidden behind someone walking the
//   other way is found again a few steps on, often past the predicted box; without this they come back as a
//   new track, and a line they crossed while hidden is crossed by nobody.

import { appearanceDistance } from './appearance.ts';
import { containedShare, footPoint, iou, pointInPolygon, type Box, type Polygon } from './geometry.ts';
import { linearAssignment } from './assignment.ts';
import { KalmanBoxFilter, type KalmanState } from './kalman-box-filter.ts';

export interface Detection {
  box: Box;
  score: number;
  /** Colour descriptor of the box (appearance.ts), when the appearance cue is on. */
  appearance?: readonly number[];
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
  /**
   * Tracks born on the tracker's first frame are confirmed at once (ByteTrack's `frame_id == 1`): whoever is
   * in view when the camera starts was there before it, and a second sighting would come too late for a
   * crossing between the first two frames.
   */
  confirmFirstFrame?: boolean;
  /**
   * A detection no track took does not start a track when at least this share of its box lies inside the box
   * of a visible confirmed track: it is a part of that person (head and shoulders above a hidden body, NMS
   * kept it beside the whole box), not someone new. Unset: no such check (the reference ByteTrack has none).
   */
  birthMaxContainment?: number;
  /** Regions (frame pixels) where a person's foot may start a track from birthThreshLow, e.g. a door band. */
  birthRegions?: readonly Polygon[];
  /** Lowest detection score that starts a track inside a birth region (down to lowThresh). */
  birthThreshLow?: number;
  /** Observation-centric re-update (OC-SORT's ORU) when a lost track is found again. */
  observationCentricReupdate?: boolean;
  /** Weight of OC-SORT's direction-consistency cost in stage one (its `inertia`, 0.2 there); 0 = off. */
  directionWeight?: number;
  /**
   * Observation-centric recovery (OC-SORT's OCR): confident boxes left over after the two stages may
   * continue a lost track whose LAST OBSERVED box they overlap with cost 1 − IoU at most this (0.7 in
   * OC-SORT: IoU ≥ 0.3). Off when unset.
   */
  recoveryMatchThresh?: number;
  /** Stage one: cost + this × appearance distance (0 … 1) for a track and a detection that both have one; 0 = off. */
  appearanceWeight?: number;
  /** Stage one: a track and a detection further apart in appearance than this cannot match; unset = no veto. */
  appearanceGate?: number;
  /** Re-identification: a leftover confident box may continue a lost track at most this far in appearance; unset = off. */
  reidGate?: number;
  /**
   * Re-identification's reach: the box's centre may lie this many of the track's heights from its last seen
   * centre, plus REID_REACH_PER_SECOND heights per second it has been lost (people walk about one height a second).
   */
  reidReach?: number;
  /**
   * Re-identification only for a track lost at most this long (ms; default 1 s). Longer, and at a door the
   * likeliest lookalike near where someone vanished is the next person coming in.
   */
  reidMaxLostMs?: number;
  /** Doors (frame pixels): a track lost with its foot in one may have left through it, so it is not re-identified. */
  reidDoorRegions?: readonly Polygon[];
}

/** Whether these options use the appearance cue (the pipeline then reads each detection's colours). */
export function usesAppearance(o: Partial<TrackerOptions>): boolean {
  return (o.appearanceWeight ?? 0) > 0 || o.appearanceGate !== undefined || o.reidGate !== undefined;
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
// A weak box in a birth region that overlaps a visible track this much is a second box of that person.
const BIRTH_MAX_IOU = 0.3;
// OCM's direction: from the observation this many nominal frames back (OC-SORT's delta_t) to the latest.
const DIRECTION_DELTA_FRAMES = 3;
// A track's appearance: this much of the old average is kept per confident detection (BoT-SORT's EMA α).
const APPEARANCE_MOMENTUM = 0.9;
// Re-identification: heights a hidden person may walk per second lost, and how much taller or shorter (×) the
// box may be than the track's last one.
const REID_REACH_PER_SECOND = 1;
const REID_MAX_HEIGHT_RATIO = 1.5;

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
  /** Recent observed boxes, oldest first (for ORU and OCM). */
  readonly observations: Array<{ box: Box; atMs: number }>;
  /** The filter right after the last observation (for ORU). */
  private afterLastObservation: KalmanState;
  /** Moving average of the confident detections' appearance; null until one had it. */
  appearance: number[] | null;

  constructor(detection: Detection, timestampMs: number) {
    this.filter = new KalmanBoxFilter(detection.box);
    this.score = detection.score;
    this.startMs = timestampMs;
    this.lastSeenMs = timestampMs;
    this.observations = [{ box: detection.box, atMs: timestampMs }];
    this.afterLastObservation = this.filter.save();
    this.appearance = detection.appearance ? [...detection.appearance] : null;
  }

  get box(): Box {
    return this.filter.box;
  }

  /** The last detection's box (not the filter's). */
  get lastObserved(): Box {
    return this.observations[this.observations.length - 1].box;
  }

  /**
   * `reupdateFrames` > 0 (ORU, a lost track found again after that many nominal frames): back to the state
   * at the last observation, then predict/update along the straight line from that box to this one.
   */
  observe(detection: Detection, timestampMs: number, reupdateFrames = 0): void {
    if (reupdateFrames > 0) {
      const from = this.observations[this.observations.length - 1].box;
      const steps = Math.max(1, Math.round(reupdateFrames));
      this.filter.restore(this.afterLastObservation);
      for (let i = 1; i <= steps; i++) {
        this.filter.predict(reupdateFrames / steps);
        this.filter.update(i === steps ? detection.box : lerpBox(from, detection.box, i / steps));
      }
    } else {
      this.filter.update(detection.box);
    }
    this.afterLastObservation = this.filter.save();
    this.score = detection.score;
    this.hits++;
    this.lastSeenMs = timestampMs;
    this.observations.push({ box: detection.box, atMs: timestampMs });
    if (this.observations.length > DIRECTION_DELTA_FRAMES + 1) this.observations.shift();
  }
}

function lerpBox(a: Box, b: Box, t: number): Box {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t, a[3] + (b[3] - a[3]) * t];
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
    const previousMs = this.lastTimestampMs;
    const firstFrame = previousMs === undefined;
    const dt = previousMs === undefined ? 1 : Math.max(0, (timestampMs - previousMs) / frameMs);
    this.lastTimestampMs = timestampMs;
    this.removedIds = [];

    const high = detections.filter((d) => d.score >= o.trackThresh);
    const low = detections.filter((d) => d.score > o.lowThresh && d.score < o.trackThresh);
    const birthThresh = o.birthThreshLow ?? o.newTrackThresh;
    const regions = o.birthRegions ?? [];
    const inBirthRegion = (d: Detection) => d.score >= birthThresh && footIn(regions, d.box);

    for (const t of this.tracks) {
      t.filter.predict(dt, t.state === 'lost');
      t.ageFrames++;
    }
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    const pool = this.tracks.filter((t) => t.state !== 'tentative');

    // Stage 1: confident detections against every established track, lost ones included.
    const motionCost = o.directionWeight ? directionCost(pool, high, o.matchThresh, o.directionWeight, frameMs) : fusedCost(pool, high);
    const stageOneCost = o.appearanceWeight || o.appearanceGate !== undefined ? appearanceCost(pool, high, motionCost, o) : motionCost;
    const first = linearAssignment(stageOneCost, o.matchThresh, high.length);
    for (const [ti, di] of first.matches) this.observe(pool[ti], high[di], timestampMs);
    let leftoverHigh = first.unmatchedCols.map((i) => high[i]);

    // Stage 2: low-score detections may only continue tracks that were visible last frame;
    // re-finding a lost person on a weak box would mostly re-find background.
    const stillTracked = first.unmatchedRows.map((i) => pool[i]).filter((t) => t.state === 'tracked');
    const second = linearAssignment(iouCost(stillTracked, low), o.secondMatchThresh, low.length);
    for (const [ti, di] of second.matches) this.observe(stillTracked[ti], low[di], timestampMs);
    for (const ti of second.unmatchedRows) stillTracked[ti].state = 'lost';

    // OCR: a track whose prediction drifted off (people change pace while hidden) may still overlap where
    // it was last seen.
    if (o.recoveryMatchThresh !== undefined) {
      const unmatched = first.unmatchedRows.map((i) => pool[i]).filter((t) => t.state === 'lost');
      const lastBoxes = unmatched.map((t) => t.lastObserved);
      const rec = linearAssignment(
        lastBoxes.map((b) => leftoverHigh.map((d) => 1 - iou(b, d.box))),
        o.recoveryMatchThresh,
        leftoverHigh.length,
      );
      for (const [ti, di] of rec.matches) this.observe(unmatched[ti], leftoverHigh[di], timestampMs);
      const taken = new Set(rec.matches.map(([, di]) => di));
      leftoverHigh = leftoverHigh.filter((_, i) => !taken.has(i));
    }

    if (o.reidGate !== undefined) {
      const maxLostMs = o.reidMaxLostMs ?? 1000;
      const doors = o.reidDoorRegions ?? [];
      const lost = this.tracks.filter((t) => t.state === 'lost' && t.appearance && timestampMs - t.lastSeenMs <= maxLostMs && !footIn(doors, t.lastObserved));
      const reid = linearAssignment(reidCost(lost, leftoverHigh, timestampMs, o.reidGate, o.reidReach ?? 1), o.reidGate, leftoverHigh.length);
      for (const [ti, di] of reid.matches) this.observe(lost[ti], leftoverHigh[di], timestampMs);
      const taken = new Set(reid.matches.map(([, di]) => di));
      leftoverHigh = leftoverHigh.filter((_, i) => !taken.has(i));
    }

    // In a birth region, weak boxes no track took may start or confirm a person too (not a second box of
    // someone already visible or confidently detected).
    const others = [...this.tracks.filter((t) => t.state === 'tracked').map((t) => t.box), ...high.map((d) => d.box)];
    const leftoverLow =
      regions.length === 0
        ? []
        : second.unmatchedCols.map((i) => low[i]).filter((d) => inBirthRegion(d) && others.every((b) => iou(b, d.box) <= BIRTH_MAX_IOU));
    const candidates = [...leftoverHigh, ...leftoverLow];

    // Tentative tracks get exactly one chance to be confirmed, from the leftover confident boxes.
    const third = linearAssignment(fusedCost(tentative, candidates), o.unconfirmedMatchThresh, candidates.length);
    for (const [ti, di] of third.matches) this.observe(tentative[ti], candidates[di], timestampMs);
    const dead = new Set<Track>(third.unmatchedRows.map((i) => tentative[i]));

    const visible = this.tracks.filter((t) => t.state === 'tracked').map((t) => t.box);
    const maxShare = o.birthMaxContainment;
    const partOfVisible = (d: Detection) => maxShare !== undefined && visible.some((b) => containedShare(d.box, b) >= maxShare);
    for (const di of third.unmatchedCols) {
      const d = candidates[di];
      if (!(d.score >= o.newTrackThresh || inBirthRegion(d)) || partOfVisible(d)) continue;
      const t = new Track(d, timestampMs);
      if (firstFrame && o.confirmFirstFrame) this.confirm(t);
      this.tracks.push(t);
    }

    for (const t of this.tracks) {
      if (t.state === 'lost' && timestampMs - t.lastSeenMs > this.lostBufferMs) dead.add(t);
    }
    for (const t of this.duplicates()) dead.add(t);
    for (const t of dead) if (t.id !== 0) this.removedIds.push(t.id);
    this.tracks = this.tracks.filter((t) => !dead.has(t));

    return this.tracks.filter((t) => t.state === 'tracked').map(snapshot);
  }

  /**
   * A frame the detector skipped because nothing moved (motion-gate.ts): time advances, visible tracks stay where
   * they were last seen (their last box is observed again, which also brings their velocity to rest) and stay
   * visible; lost ones keep waiting out their buffer; tentative ones wait for the next detection. Returns the
   * visible confirmed tracks, as update() does.
   */
  hold(timestampMs: number): TrackSnapshot[] {
    const frameMs = 1000 / this.opts.fps;
    const dt = this.lastTimestampMs === undefined ? 1 : Math.max(0, (timestampMs - this.lastTimestampMs) / frameMs);
    this.lastTimestampMs = timestampMs;
    this.removedIds = [];
    const dead = new Set<Track>();
    for (const t of this.tracks) {
      t.ageFrames++;
      if (t.state === 'tracked') {
        t.filter.predict(dt);
        t.filter.update(t.lastObserved);
        t.lastSeenMs = timestampMs;
      } else if (t.state === 'lost' && timestampMs - t.lastSeenMs > this.lostBufferMs) dead.add(t);
    }
    for (const t of dead) if (t.id !== 0) this.removedIds.push(t.id);
    this.tracks = this.tracks.filter((t) => !dead.has(t));
    return this.tracks.filter((t) => t.state === 'tracked').map(snapshot);
  }

  /** Whether a new person waits for the detection that confirms their track (the motion gate then runs the detector). */
  awaitingConfirmation(): boolean {
    return this.tracks.some((t) => t.state === 'tentative');
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
    // A weak box is often half someone else: only confident ones teach the track what its person looks like.
    if (d.appearance && d.score >= this.opts.trackThresh) {
      const a = t.appearance;
      t.appearance = a ? a.map((v, i) => APPEARANCE_MOMENTUM * v + (1 - APPEARANCE_MOMENTUM) * d.appearance![i]!) : [...d.appearance];
    }
    const gapFrames = ((timestampMs - t.lastSeenMs) * this.opts.fps) / 1000;
    t.observe(d, timestampMs, this.opts.observationCentricReupdate && t.state === 'lost' ? gapFrames : 0);
    this.confirm(t);
  }

  private confirm(t: Track): void {
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

/**
 * OC-SORT's observation-centric momentum on top of fusedCost: the angle between the track's walking
 * direction (its observation ~DIRECTION_DELTA_FRAMES back → its latest) and the direction from that old
 * observation to the detection moves the cost by up to ±weight/2 (× score). Admissibility stays the
 * overlap's alone, as in OC-SORT: an admissible pair is never pushed past the threshold.
 */
function directionCost(tracks: readonly Track[], detections: readonly Detection[], threshold: number, weight: number, frameMs: number): number[][] {
  const fused = fusedCost(tracks, detections);
  return tracks.map((t, ti) => {
    const obs = t.observations;
    const last = obs[obs.length - 1];
    const prev = obs.find((o) => last.atMs - o.atMs <= DIRECTION_DELTA_FRAMES * frameMs + 1e-6) ?? last;
    const walk = prev === last ? null : unit(centre(prev.box), centre(last.box));
    return detections.map((d, di) => {
      const c = fused[ti][di];
      if (!walk || c > threshold) return c;
      const toDet = unit(centre(prev.box), centre(d.box));
      if (!toDet) return c;
      const cos = Math.max(-1, Math.min(1, walk[0] * toDet[0] + walk[1] * toDet[1]));
      const consistency = (Math.PI / 2 - Math.acos(cos)) / Math.PI; // −0.5 (opposite) … 0.5 (same way)
      return Math.min(threshold, c - weight * consistency * d.score);
    });
  });
}

/**
 * The appearance cue on top of a stage-one cost: a pair whose appearance distance exceeds the gate is
 * inadmissible; otherwise the cost grows by weight × distance, but an admissible pair (by overlap) stays
 * admissible, as with OCM. Pairs without a descriptor on either side keep their cost.
 */
function appearanceCost(tracks: readonly Track[], detections: readonly Detection[], cost: number[][], o: TrackerOptions): number[][] {
  const weight = o.appearanceWeight ?? 0;
  return tracks.map((t, ti) =>
    detections.map((d, di) => {
      const c = cost[ti][di];
      if (!t.appearance || !d.appearance || c > o.matchThresh) return c;
      const dist = appearanceDistance(t.appearance, d.appearance);
      if (o.appearanceGate !== undefined && dist > o.appearanceGate) return Infinity;
      return Math.min(o.matchThresh, c + weight * dist);
    }),
  );
}

/**
 * Re-identification cost of a lost track and a confident box: their appearance distance, when the box is within
 * walking reach of the track's last observed box and about as tall; otherwise inadmissible.
 */
function reidCost(tracks: readonly Track[], detections: readonly Detection[], nowMs: number, gate: number, reach: number): number[][] {
  return tracks.map((t) => {
    const last = t.lastObserved;
    const height = last[3] - last[1];
    const lostS = Math.max(0, nowMs - t.lastSeenMs) / 1000;
    const maxDistance = height * (reach + REID_REACH_PER_SECOND * lostS);
    const [cx, cy] = centre(last);
    return detections.map((d) => {
      if (!d.appearance || !t.appearance) return Infinity;
      const ratio = (d.box[3] - d.box[1]) / height;
      if (!(ratio <= REID_MAX_HEIGHT_RATIO && ratio >= 1 / REID_MAX_HEIGHT_RATIO)) return Infinity;
      const [dx, dy] = centre(d.box);
      if (Math.hypot(dx - cx, dy - cy) > maxDistance) return Infinity;
      const dist = appearanceDistance(t.appearance, d.appearance);
      return dist <= gate ? dist : Infinity;
    });
  });
}

/** Whether the box's foot point lies in one of the regions. */
function footIn(regions: readonly Polygon[], box: Box): boolean {
  return regions.some((r) => pointInPolygon(footPoint(box), r));
}

function centre(b: Box): [number, number] {
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

function unit(from: readonly [number, number], to: readonly [number, number]): [number, number] | null {
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const n = Math.hypot(dx, dy);
  return n < 1e-6 ? null : [dx / n, dy / n];
}

/** ByteTrack's fuse_score: a confident detection makes an overlap more believable. */
function fusedCost(tracks: readonly Track[], detections: readonly Detection[]): number[][] {
  return tracks.map((t) => detections.map((d) => 1 - iou(t.box, d.box) * d.score));
}
