// Store-local calendar and clock: the one place that converts between UTC instants and a store's wall
// clock in its IANA time zone (Intl carries the tz database, so DST, Asia/Kolkata's :30 and
// Asia/Kathmandu's :45 need no special cases). A store's business day runs from local midnight to local
// midnight; a local date is written `YYYY-MM-DD`. Instants are milliseconds since the epoch.

export interface LocalParts {
  date: string;
  hour: number;
  minute: number;
  isoDow: number;
  offsetMinutes: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function wallFormat(timeZone: string): Intl.DateTimeFormat {
  let f = wallFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallFormats.set(timeZone, f);
  }
  return f;
}

function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = dateFormats.get(timeZone);
  if (!f) dateFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f;
}

/** The wall clock (to the second) in a zone at an instant. */
function wallClock(instantMs: number, timeZone: string): Wall {
  const out: Record<string, number> = {};
  for (const { type, value } of wallFormat(timeZone).formatToParts(instantMs)) if (type !== 'literal') out[type] = Number(value);
  return out as unknown as Wall;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dateOf = (w: Wall) => `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
/** Milliseconds past the whole second (also for instants before 1970). */
const subSecondMs = (instantMs: number) => ((instantMs % 1000) + 1000) % 1000;
/** How far a wall clock reading is ahead of the instant it was read at (whole seconds: Intl shows no milliseconds). */
const offsetOf = (w: Wall, instantMs: number) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (instantMs - subSecondMs(instantMs));

/** UTC midnight of a calendar date, or NaN when `date` is not a real YYYY-MM-DD date (2024-02-30, 2024-3-1). */
function utcMidnight(date: string): number {
  if (!CALENDAR_DATE.test(date)) return NaN;
  const t = Date.parse(`${date}T00:00:00Z`); // V8 accepts 2024-02-30 (as March 1): the round trip below rejects it
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date ? t : NaN;
}

/** UTC midnight of a calendar date; throws a RangeError for anything else. */
function calendarDayMs(date: string): number {
  const t = utcMidnight(date);
  if (Number.isNaN(t)) throw new RangeError(`${date} is not a calendar date (YYYY-MM-DD)`);
  return t;
}

// ── Calendar dates (no time zone involved) ─────────────────────────────────────────────────────────

/** A real calendar date in YYYY-MM-DD form (rejects 2024-02-30 and 2024-1-5). */
export function isCalendarDate(s: string): boolean {
  return !Number.isNaN(utcMidnight(s));
}

/** The parts of a calendar date; a RangeError ("… is not a calendar date") for anything else. */
export function parseLocalDate(date: string): { year: number; month: number; day: number } {
  const d = new Date(calendarDayMs(date));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday (the same in every zone). */
export function isoDow(date: string): number {
  const d = new Date(calendarDayMs(date)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Calendar arithmetic: the date `days` days after (or before, if negative) `date`. */
export function addDays(date: string, days: number): string {
  return new Date(calendarDayMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Whole days from `a` to `b` (b − a). Never throws: request validators call it on fields that may have
 * failed their own date check (zod still runs an object's refinements then), so it must not turn a 400 into a 500.
 */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** The dates from `first` to `last` inclusive (none if `last` is before `first`). */
export function datesBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

// ── Instant → store-local ──────────────────────────────────────────────────────────────────────────

/** Milliseconds the zone's wall clock is ahead of UTC at an instant (Kolkata: +19,800,000; LA in winter: −28,800,000). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  return offsetOf(wallClock(instantMs, timeZone), instantMs);
}

/** The store-local calendar date (YYYY-MM-DD) at an instant. */
export function localDate(instantMs: number, timeZone: string): string {
  const s = dateFormat(timeZone).format(instantMs); // en-CA writes 2024-01-15: the fast path
  return CALENDAR_DATE.test(s) ? s : dateOf(wallClock(instantMs, timeZone)); // years before 1000, or other locale data
}

/**
 * `localDate` for many instants in one zone, remembering the last local day's bounds: the events of a batch
 * nearly all fall in the same day, and a bounds check costs nothing next to an Intl call (ingest profile).
 */
export function localDateReader(timeZone: string): (instantMs: number) => string {
  let start = Infinity;
  let end = -Infinity;
  let date = '';
  return (instantMs) => {
    if (instantMs >= start && instantMs < end) return date;
    date = localDate(instantMs, timeZone);
    start = startOfLocalDay(date, timeZone);
    end = startOfLocalDay(addDays(date, 1), timeZone);
    return date;
  };
}

/** Wall-clock date, hour, minute, ISO weekday and UTC offset (whole minutes) of an instant in a zone. */
export function localParts(instantMs: number, timeZone: string): LocalParts {
  const w = wallClock(instantMs, timeZone);
  const date = dateOf(w);
  return { date, hour: w.hour, minute: w.minute, isoDow: isoDow(date), offsetMinutes: Math.round(offsetOf(w, instantMs) / MINUTE_MS) };
}

/** Minutes since local midnight at an instant (fractional: seconds and milliseconds included). */
export function localMinuteAt(instantMs: number, timeZone: string): number {
  const w = wallClock(instantMs, timeZone);
  return w.hour * 60 + w.minute + w.second / 60 + subSecondMs(instantMs) / MINUTE_MS;
}

/** "2024-03-10T03:00:00-04:00": the local wall time with its offset, as analysts read it. */
export function localIso(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone);
  const sign = p.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(p.offsetMinutes);
  const wall = new Date(instantMs + p.offsetMinutes * MINUTE_MS).toISOString().slice(11, 19);
  return `${p.date}T${wall}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// ── Store-local → instant ──────────────────────────────────────────────────────────────────────────

/** Two guesses at the instant a wall time (written as if it were UTC) happens: right unless a transition is near. */
function offsetGuesses(wall: number, timeZone: string): [number, number] {
  const first = wall - zoneOffsetMs(wall, timeZone);
  return [first, wall - zoneOffsetMs(first, timeZone)];
}

/**
 * The instant at which the store's wall clock shows `minuteOfDay` on `date` (minute 1440 is the next
 * midnight). When the clock shows that time twice (a fall-back), the earlier instant. When it never shows
 * it (a spring-forward gap), the time moved on by the gap's length (01:30 in a 01:00→02:00 gap is 02:30).
 */
export function localTimeToInstant(date: string, minuteOfDay: number, timeZone: string): number {
  const wall = calendarDayMs(date) + minuteOfDay * MINUTE_MS;
  const [first, second] = offsetGuesses(wall, timeZone);
  // Every offset in force within a day either side: an instant is right when its own offset gives back the wall time.
  const offsets = new Set([wall - first, wall - second, zoneOffsetMs(wall - DAY_MS, timeZone), zoneOffsetMs(wall + DAY_MS, timeZone)]);
  let earliest = Infinity;
  for (const offset of offsets) {
    const t = wall - offset;
    if (t < earliest && t + zoneOffsetMs(t, timeZone) === wall) earliest = t;
  }
  return Number.isFinite(earliest) ? earliest : Math.max(first, second); // in a gap, the later guess is the one after it
}

/**
 * The first instant of a local date: local midnight, or, where the clocks skip midnight for DST
 * (America/Santiago), the first instant that exists on that date. Agrees with {@link localDate} by construction.
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const wall = calendarDayMs(date);
  const t = offsetGuesses(wall, timeZone)[1];
  if (localDate(t, timeZone) === date && localDate(t - 1, timeZone) < date) return t;
  // Midnight does not exist, happens twice, or the guess landed beside it: search for the first instant of the date.
  let lo = wall - 15 * HOUR_MS; // certainly the day before (offsets are within −12 h … +14 h)
  let hi = wall + 15 * HOUR_MS; // certainly the date or later
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, timeZone) < date) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Start of the local hour containing an instant (a :30 or :45 UTC minute in some zones). */
export function startOfLocalHour(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  return Math.floor(instantMs / MINUTE_MS) * MINUTE_MS - p.minute * MINUTE_MS;
}

/**
 * UTC starts of every local hour in [fromUtc, toUtc) (from a local hour start): 23 on a spring-forward day,
 * 25 on a fall-back day. Assumes the zone shifts by whole hours at DST changes, so local hours stay
 * 3600 s apart in UTC (not so for Australia/Lord_Howe's 30-minute shift).
 */
export function localHourStarts(fromUtc: number, toUtc: number): number[] {
  const out: number[] = [];
  for (let t = fromUtc; t < toUtc; t += HOUR_MS) out.push(t);
  return out;
}
