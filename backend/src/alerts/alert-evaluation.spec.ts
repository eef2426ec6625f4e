import type { CameraStatusView } from '../../../shared/src/read-contract.ts';
import type { OpeningHours } from '../admin/admin.dto.ts';
import type { TenantStatus } from '../admin/tenant-state.ts';
import {
  cameraProblem,
  durationTransition,
  lossTransition,
  newLosses,
  openSince,
  standDownReason,
  thresholdTransition,
  type Transition,
} from './alert-evaluation.ts';

const MIN = 60_000;

describe('thresholdTransition (hysteresis: fire at the threshold, resolve only below the clear threshold)', () => {
  const cases: [string, number, boolean, Transition][] = [
    ['below, quiet', 4, false, null],
    ['at the threshold fires', 5, false, 'fire'],
    ['above fires', 9, false, 'fire'],
    ['already firing: no second episode', 9, true, null],
    ['between clear and fire keeps firing', 4, true, null],
    ['at the clear threshold keeps firing', 3, true, null],
    ['below the clear threshold resolves', 2, true, 'resolve'],
    ['between clear and fire does not fire again', 4, false, null],
  ];
  it.each(cases)('%s', (_, value, firing, expected) => {
    expect(thresholdTransition(value, 5, 3, firing)).toBe(expected);
  });
});

describe('durationTransition (fires once the condition has held M minutes, resolves when it is false)', () => {
  const now = 1_000 * MIN;
  const cases: [string, number | null, boolean, Transition][] = [
    ['false, quiet', null, false, null],
    ['held 4 min of 5', now - 4 * MIN, false, null],
    ['held 5 min fires', now - 5 * MIN, false, 'fire'],
    ['held 30 min, firing: once', now - 30 * MIN, true, null],
    ['false again resolves', null, true, 'resolve'],
  ];
  it.each(cases)('%s', (_, since, firing, expected) => {
    expect(durationTransition(since, now, 5, firing)).toBe(expected);
  });
});

describe('lossTransition and newLosses (edge counters are cumulative since the edge started)', () => {
  const now = 1_000 * MIN;
  it.each([
    ['new losses fire', 3, now, false, 'fire'],
    ['more losses while firing: the same episode', 2, now, true, null],
    ['quiet 14 of 15 min keeps firing', 0, now - 14 * MIN, true, null],
    ['quiet 15 min resolves', 0, now - 15 * MIN, true, 'resolve'],
    ['quiet and not firing', 0, now - 60 * MIN, false, null],
  ] as [string, number, number, boolean, Transition][])('%s', (_, lost, last, firing, expected) => {
    expect(lossTransition(lost, last, now, 15, firing)).toBe(expected);
  });
  it.each([
    ['first heartbeat: all it reports', null, { dropped: 2, dead: 1 }, 3],
    ['unchanged counters: none', { dropped: 2, dead: 1 }, { dropped: 2, dead: 1 }, 0],
    ['grown counters: the difference', { dropped: 2, dead: 1 }, { dropped: 5, dead: 2 }, 4],
    ['edge restarted (counters fell): all of the new ones', { dropped: 9, dead: 4 }, { dropped: 1, dead: 0 }, 1],
  ] as [string, { dropped: number; dead: number } | null, { dropped: number; dead: number }, number][])('%s', (_, prev, cur, expected) => {
    expect(newLosses(prev, cur)).toBe(expected);
  });
});

describe('openSince (duration rules count only open time)', () => {
  const hours: OpeningHours = { mon: [['09:00', '20:00']], tue: [['09:00', '24:00']], wed: [['00:00', '02:00']], thu: [], fri: [], sat: [], sun: [] };
  const at = (s: string) => Date.parse(s);
  it.each([
    ['no opening hours: always open', null, '2024-01-01T03:00:00Z', Number.NEGATIVE_INFINITY],
    ['inside a range: since its opening', hours, '2024-01-01T10:30:00Z', at('2024-01-01T09:00:00Z')],
    ['before the opening: closed', hours, '2024-01-01T08:59:00Z', null],
    ['at the closing: closed', hours, '2024-01-01T20:00:00Z', null],
    ['a closed weekday', hours, '2024-01-04T12:00:00Z', null],
    ['past midnight of a 24:00 range running into 00:00: one opening', hours, '2024-01-03T01:00:00Z', at('2024-01-02T09:00:00Z')],
  ] as [string, OpeningHours | null, number | string, number | null][])('%s', (_, h, t, expected) => {
    expect(openSince(typeof t === 'string' ? Date.parse(t) : t, h, 'UTC')).toBe(expected);
  });
});

describe('cameraProblem', () => {
  const cam = (over: Partial<CameraStatusView>): CameraStatusView => ({
    camera_id: 'c1',
    name: 'c1',
    capabilities: [],
    status: 'online',
    stream_state: 'streaming',
    last_heartbeat: '2024-01-01T10:00:00Z',
    status_data: { fps_achieved: 5, target_fps: 5 },
    ...over,
  });
  it.each([
    ['online at its target rate', cam({}), null],
    ['offline', cam({ status: 'offline' }), 'offline'],
    ['stalled stream', cam({ status: 'not_analysing', stream_state: 'stalled' }), 'not_analysing'],
    ['below half its target fps', cam({ status_data: { fps_achieved: 2.4, target_fps: 5 } }), 'low_fps'],
    ['at half its target fps', cam({ status_data: { fps_achieved: 2.5, target_fps: 5 } }), null],
    ['no fps reported', cam({ status_data: {} }), null],
    ['never heard from (being installed)', cam({ status: 'offline', last_heartbeat: null, status_data: null }), null],
  ] as [string, CameraStatusView, string | null][])('%s', (_, c, reason) => {
    expect(cameraProblem(c, 0.5)?.reason ?? null).toBe(reason);
  });
});

describe('standDownReason (only stores that accept data are watched)', () => {
  const cases: [TenantStatus | undefined, TenantStatus, string | null][] = [
    ['active', 'active', null],
    ['active', 'disabled', 'store disabled'],
    ['active', 'deleted', 'store deleted'],
    ['disabled', 'active', 'organisation disabled'],
    ['deleted', 'active', 'organisation deleted'],
    [undefined, 'active', 'organisation deleted'],
    ['disabled', 'disabled', 'store disabled'],
  ];
  it.each(cases)('organisation %s, store %s → %s', (org, store, expected) => {
    expect(standDownReason(org, store)).toBe(expected);
  });
});
