import { dayBounds, dayStart, liveKeysExpireAt, localDate, nextDate, zoneOffsetMs } from '../../src/dashboard/store-day.ts';

const at = (iso: string) => Date.parse(iso);

describe('store-local day boundaries', () => {
  it.each([
    // Asia/Kolkata is UTC+05:30: local midnight is 18:30 UTC the evening before.
    ['2024-01-15T18:29:59.999Z', 'Asia/Kolkata', '2024-01-15'],
    ['2024-01-15T18:30:00.000Z', 'Asia/Kolkata', '2024-01-16'],
    // America/Los_Angeles is UTC-8 in winter (PST) and UTC-7 in summer (PDT).
    ['2024-01-16T07:59:59.999Z', 'America/Los_Angeles', '2024-01-15'],
    ['2024-01-16T08:00:00.000Z', 'America/Los_Angeles', '2024-01-16'],
    ['2024-07-01T06:59:59.999Z', 'America/Los_Angeles', '2024-06-30'],
    ['2024-07-01T07:00:00.000Z', 'America/Los_Angeles', '2024-07-01'],
    ['2024-01-15T23:59:59.999Z', 'UTC', '2024-01-15'],
    ['2024-12-31T10:59:59.999Z', 'Pacific/Auckland', '2024-12-31'],
    ['2024-12-31T11:00:00.000Z', 'Pacific/Auckland', '2025-01-01'],
  ])('%s in %s is local date %s', (iso, tz, date) => {
    expect(localDate(at(iso), tz)).toBe(date);
  });

  it.each([
    ['2024-01-16', 'Asia/Kolkata', '2024-01-15T18:30:00.000Z'],
    ['2024-01-16', 'America/Los_Angeles', '2024-01-16T08:00:00.000Z'],
    ['2024-07-01', 'America/Los_Angeles', '2024-07-01T07:00:00.000Z'],
    ['2024-01-16', 'UTC', '2024-01-16T00:00:00.000Z'],
    ['2024-01-16', 'Asia/Kathmandu', '2024-01-15T18:15:00.000Z'],
    // Chile skips local midnight on its DST day (00:00 → 01:00): the day starts at the first instant that exists.
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z'],
  ])('%s starts in %s at %s', (date, tz, iso) => {
    const start = dayStart(date, tz);
    expect(start.toISOString()).toBe(iso);
    expect(localDate(start.getTime(), tz)).toBe(date);
    expect(localDate(start.getTime() - 1, tz)).not.toBe(date);
  });

  it('makes DST days 23 and 25 hours long in Los Angeles', () => {
    const spring = dayBounds('2024-03-10', 'America/Los_Angeles');
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(23);
    const autumn = dayBounds('2024-11-03', 'America/Los_Angeles');
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(25);
    expect(autumn.start.toISOString()).toBe('2024-11-03T07:00:00.000Z');
  });

  it('knows zone offsets, half and quarter hours included', () => {
    expect(zoneOffsetMs(at('2024-01-15T12:00:00.250Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs(at('2024-01-15T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
    expect(zoneOffsetMs(at('2024-01-15T12:00:00Z'), 'America/Los_Angeles')).toBe(-8 * 3_600_000);
    expect(zoneOffsetMs(at('2024-07-15T12:00:00Z'), 'America/Los_Angeles')).toBe(-7 * 3_600_000);
  });

  it('steps calendar dates across month and year ends', () => {
    expect(nextDate('2024-02-28')).toBe('2024-02-29');
    expect(nextDate('2024-02-29')).toBe('2024-03-01');
    expect(nextDate('2024-12-31')).toBe('2025-01-01');
  });

  it('keeps live keys for at least a day after the local day ends in the latest zone (UTC-12)', () => {
    const expireAt = liveKeysExpireAt('2024-01-15') * 1000;
    const lastInstant = dayBounds('2024-01-15', 'Etc/GMT+12').end.getTime();
    expect(expireAt - lastInstant).toBeGreaterThanOrEqual(86_400_000);
    expect(expireAt - Date.parse('2024-01-15T00:00:00Z')).toBeLessThanOrEqual(3 * 86_400_000);
  });
});
