import { addDays, datesBetween, localDateAt, localMinuteAt, localTimeToInstant, parseLocalDate, utcOffsetMs, weekdayOf } from './store-clock.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('store clock (store-local time ↔ UTC)', () => {
  it.each([
    ['Europe/London in winter', '2024-01-15', 9 * 60, 'Europe/London', '2024-01-15T09:00:00.000Z'],
    ['Europe/London in summer', '2024-07-01', 9 * 60, 'Europe/London', '2024-07-01T08:00:00.000Z'],
    ['Los Angeles in winter', '2024-01-15', 10 * 60, 'America/Los_Angeles', '2024-01-15T18:00:00.000Z'],
    ['Los Angeles, evening is the next UTC day', '2024-07-01', 21 * 60, 'America/Los_Angeles', '2024-07-02T04:00:00.000Z'],
    ['Kolkata (+05:30)', '2024-03-04', 10 * 60, 'Asia/Kolkata', '2024-03-04T04:30:00.000Z'],
    ['London, spring-forward day after the change', '2024-03-31', 9 * 60, 'Europe/London', '2024-03-31T08:00:00.000Z'],
    ['London, fall-back day after the change', '2024-10-27', 9 * 60, 'Europe/London', '2024-10-27T09:00:00.000Z'],
    ['LA, spring-forward day', '2024-03-10', 10 * 60, 'America/Los_Angeles', '2024-03-10T17:00:00.000Z'],
    ['midnight at the end of the day', '2024-01-15', 1440, 'Europe/London', '2024-01-16T00:00:00.000Z'],
  ])('%s', (_name, date, minute, tz, expected) => {
    expect(iso(localTimeToInstant(date, minute, tz))).toBe(expected);
  });

  it('maps a clock time inside a spring-forward gap to just after the gap', () => {
    // 01:30 does not exist in London on 2024-03-31 (01:00 GMT → 02:00 BST).
    expect(iso(localTimeToInstant('2024-03-31', 90, 'Europe/London'))).toBe('2024-03-31T01:30:00.000Z');
  });

  it('reads local date, minute and offset back', () => {
    const t = Date.parse('2024-07-02T04:00:00Z');
    expect(localDateAt(t, 'America/Los_Angeles')).toBe('2024-07-01');
    expect(localMinuteAt(t, 'America/Los_Angeles')).toBe(21 * 60);
    expect(localDateAt(t, 'Asia/Kolkata')).toBe('2024-07-02');
    expect(localMinuteAt(t, 'Asia/Kolkata')).toBe(9 * 60 + 30);
    expect(utcOffsetMs(t, 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(utcOffsetMs(t, 'Europe/London')).toBe(3_600_000);
  });

  it('does calendar arithmetic on dates', () => {
    expect(weekdayOf('2024-03-09')).toBe(6); // Saturday
    expect(weekdayOf('2024-03-11')).toBe(1); // Monday
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(datesBetween('2024-12-30', '2025-01-02')).toEqual(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02']);
    expect(datesBetween('2024-01-02', '2024-01-01')).toEqual([]);
  });

  it('refuses dates that are not on the calendar', () => {
    expect(() => parseLocalDate('2024-02-30')).toThrow('2024-02-30 is not a calendar date');
    expect(() => parseLocalDate('2024-3-1')).toThrow('is not a calendar date');
  });
});
