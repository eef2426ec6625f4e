import {
  addDays,
  datesBetween,
  daysBetween,
  isCalendarDate,
  isoDow,
  localDate,
  localDateReader,
  localHourStarts,
  localIso,
  localMinuteAt,
  localParts,
  localTimeToInstant,
  parseLocalDate,
  startOfLocalDay,
  startOfLocalHour,
  zoneOffsetMs,
} from './store-clock.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('store clock: instant → store-local', () => {
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
  ])('%s in %s is local date %s', (instant, tz, date) => {
    expect(localDate(at(instant), tz)).toBe(date);
  });

  it('writes years before 1000 with four digits', () => {
    expect(localDate(at('0050-03-01T12:00:00Z'), 'UTC')).toBe('0050-03-01');
    expect(localParts(at('0050-03-01T12:00:00Z'), 'UTC').date).toBe('0050-03-01');
  });

  it('reads local date, minute and offset back', () => {
    const t = at('2024-07-02T04:00:00Z');
    expect(localDate(t, 'America/Los_Angeles')).toBe('2024-07-01');
    expect(localMinuteAt(t, 'America/Los_Angeles')).toBe(21 * 60);
    expect(localDate(t, 'Asia/Kolkata')).toBe('2024-07-02');
    expect(localMinuteAt(t, 'Asia/Kolkata')).toBe(9 * 60 + 30);
    expect(zoneOffsetMs(t, 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs(t, 'Europe/London')).toBe(3_600_000);
    expect(localMinuteAt(at('2024-01-15T10:30:15.500Z'), 'UTC')).toBeCloseTo(10 * 60 + 30 + 15.5 / 60, 10);
  });

  it('knows zone offsets, half and quarter hours included', () => {
    expect(zoneOffsetMs(at('2024-01-15T12:00:00.250Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs(at('2024-01-15T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
    expect(zoneOffsetMs(at('2024-01-15T12:00:00Z'), 'America/Los_Angeles')).toBe(-8 * 3_600_000);
    expect(zoneOffsetMs(at('2024-07-15T12:00:00Z'), 'America/Los_Angeles')).toBe(-7 * 3_600_000);
  });

  it('local hour starts and ISO strings with offsets', () => {
    expect(iso(startOfLocalHour(at('2024-01-01T10:47:12Z'), 'Asia/Kathmandu'))).toBe('2024-01-01T10:15:00.000Z');
    expect(iso(startOfLocalHour(at('2024-01-01T10:47:12Z'), 'Asia/Kolkata'))).toBe('2024-01-01T10:30:00.000Z');
    expect(localIso(at('2024-01-01T10:30:00Z'), 'Asia/Kolkata')).toBe('2024-01-01T16:00:00+05:30');
    expect(localIso(at('2024-11-03T05:30:00Z'), 'America/New_York')).toBe('2024-11-03T01:30:00-04:00');
    expect(localIso(at('2024-11-03T06:30:00Z'), 'America/New_York')).toBe('2024-11-03T01:30:00-05:00');
  });

  it('gives the wall-clock parts of an instant', () => {
    expect(localParts(at('2024-01-14T23:30:00Z'), 'Europe/Paris')).toMatchObject({ date: '2024-01-15', hour: 0, isoDow: 1, offsetMinutes: 60 });
  });
});

describe('store clock: start of a local day', () => {
  it('local midnight in whole-hour, half-hour and quarter-hour zones', () => {
    expect(iso(startOfLocalDay('2024-01-15', 'UTC'))).toBe('2024-01-15T00:00:00.000Z');
    expect(iso(startOfLocalDay('2024-01-15', 'Europe/Paris'))).toBe('2024-01-14T23:00:00.000Z');
    expect(iso(startOfLocalDay('2024-01-15', 'Asia/Kolkata'))).toBe('2024-01-14T18:30:00.000Z');
    expect(iso(startOfLocalDay('2024-01-15', 'Asia/Kathmandu'))).toBe('2024-01-14T18:15:00.000Z');
    expect(iso(startOfLocalDay('2024-07-01', 'America/New_York'))).toBe('2024-07-01T04:00:00.000Z');
  });

  it.each([
    ['2024-01-16', 'Asia/Kolkata', '2024-01-15T18:30:00.000Z'],
    ['2024-01-16', 'America/Los_Angeles', '2024-01-16T08:00:00.000Z'],
    ['2024-07-01', 'America/Los_Angeles', '2024-07-01T07:00:00.000Z'],
    ['2024-01-16', 'UTC', '2024-01-16T00:00:00.000Z'],
    ['2024-01-16', 'Asia/Kathmandu', '2024-01-15T18:15:00.000Z'],
    // Chile skips local midnight on its DST day (00:00 → 01:00): the day starts at the first instant that exists.
    ['2024-09-08', 'America/Santiago', '2024-09-08T04:00:00.000Z'],
    // Jordan's clocks went back from 01:00 to 00:00 (midnight happened twice): the day starts at the first one.
    ['2021-10-29', 'Asia/Amman', '2021-10-28T21:00:00.000Z'],
  ])('%s starts in %s at %s', (date, tz, expected) => {
    const start = startOfLocalDay(date, tz);
    expect(iso(start)).toBe(expected);
    expect(localDate(start, tz)).toBe(date);
    expect(localDate(start - 1, tz)).not.toBe(date);
  });

  it('a day whose midnight is skipped starts at 01:00 (America/Santiago, 2024-09-08)', () => {
    const t = startOfLocalDay('2024-09-08', 'America/Santiago');
    expect(localIso(t, 'America/Santiago')).toBe('2024-09-08T01:00:00-03:00');
    expect(localDate(t - 1, 'America/Santiago')).toBe('2024-09-07');
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

  it('refuses a date that is not on the calendar', () => {
    expect(() => startOfLocalDay('2024-02-30', 'UTC')).toThrow('2024-02-30 is not a calendar date');
  });
});

describe('store clock: store-local time → instant', () => {
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
    // Within a zone's offset of a DST change, the offset at the wall time read as UTC is not the one in force.
    ['LA, spring-forward day, morning', '2024-03-10', 9 * 60, 'America/Los_Angeles', '2024-03-10T16:00:00.000Z'],
    ['Denver, spring-forward day, opening', '2024-03-10', 8 * 60, 'America/Denver', '2024-03-10T14:00:00.000Z'],
    ['Sydney, evening before the fall-back', '2024-04-06', 20 * 60, 'Australia/Sydney', '2024-04-06T09:00:00.000Z'],
    ['Auckland, evening before the fall-back', '2024-04-06', 21 * 60, 'Pacific/Auckland', '2024-04-06T08:00:00.000Z'],
    ['Paris, fall-back night before the change', '2024-10-27', 90, 'Europe/Paris', '2024-10-26T23:30:00.000Z'],
    ['Cairo, midnight before a fall-back', '1975-10-01', 0, 'Africa/Cairo', '1975-09-30T21:00:00.000Z'],
  ])('%s', (_name, date, minute, tz, expected) => {
    const t = localTimeToInstant(date, minute, tz);
    expect(iso(t)).toBe(expected);
    if (minute < 1440) expect([localDate(t, tz), localMinuteAt(t, tz)]).toEqual([date, minute]);
  });

  it('maps a clock time inside a spring-forward gap to just after the gap', () => {
    // 01:30 does not exist in London on 2024-03-31 (01:00 GMT → 02:00 BST).
    expect(iso(localTimeToInstant('2024-03-31', 90, 'Europe/London'))).toBe('2024-03-31T01:30:00.000Z');
  });

  it('maps a clock time that happens twice to the first time, east and west of Greenwich', () => {
    expect(localIso(localTimeToInstant('2024-11-03', 90, 'America/New_York'), 'America/New_York')).toBe('2024-11-03T01:30:00-04:00');
    expect(localIso(localTimeToInstant('2024-10-27', 90, 'Europe/London'), 'Europe/London')).toBe('2024-10-27T01:30:00+01:00');
    expect(localIso(localTimeToInstant('2024-10-27', 150, 'Europe/Paris'), 'Europe/Paris')).toBe('2024-10-27T02:30:00+02:00');
  });
});

describe('store clock: calendar dates', () => {
  it('calendar helpers', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(isoDow('2024-01-15')).toBe(1); // a Monday
    expect(isoDow('2024-01-21')).toBe(7);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-1-5')).toBe(false);
  });

  it('does calendar arithmetic on dates', () => {
    expect(isoDow('2024-03-09') % 7).toBe(6); // Saturday (0 = Sunday … 6 = Saturday, as the simulator counts)
    expect(isoDow('2024-03-11') % 7).toBe(1); // Monday
    expect(isoDow('2024-03-10') % 7).toBe(0); // Sunday
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(datesBetween('2024-12-30', '2025-01-02')).toEqual(['2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02']);
    expect(datesBetween('2024-01-02', '2024-01-01')).toEqual([]);
  });

  it('steps calendar dates across month and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });

  it('refuses dates that are not on the calendar', () => {
    expect(() => parseLocalDate('2024-02-30')).toThrow('2024-02-30 is not a calendar date');
    expect(() => parseLocalDate('2024-3-1')).toThrow('is not a calendar date');
    expect(parseLocalDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseLocalDate('0050-01-01')).toEqual({ year: 50, month: 1, day: 1 });
    expect(() => addDays('2024-02-30', 1)).toThrow('2024-02-30 is not a calendar date'); // not 2024-03-02
    expect(() => isoDow('2024-13-01')).toThrow('is not a calendar date');
  });

  it('daysBetween never throws: request validators call it on fields that failed their own check', () => {
    expect(() => daysBetween('2024-13-01', '2024-01-01')).not.toThrow();
  });
});

describe('localDateReader', () => {
  it('agrees with localDate hour by hour across DST changes and midnights, in any order', () => {
    for (const tz of ['America/Los_Angeles', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Europe/London', 'Pacific/Apia']) {
      const read = localDateReader(tz);
      const from = Date.parse('2024-03-08T00:00:00Z');
      const instants: number[] = [];
      for (let t = from; t < from + 5 * 86_400_000; t += 1_799_999) instants.push(t);
      // Forwards, then backwards and jumping: the remembered day must never leak into another day.
      for (const t of [...instants, ...instants.reverse(), from + 86_400_000 * 3, from, from + 1]) {
        expect(read(t)).toBe(localDate(t, tz));
      }
    }
  });

  it('puts the instants either side of a local midnight on their own dates', () => {
    const read = localDateReader('Asia/Kolkata');
    const midnight = Date.parse('2024-07-01T18:30:00Z'); // 2024-07-02 00:00 in Kolkata
    expect(read(midnight - 1)).toBe('2024-07-01');
    expect(read(midnight)).toBe('2024-07-02');
    expect(read(midnight - 1)).toBe('2024-07-01');
  });
});
