import type { Box } from './geometry.ts';
import { OcclusionAwareFeet } from './occlusion-aware-feet.ts';
import { FootfallCounter } from '../rules/entrance-line.ts';

/** A person 100 px tall standing with the top of the head at y = top, centred at x = 300. */
const person = (top: number, height = 100): Box => [280, top, 320, top + height];

describe('OcclusionAwareFeet', () => {
  it.each<[string, Box[], number[]]>([
    ['a whole box: foot at its bottom', [person(200), person(202)], [300, 302]],
    // Legs hidden for two frames: the box shrinks to 80 px with its top still; the foot stays at ~300.
    [
      'legs hidden: shrunk box, top still → foot from the smoothed height',
      [person(200), person(200), person(200, 80), person(201, 80), person(200)],
      [300, 300, 300, 301, 300],
    ],
    // Walking away from the camera: the top moves down as the box shrinks, so the box is taken as it is.
    ['walking away: shrinking with the top moving is not occlusion', [person(200), person(212, 85), person(224, 72)], [300, 297, 296]],
    ['slow shrink below the threshold follows the box', [person(200), person(200, 95), person(200, 91)], [300, 295, 291]],
    ['growing (walking towards the camera) follows the box', [person(200), person(195, 110)], [300, 305]],
  ])('%s', (_name, boxes, feetY) => {
    const feet = new OcclusionAwareFeet();
    expect(boxes.map((b) => Math.round(feet.foot(1, b)[1]))).toEqual(feetY);
  });

  it('keeps statures per track and forgets ended tracks', () => {
    const feet = new OcclusionAwareFeet();
    feet.foot(1, person(200));
    feet.foot(2, person(100, 50));
    expect(feet.foot(1, person(200, 70))[1]).toBe(300);
    expect(feet.foot(2, person(100, 50))[1]).toBe(150);
    feet.forget([1]);
    expect(feet.foot(1, person(200, 70))[1]).toBe(270); // a new track: no stature yet
  });

  it('a man beside a line whose legs are hidden is not counted out and in', () => {
    // The line at y = 290; he stands with his feet at y = 300, 10 px inside. Someone walks past and hides his
    // legs for 4 frames: the raw box bottom jumps up to 280, 10 px beyond the line on the other side.
    const line = [
      [100, 290],
      [500, 290],
    ] as const;
    const boxes = [
      person(200),
      person(200),
      person(200),
      person(200, 80),
      person(200, 80),
      person(201, 80),
      person(200, 80),
      person(200),
      person(200),
      person(200),
    ];
    const run = (footOf: (b: Box) => readonly [number, number]) => {
      const counter = new FootfallCounter(line, { insideSide: 'right', personKey: (id) => `p${id}`, confirmFrames: 3 });
      return boxes.flatMap((b, f) => counter.update([{ id: 1, foot: footOf(b) }], f * 200)).map((e) => e.direction);
    };
    const feet = new OcclusionAwareFeet();
    expect(run((b) => [(b[0] + b[2]) / 2, b[3]])).toEqual(['out', 'in']); // raw box bottoms: a phantom exit and entry
    expect(run((b) => feet.foot(1, b))).toEqual([]);
  });
});
