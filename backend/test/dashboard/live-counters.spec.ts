import {
  averageSeconds,
  countersFromHash,
  countersFromTotals,
  durationMs,
  emptyCounters,
  hashFromCounters,
  liveMetrics,
  type StoreDayCounters,
} from '../../src/dashboard/live-counters.ts';
import { SUBJECT_KINDS } from '../../src/ingest/event-kinds.ts';

/** Every subject kind's group (event-kinds.ts), empty: a kind a fixture below does not spell out must come out empty. */
const noSubjects = () => Object.fromEntries(SUBJECT_KINDS.map(({ live }) => [live.group, {}]));

describe('live counters', () => {
  it('keeps durations as whole milliseconds, half up', () => {
    expect(durationMs(90)).toBe(90_000);
    expect(durationMs(12.5)).toBe(12_500);
    expect(durationMs(0.0004)).toBe(0);
    expect(durationMs(0.0005)).toBe(1);
  });

  it('averages to two decimals and answers 0 for nothing counted', () => {
    expect(averageSeconds(25_000, 2)).toBe(12.5);
    expect(averageSeconds(10_000, 3)).toBe(3.33);
    expect(averageSeconds(20_000, 3)).toBe(6.67);
    expect(averageSeconds(0, 0)).toBe(0);
  });

  const sample: StoreDayCounters = {
    ...emptyCounters(),
    in: 7,
    out: 3,
    sessions: { 0: { in: 5, out: 2 }, 1: { in: 1, out: 0 } },
    zones: { electronics: { entries: 4, dwellMs: 250_000 }, 'floor:2/toys': { entries: 1, dwellMs: 1 } },
    shelves: { shelf_A1: { interactions: 2, dwellMs: 25_000 } },
    queues: { checkout_1: { waits: 3, waitMs: 300_000, maxWaitMs: 150_000 } },
  };

  it('round-trips counters through Redis hash fields, ids with ":" included', () => {
    const flat = hashFromCounters(sample);
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    expect(fields['zn:floor:2/toys']).toBe('1');
    expect(countersFromHash(fields)).toEqual(sample);
    expect(countersFromHash({})).toEqual(emptyCounters());
  });

  it('ignores hash fields it does not know', () => {
    expect(countersFromHash({ in: '2', 'xx:whatever': '9' })).toEqual({ ...emptyCounters(), in: 2 });
  });

  it('builds the dashboard metrics: footfall is ins, occupancy in minus out', () => {
    expect(liveMetrics(sample, { electronics: 3, 'floor:2/toys': 1 })).toEqual({
      ...noSubjects(),
      footfall: 7,
      occupancy: 4,
      zones: { electronics: { entries: 4, unique_visitors: 3, avg_dwell: 62.5 }, 'floor:2/toys': { entries: 1, unique_visitors: 1, avg_dwell: 0 } },
      shelves: { shelf_A1: { interactions: 2, avg_dwell: 12.5 } },
      queues: { checkout_1: { waits: 3, avg_wait: 100, max_wait: 150 } },
    });
  });

  it('empty counters have every subject kind of the registry, each empty', () => {
    expect(emptyCounters()).toEqual({ in: 0, out: 0, sessions: {}, ...noSubjects() });
    expect(Object.keys(liveMetrics(emptyCounters(), {})).sort()).toEqual(['footfall', 'occupancy', ...SUBJECT_KINDS.map(({ live }) => live.group)].sort());
  });

  it('every subject kind of the registry round-trips through hash fields and PostgreSQL totals', () => {
    // One subject per kind, counters named as the registry says: 2 visits, 25 s in all, the longest 15 s.
    const counters = emptyCounters();
    const groups = counters as unknown as Record<string, Record<string, Record<string, number>>>;
    for (const { live } of SUBJECT_KINDS) {
      groups[live.group][`${live.group}:1`] = { [live.count]: 2, [live.ms]: 25_000, ...(live.maxMs ? { [live.maxMs]: 15_000 } : {}) };
    }
    const flat = hashFromCounters(counters);
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    expect(countersFromHash(fields)).toEqual(counters);
    const totals = countersFromTotals(
      SUBJECT_KINDS.map(({ kind, live }) => ({
        kind,
        id: `${live.group}:1`,
        n: 2,
        total: '25000',
        top: live.maxMs ? '15000' : '0',
        visitors: live.visitors ? 2 : 0,
      })),
    );
    expect(totals.counters).toEqual(counters);
    const metrics = liveMetrics(counters, totals.visitors) as unknown as Record<string, Record<string, Record<string, number>>>;
    for (const { live } of SUBJECT_KINDS) {
      expect(metrics[live.group]).toEqual({
        [`${live.group}:1`]: { [live.count]: 2, [live.avg]: 12.5, ...(live.max ? { [live.max]: 15 } : {}), ...(live.visitors ? { [live.visitors]: 2 } : {}) },
      });
    }
  });

  it('never shows occupancy below zero when exits outnumber entries', () => {
    expect(liveMetrics({ ...emptyCounters(), in: 2, out: 5 }, {}).occupancy).toBe(0);
  });

  it('reads the PostgreSQL totals (bigints arrive as strings)', () => {
    const { counters, visitors } = countersFromTotals([
      { kind: 'entrance', id: 'in', n: 7, total: '0', top: '0', visitors: 0 },
      { kind: 'entrance', id: 'out', n: 3, total: '0', top: '0', visitors: 0 },
      { kind: 'session', id: '0:in', n: 5, total: '0', top: '0', visitors: 0 },
      { kind: 'session', id: '0:out', n: 2, total: '0', top: '0', visitors: 0 },
      { kind: 'session', id: '1:in', n: 1, total: '0', top: '0', visitors: 0 },
      { kind: 'zone', id: 'electronics', n: 4, total: '250000', top: '0', visitors: 3 },
      { kind: 'zone', id: 'floor:2/toys', n: 1, total: '1', top: '0', visitors: 1 },
      { kind: 'shelf', id: 'shelf_A1', n: 2, total: '25000', top: '0', visitors: 0 },
      { kind: 'queue', id: 'checkout_1', n: 3, total: '300000', top: '150000', visitors: 0 },
    ]);
    expect(counters).toEqual(sample);
    expect(visitors).toEqual({ electronics: 3, 'floor:2/toys': 1 });
  });
});
