// Footfall: people crossing the entrance line drawn on the camera image.

import {
  distanceToLine,
  distanceToSegment,
  pointInPolygon,
  segmentLength,
  segmentsIntersect,
  sideOfLine,
  type Point,
  type Polygon,
  type Segment,
  type Size,
} from '../vision/geometry.ts';
import type { EntranceEvent } from '../../../shared/src/events.ts';
import { isoTimestamp, type FrameRule, type PersonKey, type TrackFoot, type UnsentEvent } from './frame-rule.ts';

export interface FootfallCounterOptions {
  /**
   * Which side of the line is the shop floor, as seen ON SCREEN by someone walking along the
   * line from line[0] to line[1]. Example: a horizontal line drawn left→right with the shop at
   * the bottom of the image has insideSide 'right'; drawn right→left, 'left'.
   */
  insideSide: 'left' | 'right';
  /** Consecutive frames on the new side before a crossing counts (flicker around the line doesn't). */
  confirmFrames: number;
  /** Forget a track not seen for this long (the tracker normally ends it sooner via removeTracks). */
  forgetAfterMs: number;
  personKey: PersonKey;
  /**
   * `each_crossing`: every confirmed crossing is an event at once (in, out, in for a zig-zag).
   * `late` (Xovis-style): one net count per visit to the line: crossings are summed while the person is
   * near the line, and the net direction (if any) is counted when they walk away from it or their track
   * ends. A zig-zag in-out-in is one `in`; in-then-back-out is nothing.
   */
  mode: CountingMode;
  /**
   * A foot closer than this to the line (frame pixels) is no evidence of either side: a crossing
   * confirms only once the foot is this far beyond the line, so a foot that jumps a few pixels (an
   * occluded box bottom, detector jitter) next to the line cannot count.
   */
  marginPx: number;
  /**
   * late mode: the line's neighbourhood. Once a person is further than this from the segment, their net
   * crossing is counted and their visit to the line starts afresh.
   */
  neighbourhoodPx: number;
  /**
   * late mode: where people appear from and vanish into the store (a doorway, often seen edge-on). A
   * track BORN here that walks away from the line counts as having come through it (into the side it
   * walks to); a track that walks here from a side and ENDS here counts as having gone through it (out of
   * that side). A track born and ended here counts nothing. Detectors miss people in doorways (dark,
   * partly hidden, small), so without this a shopper whose first or last sighting is at the door is lost.
   */
  door?: Polygon;
}

export const COUNTING_MODES = ['late', 'each_crossing'] as const;
export type CountingMode = (typeof COUNTING_MODES)[number];

export const DEFAULT_FOOTFALL_OPTIONS = { confirmFrames: 3, forgetAfterMs: 10_000, mode: 'each_crossing', marginPx: 0 } as const;

/**
 * Config defaults for a camera's entrance line, chosen with `npm run eval:edge` on every shared sequence
 * (TUD-Campus, TUD-Stadtmitte, PETS09-S2L1; 10 lines, 5 fps and the source rate; README section 10):
 * `late` missed or invented 26 of 144 true line passages, `each_crossing` 36 (every flicker of a track across
 * the line counts).
 */
export const DEFAULT_ENTRANCE_COUNTING: CountingMode = 'late';
/** In screenshot pixels, scaled to the frame with the line. 10 px measured worse (37 vs 26 errors): feet near a line are real. */
export const DEFAULT_ENTRANCE_MARGIN_PX = 0;
/**
 * A line this close to an edge of the picture (share of the frame's width or height, both ends) lies where people
 * must appear and vanish: the config default gives it the `auto` door region.
 */
export const EDGE_LINE_SHARE = 0.1;

/** Whether both ends of the line lie within EDGE_LINE_SHARE of the same edge of a picture of `size`. */
export function lineAlongFrameEdge(line: Segment, size: Size): boolean {
  const [w, h] = size;
  const near = (f: (p: Point) => boolean) => line.every(f);
  return (
    near((p) => p[0] <= EDGE_LINE_SHARE * w) ||
    near((p) => p[0] >= (1 - EDGE_LINE_SHARE) * w) ||
    near((p) => p[1] <= EDGE_LINE_SHARE * h) ||
    near((p) => p[1] >= (1 - EDGE_LINE_SHARE) * h)
  );
}

/**
 * Config default for entrance_door when counting late: `auto` on a line along an edge of the picture, none
 * elsewhere. Chosen with `npm run eval:edge` (all sequences, both rates): the door region cut the errors on the
 * 7 frame-edge lines from 13 to 9, and on the 3 lines across open floor it turned tracks lost near the line
 * into phantom counts (5 → 10). Where a doorway is not at the edge of the picture, set `entrance_door: auto` or
 * draw it; `none` turns the default off.
 */
export function defaultEntranceDoor(line: Segment, size: Size): 'auto' | 'none' {
  return lineAlongFrameEdge(line, size) ? 'auto' : 'none';
}
/** `entrance_door: auto`: a band this share of the line's length on each side of it. */
export const AUTO_DOOR_BAND_SHARE = 0.1;

/**
 * The door region derived from an entrance line when none is drawn: a band `halfWidth` on each side of
 * the segment (a rectangle along it). People first or last seen that close to the line crossed it unseen.
 */
export function doorBandAround(line: Segment, halfWidth: number): Polygon {
  const [[x1, y1], [x2, y2]] = line;
  const len = segmentLength(line) || 1;
  const nx = (-(y2 - y1) / len) * halfWidth;
  const ny = ((x2 - x1) / len) * halfWidth;
  return [
    [x1 + nx, y1 + ny],
    [x2 + nx, y2 + ny],
    [x2 - nx, y2 - ny],
    [x1 - nx, y1 - ny],
  ];
}

export type UnsentEntranceEvent = UnsentEvent<EntranceEvent>;

type Side = 'inside' | 'outside';

interface PendingCrossing {
  side: Side;
  frames: number;
  /** Whether the step onto the new side passed through the drawn segment (not its extension). */
  throughSegment: boolean;
  /** First frame on the new side: when the person actually crossed. */
  sinceMs: number;
}

interface LineTrack {
  /** Confirmed side; null until first seen off the line. */
  side: Side | null;
  /** Last position on the confirmed side. */
  anchor: Point | null;
  pending: PendingCrossing | null;
  lastSeenMs: number;
  /** Last foot position seen (any side): where a track ended. */
  last: Point | null;
  /** late mode: confirmed crossings through the segment since the visit began (+1 in, −1 out). */
  net: number;
  /** late mode: the last confirmed crossing of this visit, whose time and direction the count takes. */
  lastCrossing: PendingCrossing | null;
  /** late mode: the track was first seen in the door region (and has not yet walked away from it). */
  bornInDoor: boolean;
  /** late mode: side the visit started on; null when it started in the door region. */
  visitFrom: Side | null;
}

/**
 * Counts `in` when a person goes from the outside to the inside THROUGH the drawn segment and
 * stays inside (at least marginPx beyond the line) for confirmFrames frames, `out` for the reverse.
 * Going round the end of the segment changes the person's side silently. A person first seen already
 * inside counts only when they leave (or, in late mode with a door region, when they were first seen in
 * the doorway). In `each_crossing` mode every confirmed side change through the segment is an event; in
 * `late` mode a visit to the line yields at most one, its net direction.
 */
export class FootfallCounter implements FrameRule<UnsentEntranceEvent> {
  private readonly opts: FootfallCounterOptions;
  private readonly tracks = new Map<number, LineTrack>();

  constructor(
    private readonly line: Segment,
    opts: Partial<FootfallCounterOptions> & Pick<FootfallCounterOptions, 'insideSide' | 'personKey'>,
  ) {
    this.opts = { ...DEFAULT_FOOTFALL_OPTIONS, neighbourhoodPx: segmentLength(line) / 4, ...opts };
    if (this.opts.door && this.opts.mode !== 'late') throw new Error('a door region needs the late counting mode');
  }

  update(tracks: ReadonlyArray<TrackFoot>, timestampMs: number): UnsentEntranceEvent[] {
    const events: UnsentEntranceEvent[] = [];
    for (const t of tracks) {
      const event = this.observe(t, timestampMs);
      if (event) events.push(event);
    }
    const stale: number[] = [];
    for (const [id, s] of this.tracks) if (timestampMs - s.lastSeenMs > this.opts.forgetAfterMs) stale.push(id);
    events.push(...this.removeTracks(stale, timestampMs));
    return events;
  }

  /**
   * Forgets ended tracks. A crossing still being confirmed counts if it went through the segment:
   * the person vanished on the new side (e.g. walked out of view), they did not come back. In late
   * mode the visit's net crossing is counted now, and a track that ends in the door region counts as
   * having gone through the door.
   */
  removeTracks(ids: Iterable<number>, _timestampMs?: number): UnsentEntranceEvent[] {
    return this.end(ids, () => true);
  }

  /**
   * Shutdown, or the end of a replayed file: every visit ends. A person still in view on the last frame has not
   * vanished, so a door region does not count them as having gone through it (they may yet turn back); one the
   * tracker had already lost there has.
   */
  close(timestampMs: number): UnsentEntranceEvent[] {
    return this.end([...this.tracks.keys()], (s) => s.lastSeenMs < timestampMs);
  }

  private end(ids: Iterable<number>, vanished: (s: LineTrack) => boolean): UnsentEntranceEvent[] {
    const events: UnsentEntranceEvent[] = [];
    for (const id of ids) {
      const s = this.tracks.get(id);
      if (!s) continue;
      this.tracks.delete(id);
      if (this.opts.mode === 'each_crossing') {
        if (s.pending?.throughSegment) events.push(this.event(id, s.pending));
        continue;
      }
      if (s.pending?.throughSegment) this.confirm(s, s.pending);
      // Still in view (at close): no door passage at this end — one born in the doorway has not come through yet.
      const endedInDoor = s.last !== null && this.inDoor(s.last) && (vanished(s) || s.bornInDoor);
      const e = this.endVisit(id, s, endedInDoor, s.lastSeenMs);
      if (e) events.push(e);
    }
    return events;
  }

  private observe(t: TrackFoot, timestampMs: number): UnsentEntranceEvent | null {
    let s = this.tracks.get(t.id);
    if (!s) {
      const bornInDoor = this.inDoor(t.foot);
      s = { side: null, anchor: null, pending: null, lastSeenMs: timestampMs, last: null, net: 0, lastCrossing: null, bornInDoor, visitFrom: null };
      this.tracks.set(t.id, s);
    }
    s.lastSeenMs = timestampMs;
    s.last = t.foot;
    const side = this.sideOf(t.foot);
    if (side === null) return null; // on the line or within the margin: no evidence either way
    if (s.side === null || s.anchor === null) {
      s.side = side;
      s.anchor = t.foot;
      if (!s.bornInDoor) s.visitFrom = side;
      return null;
    }
    if (side === s.side) {
      s.anchor = t.foot;
      s.pending = null; // came back before confirming: flicker, not a crossing
      return this.opts.mode === 'late' ? this.maybeLeaveNeighbourhood(t.id, s, t.foot, timestampMs) : null;
    }

    // Whether it was a crossing is decided by the step that changed sides (last position on the
    // old side → first on the new one); later positions would let a walk round the end of the
    // segment look like a crossing.
    const p = (s.pending ??= {
      side,
      frames: 0,
      throughSegment: segmentsIntersect([s.anchor, t.foot], this.line),
      sinceMs: timestampMs,
    });
    p.frames++;
    if (p.frames < this.opts.confirmFrames) return null;

    s.side = side;
    s.anchor = t.foot;
    s.pending = null;
    if (this.opts.mode === 'each_crossing') return p.throughSegment ? this.event(t.id, p) : null;
    if (p.throughSegment) this.confirm(s, p);
    return this.maybeLeaveNeighbourhood(t.id, s, t.foot, timestampMs);
  }

  private confirm(s: LineTrack, crossing: PendingCrossing): void {
    s.net += crossing.side === 'inside' ? 1 : -1;
    s.lastCrossing = crossing;
  }

  /** late mode: a person who walked away from the line (and out of the door region) ends their visit to it. */
  private maybeLeaveNeighbourhood(id: number, s: LineTrack, foot: Point, timestampMs: number): UnsentEntranceEvent | null {
    if (distanceToSegment(foot, this.line) <= this.opts.neighbourhoodPx || this.inDoor(foot)) return null;
    const e = this.endVisit(id, s, false, timestampMs);
    // The person stays tracked; a later visit to the line starts from where they are now.
    s.net = 0;
    s.lastCrossing = null;
    s.bornInDoor = false;
    s.visitFrom = s.side;
    return e;
  }

  /**
   * The one count a visit to the line yields: through the door region when the visit began or ended
   * there (but not both), otherwise the net of its crossings.
   */
  private endVisit(id: number, s: LineTrack, endedInDoor: boolean, timestampMs: number): UnsentEntranceEvent | null {
    if (s.bornInDoor !== endedInDoor) {
      // Born in the door: came through it into the side they walked to. Ended there: left the side they came from.
      const into: Side | null = s.bornInDoor ? s.side : s.visitFrom === null ? null : s.visitFrom === 'inside' ? 'outside' : 'inside';
      if (into === null) return null;
      // A crossing of the drawn line in the same direction is the same passage: take its time.
      const sinceMs = s.lastCrossing?.side === into ? s.lastCrossing.sinceMs : timestampMs;
      return this.event(id, { side: into, frames: 0, throughSegment: true, sinceMs });
    }
    if (s.net === 0 || s.lastCrossing === null) return null;
    const side: Side = s.net > 0 ? 'inside' : 'outside';
    const sinceMs = s.lastCrossing.side === side ? s.lastCrossing.sinceMs : timestampMs;
    return this.event(id, { side, frames: 0, throughSegment: true, sinceMs });
  }

  private inDoor(foot: Point): boolean {
    return this.opts.door !== undefined && pointInPolygon(foot, this.opts.door);
  }

  private sideOf(foot: Point): Side | null {
    const cross = sideOfLine(foot, this.line);
    if (cross === 0) return null;
    if (this.opts.marginPx > 0 && distanceToLine(foot, this.line) < this.opts.marginPx) return null;
    // sideOfLine > 0 is the walker's right on screen (image y grows down).
    const onRight = cross > 0;
    return onRight === (this.opts.insideSide === 'right') ? 'inside' : 'outside';
  }

  private event(trackId: number, crossing: PendingCrossing): UnsentEntranceEvent {
    return {
      type: 'entrance',
      ts: isoTimestamp(crossing.sinceMs),
      direction: crossing.side === 'inside' ? 'in' : 'out',
      person_key: this.opts.personKey(trackId),
    };
  }
}
