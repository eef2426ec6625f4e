import {
  addDays, daysBetween, isCalendarDate, isoDow, localDate, localHourStarts, localIso, localParts, startOfLocalDay, startOfLocalHour,
} from './store-clock.ts';

const utc = (s: string) => Date.parse(s);

describe('store clock', () => {
  it('local midnight in whole-hour, half-hour and quarter-hour zones', () => {
    expect(new Date(startOfLocalDay('2024-01-15', 'UTC')).toISOString()).toBe('2024-01-15T00:00:00.000Z');
    expect(new Date(startOfLocalDay('2024-01-15', 'Europe/Paris')).toISOString()).toBe('2024-01-14T23:00:00.000Z');
    expect(new Date(startOfLocalDay('2024-01-15', 'Asia/Kolkata')).toISOString()).toBe('2024-01-14T18:30:00.000Z');
    expect(new Date(startOfLocalDay('2024-01-15', 'Asia/Kathmandu')).toISOString()).toBe('2024-01-14T18:15:00.000Z');
    expect(new Date(startOfLocalDay('2024-07-01', 'America/New_York')).toISOString()).toBe('2024-07-01T04:00:00.000Z');
  });

  it('DST days have 23 and 25 local hours', () => {
    const hours = (date: string, tz: string) =>
      localHourStarts(startOfLocalDay(date, tz), startOfLocalDay(addDays(date, 1), tz)).map((t) => localParts(t, tz).hour);
    const spring = hours('2024-03-10', 'America/New_York');
    expect(spring).toHaveLength(23);
    expect(spring.slice(0, 4)).toEqual([0, 1, 3, 4]); // 02:00 does not exist
    const fall = hours('2024-11-03', 'America/New_York');
    expect(fall).toHaveLength(25);
    expect(fall.slice(0, 4)).toEqual([0, 1, 1, 2]); // 01:00 happens twice
    expect(hours('2024-03-31', 'Europe/London')).toHaveLength(23);
  });

  it('a day whose midnight is skipped starts at 01:00 (America/Santiago, 2024-09-08)', () => {
    const t = startOfLocalDay('2024-09-08', 'America/Santiago');
    expect(localIso(t, 'America/Santiago')).toBe('2024-09-08T01:00:00-03:00');
    expect(localDate(t - 1, 'America/Santiago')).toBe('2024-09-07');
  });

  it('local hour starts and ISO strings with offsets', () => {
    expect(new Date(startOfLocalHour(utc('2024-01-01T10:47:12Z'), 'Asia/Kathmandu')).toISOString()).toBe('2024-01-01T10:15:00.000Z');
    expect(new Date(startOfLocalHour(utc('2024-01-01T10:47:12Z'), 'Asia/Kolkata')).toISOString()).toBe('2024-01-01T10:30:00.000Z');
    expect(localIso(utc('2024-01-01T10:30:00Z'), 'Asia/Kolkata')).toBe('2024-01-01T16:00:00+05:30');
    expect(localIso(utc('2024-11-03T05:30:00Z'), 'America/New_York')).toBe('2024-11-03T01:30:00-04:00');
    expect(localIso(utc('2024-11-03T06:30:00Z'), 'America/New_York')).toBe('2024-11-03T01:30:00-05:00');
  });

  it('calendar helpers', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(isoDow('2024-01-15')).toBe(1); // a Monday
    expect(isoDow('2024-01-21')).toBe(7);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-1-5')).toBe(false);
    expect(localParts(utc('2024-01-14T23:30:00Z'), 'Europe/Paris')).toMatchObject({ date: '2024-01-15', hour: 0, isoDow: 1, offsetMinutes: 60 });
  });
});
