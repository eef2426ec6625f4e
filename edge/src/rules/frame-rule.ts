// What every event rule shares: the per-frame input, how a person is named in an event, and the
// lifecycle (frame updates, tracks ending, shutdown).

import type { Point } from '../vision/geometry.ts';

/** One tracked person in one frame: the tracker's id and where their feet are, in frame pixels. */
export interface TrackFoot {
  readonly id: number;
  readonly foot: Point;
}

/** Maps a tracker id to the pseudonymous person_key sent to the backend. */
export type PersonKey = (trackId: number) => string;

/** An event as a rule produces it; the outbox assigns event_id. */
export type UnsentEvent<E extends { event_id?: string }> = Omit<E, 'event_id'>;

export interface FrameRule<E> {
  /**
   * Feeds one frame. `tracks` are the people visible in it; a track missing from the input is
   * treated as not seen (occluded) until the rule's own grace period or removeTracks() ends it.
   * `timestampMs` is wall-clock epoch ms for the frame (the caller maps stream time to wall time)
   * and must not go backwards.
   */
  update(tracks: ReadonlyArray<TrackFoot>, timestampMs: number): E[];
  /** The tracker ended these tracks for good: close whatever they had open, forget them. */
  removeTracks(ids: Iterable<number>, timestampMs: number): E[];
  /** Shutdown: close everything still open and forget every track. */
  close(timestampMs: number): E[];
}

export function isoTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** Durations in events are reported to a tenth of a second. */
export function roundedSeconds(ms: number): number {
  return Math.round(Math.max(0, ms) / 100) / 10;
}
