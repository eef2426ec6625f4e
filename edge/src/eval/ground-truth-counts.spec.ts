import type { StoreEvent } from '../../../shared/src/events.ts';
import type { Polygon, Segment } from '../vision/geometry.ts';
import { frameTimeMs, groundTruthCounts, lastFrames, relativeError, summariseEvents, zoneFigures, type CountingSetup } from './ground-truth-counts.ts';
import type { MotBox } from './mot-metrics.ts';

const FPS = 10; // 100 ms per frame

/** A 20×50 person whose feet are at (x, y). */
const person = (frame: number, id: number, x: number, y = 150): MotBox => ({ frame, id, box: [x - 10, y - 50, x + 10, y] });

/** One id walking along xs, one frame per x, starting at `firstFrame`. */
const walk = (id: number, xs: number[], firstFrame = 1): MotBox[] => xs.map((x, i) => person(firstFrame + i, id, x));
const range = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

// Vertical line x = 100 drawn top→bottom: walking down the screen, the walker's left is +x, so with
// insideSide 'left' the right half of the image is inside and left→right is "in".
const LINE: Segment = [
  [100, 0],
  [100, 200],
];
const MIDDLE: Polygon = [
  [50, 0],
  [150, 0],
  [150, 200],
  [50, 200],
];
const SETUP: CountingSetup = { line: LINE, insideSide: 'left', zones: { middle: MIDDLE } };

describe('groundTruthCounts', () => {
  it('counts one in, one out, and nothing for someone who stays on one side', () => {
    const gt = [...walk(1, range(20, 180, 10)), ...walk(2, range(180, 20, -10)), ...walk(3, range(20, 40, 1))];
    const truth = groundTruthCounts(gt, FPS, SETUP);
    expect(truth.in).toBe(1);
    expect(truth.out).toBe(1);
    expect(truth.crossings.map((c) => [c.trackId, c.direction])).toEqual([
      [1, 'in'],
      [2, 'out'],
    ]);
    // Person 1 is at x = 110 (first frame inside) on frame 10: 0.9 s after frame 1.
    expect(truth.crossings[0].atMs).toBe(900);
  });

  it('measures a zone visit from the first to the last frame inside', () => {
    // x = 50 … 150 is inside on frames 4 … 14: 10 intervals of 100 ms.
    const truth = groundTruthCounts(walk(1, range(20, 180, 10)), FPS, { zones: { middle: MIDDLE } });
    expect(truth.visits).toEqual([{ zoneId: 'middle', trackId: 1, dwellSeconds: 1 }]);
    expect(zoneFigures(truth, 'middle')).toEqual({ visits: 1, meanDwellSeconds: 1, totalDwellSeconds: 1 });
    expect(truth.in + truth.out).toBe(0); // no line configured
  });

  it('uses the rules options: a walk-through shorter than the enter debounce is not a visit', () => {
    const gt = walk(1, range(20, 180, 10));
    expect(groundTruthCounts(gt, FPS, { zones: { middle: MIDDLE }, enterDebounceMs: 1500 }).visits).toEqual([]);
  });

  it('a person who leaves the scene one frame after crossing still counts (ended, not undone)', () => {
    // Crosses on the last frame: the 3-frame confirmation cannot complete, the id's end confirms it.
    const truth = groundTruthCounts([...walk(1, [60, 80, 90, 110]), ...walk(2, range(20, 60, 5))], FPS, SETUP);
    expect(truth.crossings.map((c) => c.direction)).toEqual(['in']);
  });

  it('an id hidden for a few frames is the same person when it reappears (one visit, one crossing)', () => {
    const gt = [...walk(1, [60, 70, 80, 90]), ...walk(1, [130, 140, 150, 160], 9)];
    const truth = groundTruthCounts(gt, FPS, { ...SETUP, exitGraceMs: 1500 });
    expect(truth.in).toBe(1);
    // Inside from frame 1 (x=60) to frame 11 (x=150): 1.0 s, the 0.4 s gap included.
    expect(truth.visits).toEqual([{ zoneId: 'middle', trackId: 1, dwellSeconds: 1 }]);
  });

  it('anchors time at startMs and handles an empty sequence', () => {
    expect(frameTimeMs(1, 25, 1000)).toBe(1000);
    expect(frameTimeMs(26, 25, 1000)).toBe(2000);
    expect(groundTruthCounts([], FPS, SETUP)).toEqual({ in: 0, out: 0, crossings: [], visits: [] });
    expect(lastFrames([person(3, 1, 0), person(7, 1, 0), person(5, 2, 0)])).toEqual(
      new Map([
        [1, 7],
        [2, 5],
      ]),
    );
  });
});

describe('summariseEvents', () => {
  it('reads counts, visits and the track id at the end of the pipeline person_key', () => {
    const ts = '2024-03-01T10:00:00.000Z';
    const events: StoreEvent[] = [
      { type: 'entrance', ts, direction: 'in', person_key: 'cam_tud_ab12cd34_7' },
      { type: 'entrance', ts, direction: 'in', person_key: 'cam_tud_ab12cd34_8' },
      { type: 'entrance', ts, direction: 'out', person_key: 'cam_tud_ab12cd34_9' },
      { type: 'zone', ts, zone_id: 'middle', enter_ts: ts, exit_ts: ts, dwell_seconds: 1.5, person_key: 'cam_tud_ab12cd34_7' },
      { type: 'zone', ts, zone_id: 'middle', enter_ts: ts, exit_ts: ts, dwell_seconds: 2.5, person_key: 'cam_tud_ab12cd34_8' },
      { type: 'shelf', ts, shelf_id: 's', dwell_seconds: 3, person_key: 'x_1' },
    ];
    const s = summariseEvents(events);
    expect(s).toMatchObject({ in: 2, out: 1 });
    expect(s.crossings.map((c) => c.trackId)).toEqual([7, 8, 9]);
    expect(zoneFigures(s, 'middle')).toEqual({ visits: 2, meanDwellSeconds: 2, totalDwellSeconds: 4 });
    expect(zoneFigures(s, 'other').meanDwellSeconds).toBeNaN();
  });
});

describe('relativeError', () => {
  it('is |measured − truth| / truth, and never 0 for a phantom count', () => {
    expect(relativeError(19, 20)).toBeCloseTo(0.05, 12);
    expect(relativeError(22, 20)).toBeCloseTo(0.1, 12);
    expect(relativeError(0, 0)).toBe(0);
    expect(relativeError(1, 0)).toBe(Infinity);
  });
});
