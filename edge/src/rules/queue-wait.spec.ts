import { storeEventSchema } from '../../../shared/src/events.ts';
import type { Point, Polygon } from '../vision/geometry.ts';
import type { TrackFoot } from './frame-rule.ts';
import { QueueWaitTracker, type UnsentQueueEvent } from './queue-wait.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const at = (frame: number) => T0 + frame * 100;
const iso = (frame: number) => new Date(at(frame)).toISOString();
const personKey = (id: number) => `p-${id}`;

const CHECKOUT_QUEUE: Polygon = [
  [0, 0],
  [200, 0],
  [200, 60],
  [0, 60],
];
const IN_QUEUE: Point = [100, 30];
const SERVED: Point = [100, 300];

describe('QueueWaitTracker', () => {
  it.each<[string, number, number, number]>([
    // [name, joins at frame, leaves after frame, expected wait seconds]
    ['a 12 s wait', 0, 120, 12],
    ['a 45.3 s wait', 10, 463, 45.3],
    ['a short wait just over the debounce', 0, 5, 0.5],
  ])('%s', (_name, joinFrame, lastFrame, wait) => {
    const rule = new QueueWaitTracker({ checkout: CHECKOUT_QUEUE }, { personKey });
    const events: UnsentQueueEvent[] = [];
    for (let f = 0; f <= lastFrame + 20; f++) {
      const foot = f >= joinFrame && f <= lastFrame ? IN_QUEUE : SERVED;
      events.push(...rule.update([{ id: 3, foot }], at(f)));
    }
    expect(events).toEqual([
      {
        type: 'queue',
        ts: iso(lastFrame),
        queue_id: 'checkout',
        enter_ts: iso(joinFrame),
        exit_ts: iso(lastFrame),
        wait_seconds: wait,
        person_key: 'p-3',
      },
    ]);
    expect(storeEventSchema.safeParse(events[0]).success).toBe(true);
  });

  it('exposes the live queue length per queue for the heartbeat', () => {
    const rule = new QueueWaitTracker(
      {
        checkout: CHECKOUT_QUEUE,
        returns: [
          [300, 0],
          [400, 0],
          [400, 60],
          [300, 60],
        ],
      },
      { personKey },
    );
    const lengths: number[] = [];
    for (let f = 0; f < 60; f++) {
      const tracks: TrackFoot[] = [
        { id: 1, foot: f < 40 ? IN_QUEUE : SERVED }, // served at frame 40
        ...(f >= 10 ? [{ id: 2, foot: IN_QUEUE }] : []),
        ...(f >= 20 ? [{ id: 3, foot: IN_QUEUE }] : []),
        { id: 4, foot: [350, 30] as Point },
      ];
      rule.update(tracks, at(f));
      lengths.push(rule.currentLength('checkout'));
    }
    expect(lengths[4]).toBe(0); // still debouncing
    expect(lengths[5]).toBe(1);
    expect(lengths[15]).toBe(2);
    expect(lengths[30]).toBe(3);
    expect(lengths[53]).toBe(3); // person 1 served, still within the grace period
    expect(lengths[54]).toBe(2);
    expect(rule.lengths()).toEqual({ checkout: 2, returns: 1 });
  });

  it('close() emits the waits still open at shutdown', () => {
    const rule = new QueueWaitTracker({ checkout: CHECKOUT_QUEUE }, { personKey });
    for (let f = 0; f < 50; f++)
      rule.update(
        [
          { id: 1, foot: IN_QUEUE },
          { id: 2, foot: f >= 30 ? IN_QUEUE : SERVED },
        ],
        at(f),
      );
    expect(rule.close(at(50)).map((e) => [e.person_key, e.enter_ts, e.exit_ts, e.wait_seconds])).toEqual([
      ['p-1', iso(0), iso(49), 4.9],
      ['p-2', iso(30), iso(49), 1.9],
    ]);
    expect(rule.lengths()).toEqual({ checkout: 0 });
  });
});
