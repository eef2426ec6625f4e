// Store-local calendar and clock. Reports speak in the store's time (its business day starts at local
// midnight); rollups are keyed by the UTC instant at which each local hour starts, which stays unambiguous
// across DST changes and in zones with :30/:45 offsets.

export interface LocalParts { date: string; hour: number; minute: number; isoDow: number; offsetMinutes: number }

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

/** Wall-clock date, hour, weekday and UTC offset of an instant in a zone. */
export function localParts(utcMs: number, timeZone: string): LocalParts {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(new Date(utcMs))) p[type] = value;
  const date = `${p.year}-${p.month}-${p.day}`;
  const hour = Number(p.hour);
  const minute = Number(p.minute);
  const wallAsUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), hour, minute, Number(p.second));
  const offsetMinutes = Math.round((wallAsUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
  return { date, hour, minute, isoDow: isoDow(date), offsetMinutes };
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoDow(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone involved). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** A real calendar date in YYYY-MM-DD form (rejects 2024-02-30). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** The store's calendar date at an instant. */
export function localDate(utcMs: number, timeZone: string): string {
  return localParts(utcMs, timeZone).date;
}

/**
 * The first instant of a local calendar date. Usually local midnight; where a DST change skips midnight
 * (e.g. America/Santiago), the first existing minute after it.
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  // Two passes settle the offset unless midnight itself falls in a DST gap.
  let t = wall - localParts(wall, timeZone).offsetMinutes * 60_000;
  t = wall - localParts(t, timeZone).offsetMinutes * 60_000;
  const p = localParts(t, timeZone);
  if (p.date < date) {
    // Midnight does not exist: move to the minute the day actually starts.
    while (localParts(t, timeZone).date < date) t += 15 * 60_000;
  } else if (p.date === date && (p.hour !== 0 || p.minute !== 0)) {
    while (localParts(t - 15 * 60_000, timeZone).date === date) t -= 15 * 60_000;
  }
  return t;
}

/** Start of the local hour containing an instant (a :30 or :45 UTC minute in some zones). */
export function startOfLocalHour(utcMs: number, timeZone: string): number {
  const p = localParts(utcMs, timeZone);
  return Math.floor(utcMs / 60_000) * 60_000 - p.minute * 60_000;
}

/** "2024-03-10T03:00:00-04:00": the local wall time with its offset, as analysts read it. */
export function localIso(utcMs: number, timeZone: string): string {
  const p = localParts(utcMs, timeZone);
  const sign = p.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(p.offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  const wall = new Date(utcMs + p.offsetMinutes * 60_000).toISOString().slice(11, 19);
  return `${p.date}T${wall}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** UTC starts of every local hour in [fromUtc, toUtc): 23 on a spring-forward day, 25 on a fall-back day. */
export function localHourStarts(fromUtc: number, toUtc: number): number[] {
  const out: number[] = [];
  // Every zone in use shifts by whole hours at DST changes, so local hours stay 3600 s apart in UTC.
  for (let t = fromUtc; t < toUtc; t += 3_600_000) out.push(t);
  return out;
}
