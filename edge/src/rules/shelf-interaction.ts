// A shelf interaction is a stay in the area in front of a shelf long enough to be looking at or
// handling products; walking past is not one.

import type { Polygon } from '../vision/geometry.ts';
import type { ShelfEvent } from '../../../shared/src/events.ts';
import { isoTimestamp, roundedSeconds, type FrameRule, type PersonKey, type TrackFoot, type UnsentEvent } from './frame-rule.ts';
import { ZonePresenceTracker, type ZonePresenceOptions, type ZoneVisit } from './zone-dwell.ts';

export interface ShelfInteractionOptions extends ZonePresenceOptions {
  /** Stays shorter than this are passers-by and produce no event. */
  minDwellMs: number;
  personKey: PersonKey;
}

export const DEFAULT_MIN_SHELF_DWELL_MS = 2500;

export type UnsentShelfEvent = UnsentEvent<ShelfEvent>;

/** Emits one `shelf` event per stay of at least minDwellMs, when the stay ends (ts = last seen there). */
export class ShelfInteractionDetector implements FrameRule<UnsentShelfEvent> {
  private readonly presence: ZonePresenceTracker;
  private readonly minDwellMs: number;
  private readonly personKey: PersonKey;

  constructor(shelves: Readonly<Record<string, Polygon>>, opts: Partial<ShelfInteractionOptions> & Pick<ShelfInteractionOptions, 'personKey'>) {
    this.presence = new ZonePresenceTracker(shelves, opts);
    this.minDwellMs = opts.minDwellMs ?? DEFAULT_MIN_SHELF_DWELL_MS;
    this.personKey = opts.personKey;
  }

  update(tracks: ReadonlyArray<TrackFoot>, timestampMs: number): UnsentShelfEvent[] {
    return this.toEvents(this.presence.update(tracks, timestampMs));
  }

  removeTracks(ids: Iterable<number>, timestampMs: number): UnsentShelfEvent[] {
    return this.toEvents(this.presence.removeTracks(ids, timestampMs));
  }

  close(timestampMs: number): UnsentShelfEvent[] {
    return this.toEvents(this.presence.close(timestampMs));
  }

  /** People at the shelf right now (whether or not their stay will reach minDwellMs). */
  currentCount(shelfId: string): number {
    return this.presence.currentCount(shelfId);
  }

  private toEvents(visits: ZoneVisit[]): UnsentShelfEvent[] {
    return visits
      .filter((v) => v.exitMs - v.enterMs >= this.minDwellMs)
      .map((v) => ({
        type: 'shelf',
        ts: isoTimestamp(v.exitMs),
        shelf_id: v.zoneId,
        dwell_seconds: roundedSeconds(v.exitMs - v.enterMs),
        person_key: this.personKey(v.trackId),
      }));
  }
}
