import { storeEventSchema } from '../../../shared/src/events.ts';
import type { Point, Segment } from '../vision/geometry.ts';
import {
  defaultEntranceDoor,
  doorBandAround,
  FootfallCounter,
  lineAlongFrameEdge,
  type CountingMode,
  type FootfallCounterOptions,
  type UnsentEntranceEvent,
} from './entrance-line.ts';
import type { TrackFoot } from './frame-rule.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const FRAME_MS = 100;
const at = (frame: number) => T0 + frame * FRAME_MS;
const personKey = (id: number) => `p-${id}`;

// Drawn left→right across the doorway; the shop is below it on screen.
const DOOR: Segment = [
  [100, 300],
  [500, 300],
];

function counter(line: Segment = DOOR, insideSide: 'left' | 'right' = 'right', confirmFrames = 3) {
  return new FootfallCounter(line, { insideSide, confirmFrames, personKey });
}

/** Feeds one track along a path (null = not detected that frame); returns the directions counted. */
function walk(c: FootfallCounter, path: Array<Point | null>, id = 1): Array<'in' | 'out'> {
  const events: UnsentEntranceEvent[] = [];
  path.forEach((p, f) => events.push(...c.update(p ? [{ id, foot: p }] : [], at(f))));
  return events.map((e) => e.direction);
}

const vertical = (x: number, ys: number[]): Point[] => ys.map((y) => [x, y]);
const steps = (from: number, to: number, step: number) => {
  const out: number[] = [];
  for (let v = from; step > 0 ? v <= to : v >= to; v += step) out.push(v);
  return out;
};
/** ±2 px around the line, switching side every `period` frames. */
const oscillate = (frames: number, period: number, start: 'above' | 'below' = 'above') =>
  vertical(
    300,
    Array.from({ length: frames }, (_, f) => {
      const above = Math.floor(f / period) % 2 === 0;
      return 300 + (above === (start === 'above') ? -2 : 2);
    }),
  );

describe('FootfallCounter', () => {
  it.each<[string, Array<Point | null>, Array<'in' | 'out'>]>([
    ['crossing in', vertical(300, steps(250, 350, 10)), ['in']],
    ['crossing out', vertical(300, steps(350, 250, -10)), ['out']],
    ['in then back out', [...vertical(300, steps(250, 350, 10)), ...vertical(300, steps(340, 250, -10))], ['in', 'out']],
    ['first seen inside, staying inside', vertical(300, steps(320, 400, 10)), []],
    ['first seen inside, then leaving', vertical(200, steps(330, 250, -10)), ['out']],
    ['flicker: one frame across, then back', vertical(300, [280, 290, 302, 295, 290, 280]), []],
    ['flicker: two frames across, then back', vertical(300, [280, 290, 302, 304, 296, 290, 280]), []],
    ['exactly confirmFrames across', vertical(300, [280, 290, 302, 304, 306]), ['in']],
    ['one frame exactly on the line does not break a crossing', vertical(300, [280, 290, 300, 305, 310, 315]), ['in']],
    ['lingering: ±2 px every frame for 30 frames', oscillate(30, 1), []],
    ['lingering, then walking in', [...vertical(300, [260, 280]), ...oscillate(30, 1), ...vertical(300, steps(310, 360, 10))], ['in']],
    ['lingering, then walking back out', [...vertical(300, [260, 280]), ...oscillate(30, 1), ...vertical(300, steps(290, 240, -10))], []],
    // 4 frames per side, 32 frames: 7 confirmed side changes, each counted once, alternating.
    ['slow oscillation counts each confirmed change once', oscillate(32, 4), ['in', 'out', 'in', 'out', 'in', 'out', 'in']],
    ['crossing beyond the right end', vertical(600, steps(250, 350, 10)), []],
    ['crossing beyond the left end', vertical(50, steps(250, 350, 10)), []],
    ['crossing through the very end point', vertical(500, steps(250, 350, 10)), ['in']],
    [
      'walking round the end, then out through the door',
      [[450, 250], [550, 250], [600, 280], [600, 320], [550, 350], [300, 350], [300, 330], ...vertical(300, steps(290, 250, -10))],
      ['out'],
    ],
    [
      // The straight line from the last outside point to the later ones would cut the segment.
      'going round the end onto the inside, then walking along it',
      [
        [80, 280],
        [60, 295],
        [60, 305],
        [200, 305],
        [300, 305],
        [400, 305],
      ],
      [],
    ],
    ['occluded while crossing', [...vertical(300, [260, 270, 280]), null, null, null, ...vertical(300, [330, 340, 350])], ['in']],
    ['occluded while crossing beyond the end', [...vertical(600, [260, 270, 280]), null, null, ...vertical(600, [330, 340, 350])], []],
  ])('%s', (_name, path, expected) => {
    expect(walk(counter(), path)).toEqual(expected);
  });

  it.each<[string, Segment, 'left' | 'right', 'in' | 'out']>([
    ['drawn left→right, inside on the right (below)', DOOR, 'right', 'in'],
    ['drawn left→right, inside on the left (above)', DOOR, 'left', 'out'],
    ['drawn right→left, inside on the left (below)', [DOOR[1], DOOR[0]], 'left', 'in'],
    ['drawn right→left, inside on the right (above)', [DOOR[1], DOOR[0]], 'right', 'out'],
  ])('insideSide: walking down the screen, %s', (_name, line, insideSide, expected) => {
    expect(walk(counter(line, insideSide), vertical(300, steps(250, 350, 10)))).toEqual([expected]);
  });

  it('honours confirmFrames', () => {
    const path = vertical(300, [280, 290, 302, 304, 306, 308, 310]);
    const onFrame = (confirmFrames: number) => {
      const c = counter(DOOR, 'right', confirmFrames);
      return path.findIndex((p, f) => c.update([{ id: 1, foot: p }], at(f)).length > 0);
    };
    expect(onFrame(1)).toBe(2);
    expect(onFrame(3)).toBe(4);
    expect(onFrame(5)).toBe(6);
  });

  it('emits contract-valid events stamped with the crossing time and the caller’s person key', () => {
    const c = counter();
    const events = vertical(300, [280, 290, 310, 320, 330]).flatMap((p, f) => c.update([{ id: 7, foot: p }], at(f)));
    expect(events).toEqual([{ type: 'entrance', ts: '2024-03-01T10:00:00.200Z', direction: 'in', person_key: 'p-7' }]);
    for (const e of events) expect(storeEventSchema.safeParse(e).success).toBe(true);
  });

  it('counts several people independently', () => {
    const c = counter();
    const events: UnsentEntranceEvent[] = [];
    for (let f = 0; f < 12; f++) {
      const tracks: TrackFoot[] = [
        { id: 1, foot: [150, 250 + 10 * f] }, // walks in
        { id: 2, foot: [450, 360 - 10 * f] }, // walks out
        { id: 3, foot: [300, f % 2 ? 298 : 302] }, // dithers on the line
      ];
      events.push(...c.update(tracks, at(f)));
    }
    expect(events.map((e) => [e.person_key, e.direction])).toEqual([
      ['p-1', 'in'],
      ['p-2', 'out'],
    ]);
  });

  describe('when a track ends', () => {
    it('counts a crossing that vanished on the new side before being confirmed', () => {
      const c = counter();
      walk(c, vertical(300, [270, 280, 305]));
      expect(c.removeTracks([1], at(3)).map((e) => e.direction)).toEqual(['in']);
    });

    it('does not count a flicker that ended back on the old side', () => {
      const c = counter();
      walk(c, vertical(300, [270, 280, 305, 290]));
      expect(c.removeTracks([1], at(4))).toEqual([]);
    });

    it('does not count a pending side change that went round the end', () => {
      const c = counter();
      walk(c, vertical(600, [270, 280, 305]));
      expect(c.removeTracks([1], at(3))).toEqual([]);
    });

    it('forgets the track, so the same id seen again starts afresh', () => {
      const c = counter();
      walk(c, vertical(300, steps(250, 350, 10)));
      c.removeTracks([1], at(11));
      // Same id reappears inside and leaves: only the exit counts, once.
      expect(walk(c, vertical(300, steps(350, 250, -10)))).toEqual(['out']);
    });

    it('forgets tracks unseen for forgetAfterMs without being told', () => {
      const c = new FootfallCounter(DOOR, { insideSide: 'right', personKey, forgetAfterMs: 1000 });
      c.update([{ id: 1, foot: [300, 280] }], at(0));
      c.update([{ id: 1, foot: [300, 290] }], at(1));
      expect(c.update([], at(12))).toEqual([]);
      // Reappearing inside is a first sighting, not a crossing.
      expect(walk(c, vertical(300, [320, 330, 340, 350]))).toEqual([]);
    });

    it('close() flushes pending crossings and forgets everyone', () => {
      const c = counter();
      c.update(
        [
          { id: 1, foot: [300, 290] },
          { id: 2, foot: [300, 350] },
        ],
        at(0),
      );
      c.update(
        [
          { id: 1, foot: [300, 310] },
          { id: 2, foot: [300, 340] },
        ],
        at(1),
      );
      expect(c.close(at(2)).map((e) => [e.person_key, e.direction, e.ts])).toEqual([['p-1', 'in', new Date(at(1)).toISOString()]]);
      expect(c.close(at(3))).toEqual([]);
    });
  });

  describe('counting modes', () => {
    const make = (mode: CountingMode, extra: Partial<FootfallCounterOptions> = {}) =>
      new FootfallCounter(DOOR, { insideSide: 'right', personKey, mode, ...extra });
    /** Walks the path, then ends the track: every event the visit produced. */
    const visit = (c: FootfallCounter, path: Array<Point | null>) => [...walk(c, path), ...c.removeTracks([1], at(path.length)).map((e) => e.direction)];
    const zigzag = [...vertical(300, [260, 270, 280, 310, 320, 330]), ...vertical(300, [290, 280, 270]), ...vertical(300, [310, 320, 330])];

    it.each<[string, Array<Point | null>, Array<'in' | 'out'>, Array<'in' | 'out'>]>([
      // name, path, each_crossing, late
      ['crossing in', vertical(300, steps(250, 350, 10)), ['in'], ['in']],
      ['crossing out', vertical(300, steps(350, 250, -10)), ['out'], ['out']],
      ['zig-zag over the door line: in, out, in', zigzag, ['in', 'out', 'in'], ['in']],
      ['in, then back out', [...vertical(300, steps(260, 330, 10)), ...vertical(300, steps(320, 250, -10))], ['in', 'out'], []],
      ['slow oscillation on the line', oscillate(32, 4), ['in', 'out', 'in', 'out', 'in', 'out', 'in'], ['in']],
      ['crossing beyond the end', vertical(600, steps(250, 350, 10)), [], []],
      ['occluded while crossing, track ends unconfirmed', vertical(300, [270, 280, 305]), ['in'], ['in']],
    ])('%s', (_name, path, eachCrossing, late) => {
      expect(visit(make('each_crossing'), path)).toEqual(eachCrossing);
      expect(visit(make('late'), path)).toEqual(late);
    });

    it('late: counts when the person walks away from the line, stamped with the crossing time', () => {
      const c = make('late', { neighbourhoodPx: 50 });
      const events = vertical(300, steps(270, 400, 10)).flatMap((p, f) => c.update([{ id: 1, foot: p }], at(f)));
      // Crossed between frames 3 (300 = on the line) and 4 (310); counted once beyond 350, not at the end of the track.
      expect(events).toEqual([{ type: 'entrance', ts: new Date(at(4)).toISOString(), direction: 'in', person_key: 'p-1' }]);
      expect(c.removeTracks([1], at(20))).toEqual([]);
    });

    it('late: a second visit to the line counts again', () => {
      const c = make('late', { neighbourhoodPx: 40 });
      const there = vertical(300, steps(250, 360, 10));
      const back = vertical(300, steps(350, 240, -10));
      expect(visit(c, [...there, ...back])).toEqual(['in', 'out']);
    });
  });

  describe('door region (late mode)', () => {
    // The shop is below the line; its doorway is the band 20 px either side of the segment.
    const door = doorBandAround(DOOR, 20);
    const make = () => new FootfallCounter(DOOR, { insideSide: 'right', personKey, mode: 'late', door, neighbourhoodPx: 60 });
    const visit = (path: Array<Point | null>) => {
      const c = make();
      return [...walk(c, path), ...c.removeTracks([1], at(path.length)).map((e) => e.direction)];
    };

    it.each<[string, Array<Point | null>, Array<'in' | 'out'>]>([
      ['first seen in the doorway on the corridor side, walks away into the corridor', vertical(300, steps(288, 200, -8)), ['out']],
      ['first seen in the doorway on the shop side, walks into the shop', vertical(300, steps(312, 400, 8)), ['in']],
      ['walks from the corridor into the doorway and vanishes', vertical(300, steps(200, 290, 10)), ['in']],
      ['walks from the shop into the doorway and vanishes', vertical(300, steps(400, 310, -10)), ['out']],
      ['appears in the doorway and vanishes in it', vertical(300, [290, 292, 294, 292]), []],
      ['born in the doorway on the shop side, crosses out, walks away: one out', vertical(300, steps(315, 200, -5)), ['out']],
      ['walks in through the line and vanishes in the doorway: one in', vertical(300, steps(230, 315, 5)), ['in']],
      [
        'walks past the doorway along the corridor',
        [
          [50, 250],
          [150, 250],
          [300, 250],
          [450, 250],
          [550, 250],
        ],
        [],
      ],
      [
        'a zig-zag in the doorway, then away into the shop',
        [...vertical(300, [250, 260, 285, 305, 310, 315, 295, 290, 285, 310, 315, 320]), ...vertical(300, steps(330, 420, 10))],
        ['in'],
      ],
    ])('%s', (_name, path, expected) => {
      expect(visit(path)).toEqual(expected);
    });

    // close(): shutdown or the end of a replayed file, at the time of the last frame.
    it.each<[string, Array<Point | null>, Array<'in' | 'out'>]>([
      ['walked from the shop into the doorway, still in view on the last frame: not gone yet', vertical(300, steps(400, 310, -10)), []],
      ['walked from the shop into the doorway, lost there two frames before the end: out', [...vertical(300, steps(400, 310, -10)), null, null], ['out']],
      ['crossed the line into the doorway on the shop side, in view: the crossing counts', vertical(300, steps(250, 315, 5)), ['in']],
      ['born in the doorway, still standing in it: nothing', vertical(300, [292, 294, 292, 294]), []],
    ])('at close: %s', (_name, path, expected) => {
      const c = make();
      expect([...walk(c, path), ...c.close(at(path.length - 1)).map((e) => e.direction)]).toEqual(expected);
    });

    it('refuses a door region outside late mode', () => {
      expect(() => new FootfallCounter(DOOR, { insideSide: 'right', personKey, mode: 'each_crossing', door })).toThrow(/late/);
    });
  });

  describe('margin beyond the line', () => {
    // Standing 6 px outside the line; the box bottom jumps 4–5 px past it for four frames (legs hidden), then back.
    const jitter = vertical(300, [294, 294, 305, 304, 305, 305, 294, 294, 294]);
    it.each<[number, Array<'in' | 'out'>]>([
      [0, ['in', 'out']],
      [8, []],
    ])('margin %d px', (marginPx, expected) => {
      const c = new FootfallCounter(DOOR, { insideSide: 'right', personKey, marginPx });
      expect(walk(c, jitter)).toEqual(expected);
    });

    it('a real crossing still counts with a margin, once the foot is past it', () => {
      const c = new FootfallCounter(DOOR, { insideSide: 'right', personKey, marginPx: 8 });
      expect(walk(c, vertical(300, steps(250, 350, 10)))).toEqual(['in']);
    });
  });
});

describe('defaultEntranceDoor: auto on a line along an edge of the picture, none elsewhere', () => {
  const FRAME = [640, 480] as const;
  it.each<[string, Segment, boolean]>([
    [
      'left edge, full height (TUD)',
      [
        [25, 0],
        [25, 480],
      ],
      true,
    ],
    [
      'right edge, drawn bottom to top',
      [
        [615, 480],
        [615, 0],
      ],
      true,
    ],
    [
      'top edge, part of the width',
      [
        [100, 40],
        [300, 40],
      ],
      true,
    ],
    [
      'bottom edge, 10 % exactly',
      [
        [0, 432],
        [640, 432],
      ],
      true,
    ],
    [
      'one end near the edge, the other in the room',
      [
        [25, 0],
        [200, 480],
      ],
      false,
    ],
    [
      'across the middle',
      [
        [320, 0],
        [320, 480],
      ],
      false,
    ],
    [
      'near two different edges (a corner diagonal)',
      [
        [20, 100],
        [100, 460],
      ],
      false,
    ],
    [
      'just over 10 % in',
      [
        [65, 0],
        [65, 480],
      ],
      false,
    ],
  ])('%s', (_name, line, alongEdge) => {
    expect(lineAlongFrameEdge(line, FRAME)).toBe(alongEdge);
    expect(defaultEntranceDoor(line, FRAME)).toBe(alongEdge ? 'auto' : 'none');
  });
});
