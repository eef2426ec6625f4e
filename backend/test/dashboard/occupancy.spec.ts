import { openingHoursSchema, type OpeningHours } from '../../src/admin/admin.dto.ts';
import { describeIssue } from '../../../shared/src/events.ts';
import {
  bucketBounds,
  occupancyByBucket,
  occupancyNow,
  sessionIndexAt,
  sessionsBetween,
  sessionsOn,
  sessionsTag,
  type FlowPoint,
} from '../../src/dashboard/occupancy.ts';

const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => Date.parse(iso);
const week = (ranges: [string, string][], sun: [string, string][] = []): OpeningHours => ({
  mon: ranges,
  tue: ranges,
  wed: ranges,
  thu: ranges,
  fri: ranges,
  sat: ranges,
  sun,
});
/** Hourly buckets of a local date in a zone (labels as the history's SQL gives them; a DST gap hour has none). */
const hours = (date: string, labels: number[], tz: string) => labels.map((h) => bucketBounds(`${date}T${String(h).padStart(2, '0')}:00`, tz));
const pts = (...list: [string, number, number][]): FlowPoint[] => list.map(([t, i, o]) => ({ t: at(t), in: i, out: o }));

describe('occupancy with opening hours (pure)', () => {
  const tz = 'UTC';
  const open9to20 = week([['09:00', '20:00']]);

  it('a day with unmatched ins: the people still inside at closing are closed out, occupancy is 0 after', () => {
    const sessions = sessionsBetween('2024-01-15', '2024-01-15', open9to20, tz); // a Monday
    const points = pts(['2024-01-15T10:00:00Z', 5, 0], ['2024-01-15T11:00:00Z', 0, 2], ['2024-01-15T19:30:00Z', 1, 0]);
    const b = occupancyByBucket(hours('2024-01-15', [10, 18, 19, 20], tz), sessions, points, at('2024-01-16T00:00:00Z'));
    expect(b.map((x) => x.occupancy)).toEqual([5, 3, 4, 0]);
    expect(b.map((x) => x.closed_out)).toEqual([0, 0, 4, 0]); // the 20:00 closing ends the 19:00 hour
    expect(b[2]).toEqual({ occupancy: 4, occupancy_avg: 3.5, occupancy_peak: 4, closed_out: 4 });
    // The live view from the same day's counters, after closing and during the day.
    const day = { in: 6, out: 2, sessions: { 0: { in: 6, out: 2 } } };
    const s = sessionsOn('2024-01-15', open9to20, tz);
    expect(occupancyNow(day, s, [['09:00', '20:00']], 10, at('2024-01-15T21:00:00Z'))).toEqual({
      occupancy: 0,
      capacity: 10,
      utilisation: 0,
      open: false,
      closed_out: 4,
      opening_hours: [['09:00', '20:00']],
    });
    expect(occupancyNow(day, s, [['09:00', '20:00']], 8, at('2024-01-15T19:45:00Z'))).toMatchObject({
      occupancy: 4,
      utilisation: 0.5,
      open: true,
      closed_out: 0,
    });
  });

  it('never goes negative, and the hourly average and peak follow the running occupancy', () => {
    const sessions = sessionsBetween('2024-01-15', '2024-01-15', open9to20, tz);
    // Three leave before anyone entered (staff from before the opening), then two come in.
    const points = pts(['2024-01-15T09:05:00Z', 0, 3], ['2024-01-15T09:30:00Z', 2, 0], ['2024-01-15T10:15:00Z', 4, 0], ['2024-01-15T10:45:00Z', 0, 1]);
    const b = occupancyByBucket(hours('2024-01-15', [9, 10], tz), sessions, points, at('2024-01-16T00:00:00Z'));
    for (const x of b) {
      expect(x.occupancy).toBeGreaterThanOrEqual(0);
      expect(x.occupancy_avg).toBeGreaterThanOrEqual(0);
    }
    expect(b[0]).toEqual({ occupancy: 0, occupancy_avg: 0, occupancy_peak: 0, closed_out: 0 }); // net −3, −1
    // 10:00–10:15 net −1 → 0; 10:15–10:45 net 3; 10:45–11:00 net 2: (0·15 + 3·30 + 2·15) / 60 = 2
    expect(b[1]).toEqual({ occupancy: 2, occupancy_avg: 2, occupancy_peak: 3, closed_out: 0 });
    expect(
      occupancyNow({ in: 2, out: 3, sessions: { 0: { in: 2, out: 3 } } }, sessionsOn('2024-01-15', open9to20, tz), null, null, at('2024-01-15T09:40:00Z'))
        .occupancy,
    ).toBe(0);
  });

  it("resets at the opening: crossings before it and yesterday's leftovers do not count", () => {
    const sessions = sessionsBetween('2024-01-15', '2024-01-16', open9to20, tz);
    const points = pts(
      ['2024-01-15T12:00:00Z', 7, 0], // 7 never seen leaving on the 15th: closed out at 20:00
      ['2024-01-16T08:30:00Z', 4, 0], // staff before the opening
      ['2024-01-16T09:10:00Z', 1, 0],
    );
    const b = occupancyByBucket(hours('2024-01-16', [8, 9], tz), sessions, points, at('2024-01-17T00:00:00Z'));
    expect(b).toEqual([
      { occupancy: 0, occupancy_avg: 0, occupancy_peak: 0, closed_out: 0 },
      { occupancy: 1, occupancy_avg: 0.83, occupancy_peak: 1, closed_out: 0 },
    ]);
    const day15 = occupancyByBucket([bucketBounds('2024-01-15', tz)], sessions, points, at('2024-01-17T00:00:00Z'))[0];
    expect(day15.closed_out).toBe(7);
    expect(day15.occupancy).toBe(0);
    expect(sessionIndexAt(sessionsOn('2024-01-16', open9to20, tz)!, at('2024-01-16T08:30:00Z'))).toBeUndefined();
  });

  it('split hours: each range opens at 0 and closes out on its own; a closed day counts nobody', () => {
    const hoursSplit = week([
      ['09:00', '12:00'],
      ['14:00', '18:00'],
    ]);
    const s = sessionsOn('2024-01-15', hoursSplit, tz)!;
    expect(s.map((x) => [x.index, new Date(x.open).toISOString(), new Date(x.close).toISOString()])).toEqual([
      [0, '2024-01-15T09:00:00.000Z', '2024-01-15T12:00:00.000Z'],
      [1, '2024-01-15T14:00:00.000Z', '2024-01-15T18:00:00.000Z'],
    ]);
    const points = pts(['2024-01-15T10:00:00Z', 3, 1], ['2024-01-15T13:00:00Z', 5, 0], ['2024-01-15T15:00:00Z', 2, 0]);
    const b = occupancyByBucket(hours('2024-01-15', [11, 12, 13, 15, 17], tz), s, points, at('2024-01-16T00:00:00Z'));
    expect(b.map((x) => [x.occupancy, x.closed_out])).toEqual([
      [2, 2],
      [0, 0],
      [0, 0],
      [2, 0],
      [2, 2],
    ]);
    const day = { in: 10, out: 1, sessions: { 0: { in: 3, out: 1 }, 1: { in: 2, out: 0 } } };
    expect(occupancyNow(day, s, null, null, at('2024-01-15T13:00:00Z'))).toMatchObject({ occupancy: 0, open: false, closed_out: 2 });
    expect(occupancyNow(day, s, null, null, at('2024-01-15T19:00:00Z'))).toMatchObject({ occupancy: 0, open: false, closed_out: 4 });
    expect(sessionsOn('2024-01-21', hoursSplit, tz)).toEqual([]); // Sunday: closed
    expect(sessionsTag(sessionsOn('2024-01-21', hoursSplit, tz))).toBe('closed');
    expect(sessionsTag(null)).toBeNull();
    expect(sessionsTag(s)).not.toBe(
      sessionsTag(
        sessionsOn(
          '2024-01-15',
          week([
            ['09:00', '12:00'],
            ['14:00', '19:00'],
          ]),
          tz,
        ),
      ),
    );
  });

  it('without opening hours behaves as before: max(0, in − out) since local midnight, nobody closed out', () => {
    const tzK = 'Asia/Kolkata';
    const sessions = sessionsBetween('2024-01-15', '2024-01-16', null, tzK);
    expect(sessions).toHaveLength(2);
    const points = pts(['2024-01-15T05:00:00Z', 4, 1], ['2024-01-15T18:00:00Z', 0, 1], ['2024-01-15T19:00:00Z', 2, 0]); // 18:00Z = 23:30 local, 19:00Z = 00:30 next day
    const b = occupancyByBucket(hours('2024-01-15', [10, 23], tzK).concat(hours('2024-01-16', [0], tzK)), sessions, points, at('2024-01-17T00:00:00Z'));
    expect(b.map((x) => [x.occupancy, x.closed_out])).toEqual([
      [3, 0],
      [2, 0],
      [2, 0],
    ]);
    expect(occupancyNow({ in: 3, out: 5, sessions: {} }, null, null, null, 0)).toEqual({
      occupancy: 0,
      capacity: null,
      utilisation: null,
      open: null,
      closed_out: 0,
      opening_hours: null,
    });
  });

  it('a DST day in Europe/London: the spring-forward day is 23 h, the fall-back hour counts twice as long', () => {
    const tzL = 'Europe/London';
    const allDay = week([['00:00', '24:00']], [['00:00', '24:00']]);
    const spring = sessionsOn('2024-03-31', allDay, tzL)!;
    expect((spring[0].close - spring[0].open) / H).toBe(23);
    const autumn = sessionsOn('2024-10-27', allDay, tzL)!;
    expect((autumn[0].close - autumn[0].open) / H).toBe(25);
    // Opening at 09:00 BST is 08:00Z on the spring day; the 01:00 hour does not exist (no bucket).
    const s = sessionsOn('2024-03-31', week([], [['09:00', '17:00']]), tzL)!;
    expect(new Date(s[0].open).toISOString()).toBe('2024-03-31T08:00:00.000Z');
    expect(bucketBounds('2024-03-31T00:00', tzL)).toEqual({ start: at('2024-03-31T00:00:00Z'), end: at('2024-03-31T01:00:00Z') });
    // Fall-back: the local 01:00 bucket runs 00:00Z–02:00Z; 2 in at 00:30Z, 1 out at 01:30Z → (0·30 + 2·60 + 1·30) / 120 = 1.25.
    const points = pts(['2024-10-27T00:30:00Z', 2, 0], ['2024-10-27T01:30:00Z', 0, 1]);
    const b = occupancyByBucket(hours('2024-10-27', [1, 2], tzL), sessionsBetween('2024-10-27', '2024-10-27', allDay, tzL), points, at('2024-10-28T00:00:00Z'));
    expect(bucketBounds('2024-10-27T01:00', tzL)).toEqual({ start: at('2024-10-27T00:00:00Z'), end: at('2024-10-27T02:00:00Z') });
    expect(b[0]).toEqual({ occupancy: 1, occupancy_avg: 1.25, occupancy_peak: 2, closed_out: 0 });
    expect(b[1]).toEqual({ occupancy: 1, occupancy_avg: 1, occupancy_peak: 1, closed_out: 0 });
    // An opening at 01:30 on the spring day (inside the gap) opens at 02:30 BST, the clock moved on by the gap.
    expect(new Date(sessionsOn('2024-03-31', week([], [['01:30', '05:00']]), tzL)![0].open).toISOString()).toBe('2024-03-31T01:30:00.000Z');
  });

  it('a bucket not yet begun has no average or peak; an elapsed part is averaged alone', () => {
    const sessions = sessionsBetween('2024-01-15', '2024-01-15', open9to20, tz);
    const b = occupancyByBucket(hours('2024-01-15', [10, 11], tz), sessions, pts(['2024-01-15T10:00:00Z', 2, 0]), at('2024-01-15T10:30:00Z'));
    expect(b).toEqual([
      { occupancy: 2, occupancy_avg: 2, occupancy_peak: 2, closed_out: 0 },
      { occupancy: 2, occupancy_avg: null, occupancy_peak: null, closed_out: 0 },
    ]);
  });
});

describe('opening hours validation (pure)', () => {
  const ok: [string, string][] = [['09:00', '20:00']];
  const body = (patch: Record<string, unknown>) => ({ mon: ok, tue: ok, wed: ok, thu: ok, fri: ok, sat: ok, sun: [], ...patch });
  const fail = (input: unknown) => {
    const r = openingHoursSchema.safeParse(input);
    if (r.success) throw new Error('expected a failure');
    return describeIssue(r.error, input);
  };

  it.each([
    [{ mon: [['9:00', '20:00']] }, 'mon[0][0]', 'must be a time "HH:MM" from 00:00 to 24:00'],
    [{ tue: [['09:00', '24:30']] }, 'tue[0][1]', 'must be a time "HH:MM" from 00:00 to 24:00'],
    [
      { wed: [['20:00', '09:00']] },
      'wed[0][1]',
      'must be after the opening time 20:00: hours past midnight are not supported (close at 24:00 and open at 00:00 the next day)',
    ],
    [
      { thu: [['09:00', '09:00']] },
      'thu[0][1]',
      'must be after the opening time 09:00: hours past midnight are not supported (close at 24:00 and open at 00:00 the next day)',
    ],
    [
      {
        fri: [
          ['14:00', '18:00'],
          ['09:00', '14:30'],
        ],
      },
      'fri[0][0]',
      'overlaps or touches the range 09:00–14:30: ranges of a day must be separate (merge them)',
    ],
    [
      {
        sat: [
          ['09:00', '12:00'],
          ['12:00', '18:00'],
        ],
      },
      'sat[1][0]',
      'overlaps or touches the range 09:00–12:00: ranges of a day must be separate (merge them)',
    ],
    [{ sun: ['09:00'] }, 'sun[0]', 'must be an ["HH:MM","HH:MM"] pair (open, close)'],
    [{ sun: 'closed' }, 'sun', 'must be an array of ["HH:MM","HH:MM"] ranges ([] = closed)'],
    [{ holiday: [] }, 'holiday', 'is not a known field'],
  ])('%j → 400 naming %s', (patch, field, message) => {
    expect(fail(body(patch))).toMatchObject({ field, message });
  });

  it('needs all seven days, and takes split hours, 24:00 and closed days', () => {
    const { sun: _sun, ...six } = body({});
    expect(fail(six)).toMatchObject({ field: 'sun', message: 'is required' });
    expect(
      openingHoursSchema.safeParse(
        body({
          fri: [
            ['00:00', '12:00'],
            ['13:00', '24:00'],
          ],
        }),
      ).success,
    ).toBe(true);
  });
});
