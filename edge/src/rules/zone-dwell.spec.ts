import { storeEventSchema } from '../../../shared/src/events.ts';
import type { Point, Polygon } from '../vision/geometry.ts';
import type { TrackFoot } from './frame-rule.ts';
import { ZoneDwellTracker, ZonePresenceTracker, type UnsentZoneEvent } from './zone-dwell.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const FRAME_MS = 100;
const at = (frame: number) => T0 + frame * FRAME_MS;
const iso = (frame: number) => new Date(at(frame)).toISOString();
const personKey = (id: number) => `p-${id}`;

const SQUARE: Polygon = [
  [0, 0],
  [100, 0],
  [100, 100],
  [0, 100],
];
const IN: Point = [50, 50];
const OUT: Point = [150, 50];

type Step = 'in' | 'out' | 'gone';
/** `spec` like [['in', 30], ['out', 20]]: frame-by-frame presence of one track. */
const timeline = (...spec: Array<[Step, number]>): Step[] => spec.flatMap(([s, n]) => Array<Step>(n).fill(s));

interface Emitted {
  frame: number;
  event: UnsentZoneEvent;
}

function play(rule: ZoneDwellTracker, steps: Step[], id = 1): Emitted[] {
  const out: Emitted[] = [];
  steps.forEach((s, frame) => {
    const tracks: TrackFoot[] = s === 'gone' ? [] : [{ id, foot: s === 'in' ? IN : OUT }];
    for (const event of rule.update(tracks, at(frame))) out.push({ frame, event });
  });
  return out;
}

const newRule = () => new ZoneDwellTracker({ fitting_rooms: SQUARE }, { personKey });

describe('ZoneDwellTracker', () => {
  // Defaults: enter after 500 ms inside, exit after 1500 ms seen outside or 10 s unseen (the tracker's removal sooner).
  it.each<[string, Step[], Array<{ frame: number; enter: number; exit: number; dwell: number }>]>([
    ['a 3 s visit', timeline(['out', 5], ['in', 30], ['out', 20]), [{ frame: 49, enter: 5, exit: 34, dwell: 2.9 }]],
    ['passing through a corner (0.4 s) is not a visit', timeline(['out', 5], ['in', 4], ['out', 30]), []],
    ['inside exactly the debounce is a visit', timeline(['in', 6], ['out', 20]), [{ frame: 20, enter: 0, exit: 5, dwell: 0.5 }]],
    [
      'a step out shorter than the grace period is one visit',
      timeline(['in', 20], ['out', 10], ['in', 20], ['out', 20]),
      [{ frame: 64, enter: 0, exit: 49, dwell: 4.9 }],
    ],
    [
      'a step out longer than the grace period is two visits',
      timeline(['in', 20], ['out', 20], ['in', 20], ['out', 20]),
      [
        { frame: 34, enter: 0, exit: 19, dwell: 1.9 },
        { frame: 74, enter: 40, exit: 59, dwell: 1.9 },
      ],
    ],
    [
      'an occlusion shorter than the grace period is one visit',
      timeline(['in', 20], ['gone', 10], ['in', 20], ['gone', 120]),
      [{ frame: 149, enter: 0, exit: 49, dwell: 4.9 }],
    ],
    [
      // The tracker lost the person and found them again (its lost buffer is 6 s): still the same stay.
      'an occlusion longer than the exit grace is one visit',
      timeline(['in', 20], ['gone', 40], ['in', 20], ['out', 20]),
      [{ frame: 94, enter: 0, exit: 79, dwell: 7.9 }],
    ],
    [
      'lost inside, found outside: the exit grace runs from the last time inside',
      timeline(['in', 20], ['gone', 10], ['out', 20]),
      [{ frame: 34, enter: 0, exit: 19, dwell: 1.9 }],
    ],
    ['seen outside, then lost: the exit grace applies', timeline(['in', 20], ['out', 2], ['gone', 20]), [{ frame: 34, enter: 0, exit: 19, dwell: 1.9 }]],
    [
      'vanishing with no removal ends the visit after 10 s unseen, at the last time seen inside',
      timeline(['in', 20], ['gone', 120]),
      [{ frame: 119, enter: 0, exit: 19, dwell: 1.9 }],
    ],
    ['flickering out during the debounce restarts it', timeline(['in', 4], ['out', 1], ['in', 4], ['out', 1], ['in', 4], ['out', 20]), []],
  ])('%s', (_name, steps, expected) => {
    const emitted = play(newRule(), steps);
    expect(emitted.map(({ frame, event }) => ({ frame, event }))).toEqual(
      expected.map(({ frame, enter, exit, dwell }) => ({
        frame,
        event: {
          type: 'zone',
          ts: iso(exit),
          zone_id: 'fitting_rooms',
          enter_ts: iso(enter),
          exit_ts: iso(exit),
          dwell_seconds: dwell,
          person_key: 'p-1',
        },
      })),
    );
    for (const { event } of emitted) expect(storeEventSchema.safeParse(event).success).toBe(true);
  });

  it('counts current occupancy once entered, through the grace period, until exit', () => {
    const rule = newRule();
    const counts = timeline(['in', 10], ['out', 20]).map((s, f) => {
      rule.update(s === 'in' ? [{ id: 1, foot: IN }] : [{ id: 1, foot: OUT }], at(f));
      return rule.currentCount('fitting_rooms');
    });
    expect(counts.slice(0, 5)).toEqual([0, 0, 0, 0, 0]); // debouncing
    expect(counts.slice(5, 24)).toEqual(Array(19).fill(1)); // inside, then grace period
    expect(counts.slice(24)).toEqual(Array(6).fill(0));
    expect(rule.currentCount('no_such_zone')).toBe(0);
    expect(rule.occupancy()).toEqual({ fitting_rooms: 0 });
  });

  it('handles several people and overlapping zones independently', () => {
    const rule = new ZoneDwellTracker(
      {
        left: [
          [0, 0],
          [60, 0],
          [60, 100],
          [0, 100],
        ],
        right: [
          [40, 0],
          [100, 0],
          [100, 100],
          [40, 100],
        ],
      },
      { personKey },
    );
    for (let f = 0; f < 20; f++) {
      rule.update(
        [
          { id: 1, foot: [10, 50] },
          { id: 2, foot: [50, 50] },
        ],
        at(f),
      );
    }
    expect(rule.occupancy()).toEqual({ left: 2, right: 1 });
    const events = rule.close(at(20));
    expect(events.map((e) => [e.zone_id, e.person_key])).toEqual([
      ['left', 'p-1'],
      ['left', 'p-2'],
      ['right', 'p-2'],
    ]);
    expect(rule.occupancy()).toEqual({ left: 0, right: 0 });
  });

  it('ends the visit of a removed track at once, at the last time seen inside', () => {
    const rule = newRule();
    play(rule, timeline(['in', 20], ['gone', 3]));
    expect(rule.removeTracks([1], at(23))).toEqual([expect.objectContaining({ enter_ts: iso(0), exit_ts: iso(19), dwell_seconds: 1.9 })]);
    expect(rule.currentCount('fitting_rooms')).toBe(0);
    expect(rule.update([], at(60))).toEqual([]); // not emitted a second time
  });

  it('removing a track that is still debouncing or unknown emits nothing', () => {
    const rule = newRule();
    play(rule, timeline(['in', 3]));
    expect(rule.removeTracks([1, 99], at(3))).toEqual([]);
  });

  it('close() emits every open visit (including those in their grace period) and nothing twice', () => {
    const rule = newRule();
    for (let f = 0; f < 30; f++) {
      const tracks: TrackFoot[] = [
        { id: 1, foot: IN },
        { id: 2, foot: f < 25 ? IN : OUT }, // in grace period at shutdown
        { id: 3, foot: f < 27 ? OUT : IN }, // still debouncing at shutdown
      ];
      rule.update(tracks, at(f));
    }
    const events = rule.close(at(30));
    expect(events.map((e) => [e.person_key, e.exit_ts, e.dwell_seconds])).toEqual([
      ['p-1', iso(29), 2.9],
      ['p-2', iso(24), 2.4],
    ]);
    expect(rule.close(at(31))).toEqual([]);
  });
});

describe('ZonePresenceTracker', () => {
  it('reports raw visits with millisecond times and honours its options', () => {
    const presence = new ZonePresenceTracker({ z: SQUARE }, { enterDebounceMs: 0, exitGraceMs: 200, unseenGraceMs: 400 });
    presence.update([{ id: 4, foot: IN }], 1000);
    presence.update([{ id: 5, foot: IN }], 1000);
    expect(presence.currentCount('z')).toBe(2);
    presence.update([{ id: 4, foot: IN }], 1150);
    presence.update([{ id: 4, foot: OUT }], 1300);
    expect(presence.update([], 1350)).toEqual([{ zoneId: 'z', trackId: 4, enterMs: 1000, exitMs: 1150 }]);
    expect(presence.update([], 1399)).toEqual([]);
    expect(presence.update([], 1400)).toEqual([{ zoneId: 'z', trackId: 5, enterMs: 1000, exitMs: 1000 }]);
    expect(presence.zoneIds).toEqual(['z']);
  });
});
