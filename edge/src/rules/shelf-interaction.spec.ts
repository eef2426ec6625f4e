import { storeEventSchema } from '../../../shared/src/events.ts';
import type { Point, Polygon } from '../vision/geometry.ts';
import { ShelfInteractionDetector, type UnsentShelfEvent } from './shelf-interaction.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const at = (frame: number) => T0 + frame * 100;
const personKey = (id: number) => `p-${id}`;

const FRONT_OF_SHELF: Polygon = [
  [0, 0],
  [100, 0],
  [100, 40],
  [0, 40],
];
const AT_SHELF: Point = [50, 20];
const AWAY: Point = [50, 200];

/** One person at the shelf for `frames` frames (100 ms each), then walking away. */
function stay(frames: number, minDwellMs?: number): UnsentShelfEvent[] {
  const rule = new ShelfInteractionDetector({ snacks: FRONT_OF_SHELF }, { personKey, minDwellMs });
  const events: UnsentShelfEvent[] = [];
  for (let f = 0; f < frames + 30; f++) events.push(...rule.update([{ id: 1, foot: f < frames ? AT_SHELF : AWAY }], at(f)));
  return events;
}

describe('ShelfInteractionDetector', () => {
  // Dwell = last frame at the shelf − first frame there = (frames − 1) × 100 ms.
  it.each<[string, number, number | undefined, number[]]>([
    ['walking past (0.9 s)', 10, undefined, []],
    ['just under the default minimum (2.4 s)', 25, undefined, []],
    ['exactly the default minimum (2.5 s)', 26, undefined, [2.5]],
    ['browsing (6 s)', 61, undefined, [6]],
    ['custom minimum, under (1.9 s < 2 s)', 20, 2000, []],
    ['custom minimum, over (2 s)', 21, 2000, [2]],
  ])('%s', (_name, frames, minDwellMs, dwells) => {
    const events = stay(frames, minDwellMs);
    expect(events.map((e) => e.dwell_seconds)).toEqual(dwells);
    for (const e of events) {
      expect(e).toMatchObject({ type: 'shelf', shelf_id: 'snacks', person_key: 'p-1', ts: new Date(at(frames - 1)).toISOString() });
      expect(storeEventSchema.safeParse(e).success).toBe(true);
    }
  });

  it('close() emits open stays that already reached the minimum, and only those', () => {
    const rule = new ShelfInteractionDetector({ snacks: FRONT_OF_SHELF }, { personKey });
    for (let f = 0; f < 40; f++) {
      rule.update([{ id: 1, foot: AT_SHELF }, ...(f >= 30 ? [{ id: 2, foot: AT_SHELF }] : [])], at(f));
    }
    expect(rule.currentCount('snacks')).toBe(2);
    expect(rule.close(at(40))).toEqual([{ type: 'shelf', ts: new Date(at(39)).toISOString(), shelf_id: 'snacks', dwell_seconds: 3.9, person_key: 'p-1' }]);
  });

  it('a removed track ends its stay at once', () => {
    const rule = new ShelfInteractionDetector({ snacks: FRONT_OF_SHELF }, { personKey });
    for (let f = 0; f < 31; f++) rule.update([{ id: 5, foot: AT_SHELF }], at(f));
    expect(rule.removeTracks([5], at(32)).map((e) => [e.person_key, e.dwell_seconds])).toEqual([['p-5', 3]]);
  });
});
