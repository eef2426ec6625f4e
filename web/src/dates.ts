/** Store-local calendar arithmetic with Intl only (the browser's own zone never matters). Pure: no DOM. */

const dtfCache = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = dtfCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    dtfCache.set(tz, f);
  }
  return f;
}

export interface LocalParts {
  date: string;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock date and time in `tz` at instant `ms`. */
export function localParts(ms: number, tz: string): LocalParts {
  const p: Record<string, string> = {};
  for (const { type, value } of partsFormatter(tz).formatToParts(new Date(ms))) p[type] = value;
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) % 24, minute: Number(p.minute), second: Number(p.second) };
}

/** Today's date in the store's zone. */
export function localToday(tz: string, nowMs = Date.now()): string {
  return localParts(nowMs, tz).date;
}

/** `date` ± `days` calendar days (YYYY-MM-DD in, YYYY-MM-DD out). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b`. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/**
 * A store-local bucket label ("2024-01-15" or "2024-01-15T10:00") as seconds on a *fake UTC* axis: the chart
 * shows wall-clock labels exactly, whatever the browser's zone, and a DST gap or repeat is just a missing or
 * single bucket.
 */
export function labelToAxisSeconds(label: string): number {
  const iso = label.length === 10 ? `${label}T00:00:00Z` : `${label.slice(0, 16)}:00Z`;
  return Date.parse(iso) / 1000;
}

/** "HH:MM:SS" in `tz`. */
export function formatLocalTime(iso: string, tz: string): string {
  const p = localParts(Date.parse(iso), tz);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/** "2024-01-15 10:30:05" in `tz`. */
export function formatLocalDateTime(iso: string, tz: string): string {
  return `${localParts(Date.parse(iso), tz).date} ${formatLocalTime(iso, tz)}`;
}

/** "GMT+5:30", "GMT-5", "GMT" — the zone's current offset, to show next to its name. */
export function zoneOffsetLabel(tz: string, nowMs = Date.now()): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'shortOffset' })
      .formatToParts(new Date(nowMs))
      .find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

/** "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function ago(iso: string, nowMs = Date.now()): string {
  return agoSeconds((nowMs - Date.parse(iso)) / 1000);
}

/** An age in seconds as "20 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function agoSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
