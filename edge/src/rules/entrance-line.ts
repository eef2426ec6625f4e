// Footfall: people crossing the entrance line drawn on the camera image.

import { segmentsIntersect, sideOfLine, type Point, type Segment } from '../vision/geometry.ts';
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
}

export const DEFAULT_FOOTFALL_OPTIONS = { confirmFrames: 3, forgetAfterMs: 10_000 } as const;

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
}

/**
 * Counts `in` when a person goes from the outside to the inside THROUGH the drawn segment and
 * stays inside for confirmFrames frames, `out` for the reverse. Going round the end of the segment
 * changes the person's side silently. A person first seen already inside counts only when they
 * leave. Each confirmed side change counts at most once, so someone lingering on the line cannot
 * inflate footfall.
 */
export class FootfallCounter implements FrameRule<UnsentEntranceEvent> {
  private readonly opts: FootfallCounterOptions;
  private readonly tracks = new Map<number, LineTrack>();

  constructor(
    private readonly line: Segment,
    opts: Partial<FootfallCounterOptions> & Pick<FootfallCounterOptions, 'insideSide' | 'personKey'>,
  ) {
    this.opts = { ...DEFAULT_FOOTFALL_OPTIONS, ...opts };
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
   * the person vanished on the new side (e.g. walked out of view), they did not come back.
   */
  removeTracks(ids: Iterable<number>, _timestampMs?: number): UnsentEntranceEvent[] {
    const events: UnsentEntranceEvent[] = [];
    for (const id of ids) {
      const s = this.tracks.get(id);
      if (!s) continue;
      this.tracks.delete(id);
      if (s.pending?.throughSegment) events.push(this.event(id, s.pending));
    }
    return events;
  }

  close(timestampMs: number): UnsentEntranceEvent[] {
    return this.removeTracks([...this.tracks.keys()], timestampMs);
  }

  private observe(t: TrackFoot, timestampMs: number): UnsentEntranceEvent | null {
    let s = this.tracks.get(t.id);
    if (!s) {
      s = { side: null, anchor: null, pending: null, lastSeenMs: timestampMs };
      this.tracks.set(t.id, s);
    }
    s.lastSeenMs = timestampMs;
    const side = this.sideOf(t.foot);
    if (side === null) return null; // exactly on the line: no evidence either way
    if (s.side === null || s.anchor === null) {
      s.side = side;
      s.anchor = t.foot;
      return null;
    }
    if (side === s.side) {
      s.anchor = t.foot;
      s.pending = null; // came back before confirming: flicker, not a crossing
      return null;
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
    return p.throughSegment ? this.event(t.id, p) : null;
  }

  private sideOf(foot: Point): Side | null {
    const cross = sideOfLine(foot, this.line);
    if (cross === 0) return null;
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
