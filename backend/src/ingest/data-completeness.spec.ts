import { localHourStarts, startOfLocalDay } from '../common/store-clock.ts';
import {
  completeness,
  COVERAGE_SLOT_MS,
  coverageDay,
  coveredShares,
  isIncomplete,
  mergedIntervals,
  MIN_COMPLETENESS,
  storeCompleteness,
  vouches,
  type HeartbeatSample,
} from './data-completeness.ts';

const H = 3_600_000;
const T0 = Date.parse('2024-03-05T10:00:00Z');
const hourBuckets = (n: number, from = T0) => Array.from({ length: n }, (_, i) => ({ startMs: from + i * H, endMs: from + (i + 1) * H }));

/** Heartbeats every `everyS` seconds over [fromMs, toMs], all alike unless `state` says otherwise. */
function beats(fromMs: number, toMs: number, everyS = 30, f: (atMs: number) => Partial<HeartbeatSample> = () => ({})): HeartbeatSample[] {
  const out: HeartbeatSample[] = [];
  for (let t = fromMs; t <= toMs; t += everyS * 1000) out.push({ atMs: t, streamState: 'streaming', fps: 5, targetFps: 5, ...f(t) });
  return out;
}
const opts = { nowMs: T0 + 100 * H, firstHeartbeatMs: T0 - H };

describe('completeness (share of a bucket really analysed)', () => {
  it.each<[string, HeartbeatSample[], number[] | (number | null)[]]>([
    ['heartbeats every 30 s, streaming at target: complete', beats(T0 - 30_000, T0 + 2 * H), [1, 1]],
    ['a 20-minute gap (outage) in the first hour', [...beats(T0 - 30_000, T0 + 20 * 60_000), ...beats(T0 + 40 * 60_000, T0 + 2 * H)], [2 / 3, 1]],
    ['a gap of 90 s still counts, 120 s does not', [...beats(T0 - 90_000, T0 + H, 90), ...beats(T0 + H + 120_000, T0 + 2 * H, 120)], [1, 0]],
    [
      'stalled for the first half hour',
      beats(T0 - 30_000, T0 + 2 * H, 30, (t) => ({ streamState: t <= T0 + 30 * 60_000 ? 'stalled' : 'streaming' })),
      [0.5, 1],
    ],
    [
      'stream ended at 10:45: nothing after',
      beats(T0 - 30_000, T0 + 2 * H, 30, (t) => ({ streamState: t <= T0 + 45 * 60_000 ? 'streaming' : 'ended' })),
      [0.75, 0],
    ],
    ['reconnecting counts as not analysed', beats(T0 - 30_000, T0 + H, 30, () => ({ streamState: 'reconnecting' })), [0]],
    ['low fps: 3 of target 5 (< 80 %) is not analysed', beats(T0 - 30_000, T0 + H, 30, () => ({ fps: 3 })), [0]],
    ['4 of target 5 (exactly 80 %) is', beats(T0 - 30_000, T0 + H, 30, () => ({ fps: 4 })), [1]],
    ['a camera with its own target: 10 of 12 fps is enough', beats(T0 - 30_000, T0 + H, 30, () => ({ fps: 10, targetFps: 12 })), [1]],
    ['no target reported (older edge): any fps > 0', beats(T0 - 30_000, T0 + H, 30, () => ({ targetFps: null, fps: 0.5 })), [1]],
    ['no fps reported: not analysed', beats(T0 - 30_000, T0 + H, 30, () => ({ fps: null })), [0]],
    ['no heartbeats at all in the hours (after the first ever): 0', [], [0, 0]],
  ])('%s', (_name, hbs, expected) => {
    const got = completeness(hbs, hourBuckets(expected.length), opts);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i] as number, 3));
  });

  it("unknown (null) before the camera's first heartbeat ever, and for buckets that have not started", () => {
    const hbs = beats(T0 + H, T0 + 2 * H);
    expect(completeness(hbs, hourBuckets(3), { nowMs: T0 + 2 * H, firstHeartbeatMs: T0 + H })).toEqual([null, expect.any(Number), null]);
    expect(completeness([], hourBuckets(2), { nowMs: T0 + 5 * H, firstHeartbeatMs: null })).toEqual([null, null]);
  });

  it('the hour in progress is judged on what has passed', () => {
    const hbs = beats(T0 - 30_000, T0 + 30 * 60_000);
    expect(completeness(hbs, hourBuckets(1), { nowMs: T0 + 30 * 60_000, firstHeartbeatMs: T0 - H })[0]).toBeCloseTo(1, 5);
  });

  it('an interval across a bucket boundary is split between the two', () => {
    const hbs: HeartbeatSample[] = [T0 - 30_000, T0 + H - 20_000, T0 + H + 40_000].map((atMs) => ({ atMs, streamState: 'streaming', fps: 5, targetFps: 5 }));
    // Only the last interval (60 s) is short enough: 20 s in the first hour, 40 s in the second.
    const [a, b] = completeness(hbs, hourBuckets(2), opts);
    expect(a! * 3600).toBeCloseTo(20, 5);
    expect(b! * 3600).toBeCloseTo(40, 5);
  });

  it('DST: the local hours of a spring-forward and a fall-back day are whatever UTC instants they span', () => {
    const tz = 'Europe/Paris';
    // 2024-03-31: 23 local hours; 2024-10-27: 25 (the repeated 02:00 is two UTC hours).
    for (const [date, next, hours] of [
      ['2024-03-31', '2024-04-01', 23],
      ['2024-10-27', '2024-10-28', 25],
    ] as const) {
      const from = startOfLocalDay(date, tz);
      const to = startOfLocalDay(next, tz);
      const starts = localHourStarts(from, to);
      expect(starts).toHaveLength(hours);
      const buckets = starts.map((s) => ({ startMs: s, endMs: s + H }));
      const hbs = beats(from - 30_000, to, 30, (t) => ({ streamState: t > from + 2 * H && t <= from + 3 * H ? 'stalled' : 'streaming' }));
      const shares = completeness(hbs, buckets, { nowMs: to + H, firstHeartbeatMs: from - H });
      expect(shares.filter((s) => s === 0)).toHaveLength(1);
      expect(shares.filter((s) => s === 1)).toHaveLength(hours - 1);
      // One local day as one bucket: 23 or 25 hours long, one hour of it stalled.
      const [day] = completeness(hbs, [{ startMs: from, endMs: to }], { nowMs: to + H, firstHeartbeatMs: from - H });
      expect(day).toBeCloseTo((hours - 1) / hours, 5);
    }
  });

  it('vouches: gap, state and fps rules', () => {
    const hb = { atMs: 60_000, streamState: 'streaming', fps: 5, targetFps: 5 };
    expect(vouches(hb, 30_000)).toBe(true);
    expect(vouches(hb, 60_000)).toBe(false); // no interval
    expect(vouches({ ...hb, streamState: 'ended' }, 30_000)).toBe(false);
    expect(vouches(hb, -31_000)).toBe(false); // 91 s gap
  });
});

describe('storeCompleteness', () => {
  it('is the least complete entrance camera, ignores others and unknowns; all unknown → unknown', () => {
    const cams = [
      { capabilities: ['entrance'], shares: [1, 0.5, null] },
      { capabilities: ['entrance', 'zones'], shares: [0.95, null, null] },
      { capabilities: ['queue'], shares: [0, 0, 0] },
    ];
    expect(storeCompleteness(cams, 3)).toEqual([0.95, 0.5, null]);
    expect(storeCompleteness([{ capabilities: ['queue'], shares: [0.3] }], 1)).toEqual([0.3]);
  });

  it('isIncomplete uses the one threshold (90 %) and never flags unknown', () => {
    expect(MIN_COMPLETENESS).toBe(0.9);
    expect([isIncomplete(0.89), isIncomplete(0.9), isIncomplete(null)]).toEqual([true, false, false]);
  });
});

describe('compacted days (heartbeats kept as ms covered per quarter hour)', () => {
  const DAY = Date.parse('2024-03-05T00:00:00Z');
  const D = 86_400_000;
  /** Three days of heartbeats with an outage, a stall and a gap across midnight, and odd 37 s spacing. */
  const history = [
    ...beats(DAY - D, DAY + 3 * H + 17 * 60_000, 37),
    ...beats(DAY + 3 * H + 40 * 60_000, DAY + D - 60_000, 37, (t) => ({
      streamState: t > DAY + 9 * H && t < DAY + 9 * H + 7 * 60_000 ? 'stalled' : 'streaming',
    })),
    ...beats(DAY + D + 50_000, DAY + 2 * D, 29), // 110 s silent across midnight: not vouched
  ];
  const window = (from: number) => history.filter((h) => h.atMs >= from - 90_000 && h.atMs < from + D + 90_000);
  const days = [DAY - D, DAY, DAY + D].map((d) => coverageDay(window(d), d));
  const opts2 = { nowMs: DAY + 10 * D, firstHeartbeatMs: DAY - D };
  /** Local hours of a +05:30 zone, local days of a −05:00 zone, UTC quarter hours: all whole slots. */
  const bucketSets: [string, { startMs: number; endMs: number }[]][] = [
    [
      'Asia/Kolkata hours',
      localHourStarts(startOfLocalDay('2024-03-05', 'Asia/Kolkata'), startOfLocalDay('2024-03-06', 'Asia/Kolkata')).map((h) => ({ startMs: h, endMs: h + H })),
    ],
    [
      'America/New_York days',
      ['2024-03-04', '2024-03-05'].map((d) => ({ startMs: startOfLocalDay(d, 'America/New_York'), endMs: startOfLocalDay(d, 'America/New_York') + D })),
    ],
    [
      'UTC quarter hours across midnight',
      Array.from({ length: 8 }, (_, i) => ({ startMs: DAY + D - H + i * COVERAGE_SLOT_MS, endMs: DAY + D - H + (i + 1) * COVERAGE_SLOT_MS })),
    ],
  ];

  it.each(bucketSets)('%s: the same shares from the compacted days as from the heartbeats', (_name, buckets) => {
    const fromHeartbeats = completeness(history, buckets, opts2);
    // Everything before DAY + D compacted, the rest still heartbeats (only those from 90 s before the cut are read).
    const cut = DAY + D;
    const merged = coveredShares(
      mergedIntervals(
        days,
        cut,
        history.filter((h) => h.atMs >= cut - 90_000),
      ),
      buckets,
      opts2,
    );
    merged.forEach((m, i) => expect(m).toBeCloseTo(fromHeartbeats[i] as number, 6));
    expect(fromHeartbeats.some((f) => f !== null && f < 1)).toBe(true);
  });

  it.each([
    ['a full day streaming', 0, 96 * COVERAGE_SLOT_MS],
    ['the outage 03:17–03:40, the 7-minute stall and the silence from 23:59', 1, 96 * COVERAGE_SLOT_MS - 23 * 60_000 - 7 * 60_000 - 60_000],
  ])('%s: ms covered in the day', (_name, index, expected) => {
    const total = days[index].coveredMs.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - expected) / 1000).toBeLessThan(3 * 37); // three silences, each edge within one 37 s beat
  });

  it('a compacted day at or after the cut is ignored (its heartbeats are read instead)', () => {
    const fromDays = mergedIntervals(days, DAY, []);
    expect(fromDays.every(([, b]) => b <= DAY)).toBe(true);
    expect(mergedIntervals([], DAY, history).every(([a]) => a >= DAY)).toBe(true);
  });
});
