// A shelf interaction is a stay in the area in front of a shelf long enough to be looking at or
// handling products; walking past is not one.

import type { Polygon } from '../vision/geometry.ts';
import type { ShelfEvent } from '../../../shared/src/events.ts';
import { isoTimestamp, roundedSeconds, type PersonKey, type UnsentEvent } from './frame-rule.ts';
import { VisitRule, type ZonePresenceOptions, type ZoneVisit } from './zone-dwell.ts';

export interface ShelfInteractionOptions extends ZonePresenceOptions {
  /** Stays shorter than this are passers-by and produce no event. */
  minDwellMs: number;
  personKey: PersonKey;
}

export const DEFAULT_MIN_SHELF_DWELL_MS = 2500;

export type UnsentShelfEvent = UnsentEvent<ShelfEvent>;

/** Emits one `shelf` event per stay of at least minDwellMs, when the stay ends (ts = last seen there). */
export class ShelfInteractionDetector extends VisitRule<UnsentShelfEvent> {
  private readonly minDwellMs: number;

  constructor(shelves: Readonly<Record<string, Polygon>>, opts: Partial<ShelfInteractionOptions> & Pick<ShelfInteractionOptions, 'personKey'>) {
    super(shelves, opts);
    this.minDwellMs = opts.minDwellMs ?? DEFAULT_MIN_SHELF_DWELL_MS;
  }

  protected toEvent(v: ZoneVisit): UnsentShelfEvent | null {
    if (v.exitMs - v.enterMs < this.minDwellMs) return null;
    return {
      type: 'shelf',
      ts: isoTimestamp(v.exitMs),
      shelf_id: v.zoneId,
      dwell_seconds: roundedSeconds(v.exitMs - v.enterMs),
      person_key: this.personKey(v.trackId),
    };
  }
}
