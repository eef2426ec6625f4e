// Where a tracked person's feet are, when the bottom of their box cannot be trusted.
//
// The counting point of every rule is the foot: the bottom-centre of the box. When someone walks in
// front of a person's legs (or a shelf, a pram, a counter hides them), the detector returns a shorter box
// whose TOP stays put while its BOTTOM jumps up by 10–20 px — next to a line, enough to "cross" it and
// back. So per track we keep a smoothed standing height, learnt only from boxes that look whole, and when
// a box suddenly shrinks with its top where it was, the foot is placed at top + that height instead.
import { footPoint, type Box, type Point } from './geometry.ts';

export interface OcclusionAwareFeetOptions {
  /** A box this much shorter than the smoothed height (share of it) is suspected of a hidden bottom. */
  shrinkShare: number;
  /** …if its top moved less than this share of the height (a person who crouches or walks away moves the top too). */
  topToleranceShare: number;
  /** Weight of each whole box in the smoothed height (exponential moving average). */
  smoothing: number;
}

export const DEFAULT_OCCLUSION_AWARE_FEET: OcclusionAwareFeetOptions = { shrinkShare: 0.15, topToleranceShare: 0.08, smoothing: 0.3 };

interface Stature {
  height: number;
  top: number;
}

export class OcclusionAwareFeet {
  private readonly statures = new Map<number, Stature>();
  private readonly opts: OcclusionAwareFeetOptions;

  constructor(opts: Partial<OcclusionAwareFeetOptions> = {}) {
    this.opts = { ...DEFAULT_OCCLUSION_AWARE_FEET, ...opts };
  }

  /** The foot of track `id` in this frame, from its (Kalman-filtered) box. */
  foot(id: number, box: Box): Point {
    const height = box[3] - box[1];
    const top = box[1];
    const known = this.statures.get(id);
    if (!known) {
      this.statures.set(id, { height, top });
      return footPoint(box);
    }
    const shrunk = height < known.height * (1 - this.opts.shrinkShare);
    const topStill = Math.abs(top - known.top) <= known.height * this.opts.topToleranceShare;
    known.top = top;
    if (shrunk && topStill) return [(box[0] + box[2]) / 2, top + known.height];
    known.height += this.opts.smoothing * (height - known.height);
    return footPoint(box);
  }

  /** Tracks that ended: their statures are no longer needed. */
  forget(ids: Iterable<number>): void {
    for (const id of ids) this.statures.delete(id);
  }
}
