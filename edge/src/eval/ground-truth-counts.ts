// The true footfall and zone visits of a ground-truth sequence, and the same figures read from what
// the pipeline emitted, so the two can be compared.
//
// Choice: the truth is derived by running the PRODUCT'S OWN rules (FootfallCounter, ZoneDwellTracker)
// with the same options, fed with the ground-truth boxes' foot points at the video's frame times, instead
// of a separate "ideal" definition of a crossing or a visit. A difference between truth and measurement
// then comes only from detection and tracking (missed people, broken or swapped ids, jittery boxes), not
// from rule details (confirm frames, debounce, grace) that would differ between two definitions. Whether
// the rules themselves count what an operator means is what their own unit tests establish.

import type { StoreEvent } from '../../../shared/src/events.ts';
import { FootfallCounter, DEFAULT_FOOTFALL_OPTIONS, type CountingMode } from '../rules/entrance-line.ts';
import { DEFAULT_ZONE_PRESENCE_OPTIONS, ZoneDwellTracker } from '../rules/zone-dwell.ts';
import type { Polygon, Segment } from '../vision/geometry.ts';
import { groundTruthFrames } from '../audit/clip-audit.ts';
import type { MotBox } from './mot-metrics.ts';

/** The counting geometry and rule options, in frame pixels; give the pipeline the very same values. */
export interface CountingSetup {
  line?: Segment;
  /** Side of `line` that is inside, for someone walking from its first point to its second (on screen). */
  insideSide?: 'left' | 'right';
  zones?: Readonly<Record<string, Polygon>>;
  confirmFrames?: number;
  /** Entrance counting as the camera is configured (defaults: the FootfallCounter's own). */
  mode?: CountingMode;
  marginPx?: number;
  door?: Polygon;
  enterDebounceMs?: number;
  exitGraceMs?: number;
}

export interface Crossing {
  trackId: number;
  direction: 'in' | 'out';
  /** Time of the crossing (first frame on the new side), epoch ms. */
  atMs: number;
}

export interface Visit {
  zoneId: string;
  trackId: number;
  dwellSeconds: number;
}

export interface CountSummary {
  in: number;
  out: number;
  crossings: Crossing[];
  visits: Visit[];
}

/** Epoch ms of 1-based MOT frame `frame` when frame 1 is shown at startMs. */
export function frameTimeMs(frame: number, fps: number, startMs = 0): number {
  return startMs + ((frame - 1) * 1000) / fps;
}

/** Frame after which each id never appears again: that is when it leaves the scene for good. */
export function lastFrames(boxes: readonly MotBox[]): Map<number, number> {
  const last = new Map<number, number>();
  for (const b of boxes) last.set(b.id, Math.max(last.get(b.id) ?? -Infinity, b.frame));
  return last;
}

/**
 * Plays the ground truth through the product's rules. Every frame from the first to the last ground-truth
 * frame is fed (empty frames too, so grace periods run on time); an id is ended (removeTracks) on the frame
 * after its last appearance, as the tracker would end a track that left for good; everything still open
 * is closed at the last frame, as the pipeline does when a replayed file ends.
 */
export function groundTruthCounts(gt: readonly MotBox[], fps: number, setup: CountingSetup, startMs = 0): CountSummary {
  if (gt.length === 0) return summariseEvents([]);
  const rules = buildRules(setup, (id) => String(id));
  const emitted: Array<Omit<StoreEvent, 'event_id'>> = [];

  // The frames as the audit feeds ground truth to a camera's rules (clip-audit.ts groundTruthFrames).
  const frames = groundTruthFrames(gt, fps, startMs);
  for (const f of frames) {
    for (const rule of rules) {
      emitted.push(...rule.update(f.feet, f.timestampMs));
      if (f.removed.length) emitted.push(...rule.removeTracks(f.removed, f.timestampMs));
    }
  }
  const lastMs = frames[frames.length - 1].timestampMs;
  for (const rule of rules) emitted.push(...rule.close(lastMs));
  return summariseEvents(emitted as StoreEvent[], (key) => Number(key));
}

function buildRules(setup: CountingSetup, personKey: (id: number) => string) {
  const rules: Array<FootfallCounter | ZoneDwellTracker> = [];
  if (setup.line) {
    rules.push(
      new FootfallCounter(setup.line, {
        insideSide: setup.insideSide ?? 'right',
        confirmFrames: setup.confirmFrames ?? DEFAULT_FOOTFALL_OPTIONS.confirmFrames,
        ...(setup.mode ? { mode: setup.mode } : {}),
        ...(setup.marginPx !== undefined ? { marginPx: setup.marginPx } : {}),
        ...(setup.door ? { door: setup.door } : {}),
        personKey,
      }),
    );
  }
  if (setup.zones && Object.keys(setup.zones).length) {
    rules.push(
      new ZoneDwellTracker(setup.zones, {
        enterDebounceMs: setup.enterDebounceMs ?? DEFAULT_ZONE_PRESENCE_OPTIONS.enterDebounceMs,
        exitGraceMs: setup.exitGraceMs ?? DEFAULT_ZONE_PRESENCE_OPTIONS.exitGraceMs,
        personKey,
      }),
    );
  }
  return rules;
}

/**
 * Entrance and zone figures from emitted events (the pipeline's, or the ground truth's). `trackIdOf` maps a
 * person_key back to a number for reports; by default the digits after the last "_" (the pipeline's keys
 * end in the track id).
 */
export function summariseEvents(events: ReadonlyArray<StoreEvent>, trackIdOf: (personKey: string) => number = trailingNumber): CountSummary {
  const crossings: Crossing[] = [];
  const visits: Visit[] = [];
  for (const e of events) {
    if (e.type === 'entrance') crossings.push({ trackId: trackIdOf(e.person_key), direction: e.direction, atMs: Date.parse(e.ts) });
    else if (e.type === 'zone') visits.push({ zoneId: e.zone_id, trackId: trackIdOf(e.person_key), dwellSeconds: e.dwell_seconds });
  }
  return {
    in: crossings.filter((c) => c.direction === 'in').length,
    out: crossings.filter((c) => c.direction === 'out').length,
    crossings,
    visits,
  };
}

function trailingNumber(key: string): number {
  const m = /(\d+)$/.exec(key);
  return m ? Number(m[1]) : NaN;
}

/** Visits and mean dwell of one zone. */
export function zoneFigures(summary: CountSummary, zoneId: string): { visits: number; meanDwellSeconds: number; totalDwellSeconds: number } {
  const dwell = summary.visits.filter((v) => v.zoneId === zoneId).map((v) => v.dwellSeconds);
  const total = dwell.reduce((s, d) => s + d, 0);
  return { visits: dwell.length, meanDwellSeconds: dwell.length ? total / dwell.length : NaN, totalDwellSeconds: total };
}

/**
 * |measured − truth| / truth. A truth of 0 gives 0 when measured is 0 too and Infinity otherwise, so a
 * phantom count is never reported as "0 % error".
 */
export function relativeError(measured: number, truth: number): number {
  if (truth === 0) return measured === 0 ? 0 : Infinity;
  return Math.abs(measured - truth) / truth;
}
