/**
 * Store-local calendar arithmetic with the IANA zone database that ships in Node (Intl), so opening
 * hours hold in the store's own time across daylight-saving changes. A "local date" is `YYYY-MM-DD`.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalParts { year: number; month: number; day: number; hour: number; minute: number; second: number }

function localParts(instantMs: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out as unknown as LocalParts;
}

/** Milliseconds the zone is ahead of UTC at that instant (London in summer: +3,600,000). */
export function utcOffsetMs(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  const wholeSecond = instantMs - (((instantMs % 1000) + 1000) % 1000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - wholeSecond;
}

export function parseLocalDate(date: string): { year: number; month: number; day: number } {
  const m = LOCAL_DATE.exec(date);
  const parsed = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
  if (!parsed || new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day)).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`${date} is not a calendar date (YYYY-MM-DD)`);
  }
  return parsed;
}

/**
 * The instant at which the store's wall clock shows `minuteOfDay` on `date` (minute 1440 is the next
 * midnight). In a spring-forward gap the clock time does not exist; the instant just after the gap is used.
 */
export function localTimeToInstant(date: string, minuteOfDay: number, timeZone: string): number {
  const { year, month, day } = parseLocalDate(date);
  const wall = Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE_MS;
  const first = wall - utcOffsetMs(wall, timeZone);
  const second = wall - utcOffsetMs(first, timeZone);
  return Math.max(first, second);
}

/** The store-local calendar date at an instant. */
export function localDateAt(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Minutes since local midnight at an instant (fractional). */
export function localMinuteAt(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  return p.hour * 60 + p.minute + p.second / 60 + (((instantMs % 1000) + 1000) % 1000) / MINUTE_MS;
}

/** 0 = Sunday … 6 = Saturday: a calendar date has the same weekday in every zone. */
export function weekdayOf(date: string): number {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The dates from `first` to `last` inclusive. */
export function datesBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}
