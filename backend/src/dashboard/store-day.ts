// A store's business day runs from local midnight to local midnight in its IANA time zone; the time
// primitives (localDate, startOfLocalDay, …) live in common/store-clock.ts. What is here is the dashboard's
// own use of them: a day as a Date range for queries, and how long a day's live keys stay in Redis.

import { addDays, startOfLocalDay } from '../common/store-clock.ts';

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
