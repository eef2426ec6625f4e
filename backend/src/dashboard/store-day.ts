// A store's business day runs from local midnight to local midnight in its IANA time zone; the time
// primitives (localDate, startOfLocalDay, …) live in common/store-clock.ts. What is here is the dashboard's
// own use of them: a day as a Date range for queries, and how long a day's live keys stay in Redis.

import type { OpeningHours } from '../admin/admin.dto.ts';
import { addDays, isoDow, startOfLocalDay } from '../common/store-clock.ts';
import type { SessionRanges } from '../ingest/store-totals.reader.ts';
import { sessionIndexAt, sessionsOn, sessionsTag, type Session } from './occupancy.ts';

/** [start, end) of a store-local day as instants. */
export function dayBounds(date: string, tz: string): { start: Date; end: Date } {
  return { start: new Date(startOfLocalDay(date, tz)), end: new Date(startOfLocalDay(addDays(date, 1), tz)) };
}

/**
 * When a store-day's live keys may go (unix seconds): at least a day after that local day has ended
 * anywhere on Earth (UTC-12 ends a date 36 h after its UTC midnight), so late readers still find it.
 */
export function liveKeysExpireAt(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000) + 3 * 86_400;
}

/** A store-day's opening ranges, as the live counters use them (all null/undefined without opening hours). */
export interface StoreDayPlan {
  sessions: Session[] | null;
  /** The day's ranges as configured ("HH:MM"), null without opening hours. */
  hoursToday: [string, string][] | null;
  /** Part of the Redis key names: other hours, other counters. */
  tag: string | null;
  /** For the PostgreSQL totals per range. */
  ranges: SessionRanges | undefined;
  /** The range index an instant of this day falls in, undefined outside opening hours (or without them). */
  sessionAt(t: number): number | undefined;
}

export function storeDayPlan(date: string, hours: OpeningHours | null, tz: string): StoreDayPlan {
  const sessions = sessionsOn(date, hours, tz);
  const weekday = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const)[isoDow(date) - 1];
  return {
    sessions,
    hoursToday: hours ? [...hours[weekday]].sort((a, b) => a[0].localeCompare(b[0])) : null,
    tag: sessionsTag(sessions),
    ranges: sessions?.length ? { opens: sessions.map((s) => new Date(s.open)), closes: sessions.map((s) => new Date(s.close)) } : undefined,
    sessionAt: (t) => (sessions ? sessionIndexAt(sessions, t) : undefined),
  };
}
