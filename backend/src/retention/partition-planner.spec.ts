import { expiredMonths, expiryCutoff, missingMonths, monthOf, monthOfKey, monthOfPartition, monthsToHave, partitionName } from './partition-planner.ts';

const at = (iso: string) => Date.parse(iso);
const keys = (months: { key: string }[]) => months.map((m) => m.key);

describe('PartitionPlanner', () => {
  it.each([
    ['2026-12-05T08:00:00Z', 0, '202612', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', 1, '202701', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
    ['2026-01-01T00:00:00Z', -1, '202512', '2025-12-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ['2024-02-10T00:00:00Z', 0, '202402', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
  ])('monthOf(%s, %i) is %s [%s, %s)', (now, offset, key, from, to) => {
    const m = monthOf(at(now), offset);
    expect([m.key, new Date(m.fromMs).toISOString(), new Date(m.toMs).toISOString()]).toEqual([key, from, to]);
  });

  it.each([
    ['202612', '202612'],
    ['202613', null],
    ['202600', null],
    ['2026-12', null],
    ['default', null],
  ])('monthOfKey(%s) → %s', (key, expected) => {
    expect(monthOfKey(key)?.key ?? null).toBe(expected);
  });

  it.each([
    ['entrance_events', 'entrance_events_p202612', '202612'],
    ['entrance_events', 'entrance_events_default', null],
    ['zone_events', 'entrance_events_p202612', null],
    ['camera_heartbeats', 'camera_heartbeats_p202701', '202701'],
  ])('monthOfPartition(%s, %s) → %s', (table, name, expected) => {
    expect(monthOfPartition(table, name)?.key ?? null).toBe(expected);
  });

  it('names a partition by table and month, and reads the name back', () => {
    const name = partitionName('queue_events', monthOf(at('2027-03-15T00:00:00Z')));
    expect(name).toBe('queue_events_p202703');
    expect(monthOfPartition('queue_events', name)?.key).toBe('202703');
  });

  it.each([
    ['2026-12-05T08:00:00Z', 3, ['202612', '202701', '202702', '202703']],
    ['2026-11-30T23:59:59Z', 1, ['202611', '202612']],
    ['2026-12-05T08:00:00Z', 0, ['202612']],
  ])('at %s with %i ahead the months to have are %j', (now, ahead, expected) => {
    expect(keys(monthsToHave(at(now), ahead))).toEqual(expected);
  });

  it('misses only the months that do not exist yet', () => {
    const existing = ['202611', '202612', '202702'].map((k) => monthOfKey(k) as NonNullable<ReturnType<typeof monthOfKey>>);
    expect(keys(missingMonths(existing, monthsToHave(at('2026-12-05T00:00:00Z'), 3)))).toEqual(['202701', '202703']);
  });

  it.each([
    ['2026-12-05T08:00:00Z', { months: 13 }, '2025-11-05T08:00:00.000Z'],
    ['2026-03-31T12:00:00Z', { months: 1 }, '2026-02-28T12:00:00.000Z'],
    ['2024-03-31T12:00:00Z', { months: 1 }, '2024-02-29T12:00:00.000Z'],
    ['2026-12-05T08:00:00Z', { days: 30 }, '2026-11-05T08:00:00.000Z'],
    ['2026-12-05T08:00:00Z', { months: 0 }, '2026-12-05T08:00:00.000Z'],
  ])('at %s rows kept %j expire before %s', (now, keep, cutoff) => {
    expect(new Date(expiryCutoff(at(now), keep)).toISOString()).toBe(cutoff);
  });

  it.each([
    // 13 months at 2026-12-05: 2025-10 ended before the cutoff 2025-11-05; 2025-11 still holds unexpired rows.
    ['2025-11-05T08:00:00Z', ['202512', '202510', '202511', '202509'], ['202509', '202510']],
    ['2025-11-01T00:00:00Z', ['202510', '202511'], ['202510']],
    ['2025-10-31T23:59:59Z', ['202510', '202511'], []],
    ['2025-11-05T08:00:00Z', [], []],
  ])('with cutoff %s, of %j the expired months are %j (oldest first)', (cutoff, existing, expected) => {
    const months = existing.map((k) => monthOfKey(k) as NonNullable<ReturnType<typeof monthOfKey>>);
    expect(keys(expiredMonths(months, at(cutoff)))).toEqual(expected);
  });
});
