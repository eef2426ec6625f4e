// A store's business day runs from local midnight to local midnight in its IANA time zone. These
// functions turn instants into local dates and back; Intl carries the tz database, so DST and
// half-hour zones (Asia/Kolkata +05:30) need no special cases here.

const DATE_FORMAT = new Map<string, Intl.DateTimeFormat>();
const WALL_FORMAT = new Map<string, Intl.DateTimeFormat>();

function dateFormat(tz: string): Intl.DateTimeFormat {
  let f = DATE_FORMAT.get(tz);
  if (!f) DATE_FORMAT.set(tz, (f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f;
}

function wallFormat(tz: string): Intl.DateTimeFormat {
  let f = WALL_FORMAT.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    WALL_FORMAT.set(tz, f);
  }
  return f;
}

/** The store-local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(instantMs: number, tz: string): string {
  return dateFormat(tz).format(instantMs); // en-CA formats as 2024-01-15
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (Kolkata: +19,800,000). */
export function zoneOffsetMs(instantMs: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const { type, value } of wallFormat(tz).formatToParts(instantMs)) if (type !== 'literal') p[type] = Number(value);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - (instantMs - (instantMs % 1000 + 1000) % 1000);
}

/** The calendar day after `date` (both YYYY-MM-DD). */
export function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The first instant of `date` in the zone: local midnight, or, in zones whose clocks skip midnight
 * for DST, the first instant that exists on that date. Agrees with {@link localDate} by construction.
 */
export function dayStart(date: string, tz: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let t = wall - zoneOffsetMs(wall, tz);
  t = wall - zoneOffsetMs(t, tz); // second pass: the offset at the guess may differ from the offset at midnight
  if (localDate(t, tz) === date && localDate(t - 1, tz) < date) return new Date(t);
  // Midnight does not exist (or the guess landed beside it): search for the first instant of the date.
  let lo = wall - 15 * 3_600_000; // certainly the day before (offsets are within -12h..+14h)
  let hi = wall + 15 * 3_600_000; // certainly the date or later
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, tz) < date) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

/** [start, end) of a store-local day as instants. */
export function dayBounds(date: string, tz: string): { start: Date; end: Date } {
  return { start: dayStart(date, tz), end: dayStart(nextDate(date), tz) };
}

/**
 * When a store-day's live keys may go (unix seconds): at least a day after that local day has ended
 * anywhere on Earth (UTC-12 ends a date 36 h after its UTC midnight), so late readers still find it.
 */
export function liveKeysExpireAt(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000) + 3 * 86_400;
}
