// Occupancy with opening hours, as pure functions (issue #13). The live view (from Redis counters or
// PostgreSQL totals) and the history (from the entrance events) both compute it here, so they agree.
//
// A *session* is one opening range of one local date, as instants [open, close). Occupancy at an instant t
// inside a session is max(0, ins − outs of the session's events with open ≤ ts ≤ t): it starts at 0 at the
// opening (whoever crossed before it is not counted), never goes below zero, and at the closing the people
// still counted inside, max(0, ins − outs of the session), are *closed out*: occupancy is 0 until the next
// opening. Without opening hours each local day is one session from midnight to midnight that closes out
// nobody: occupancy is max(0, in − out) since local midnight, as before.

import { addDays, datesBetween, isoDow, localTimeToInstant, startOfLocalDay } from '../common/store-clock.ts';
import { minuteOfDay, WEEKDAYS, type OpeningHours } from '../admin/admin.dto.ts';
import type { BucketOccupancy, OccupancyNow } from '../../../shared/src/read-contract.ts';

export interface Session {
  /** Store-local date of the opening. */
  date: string;
  /** Index among that date's sessions (the Redis counter fields `si:<index>` / `so:<index>`). */
  index: number;
  open: number;
  close: number;
  /** Closing out applies to opening hours only; a midnight-to-midnight day without hours closes out nobody. */
  closesOut: boolean;
}

/** The opening ranges of a local date as instants, or null when the store has no opening hours. */
export function sessionsOn(date: string, hours: OpeningHours | null, tz: string): Session[] | null {
  if (!hours) return null;
  const ranges = hours[WEEKDAYS[isoDow(date) - 1]] ?? [];
  return [...ranges]
    .sort((a, b) => minuteOfDay(a[0]) - minuteOfDay(b[0]))
    .map(([open, close], index) => ({
      date,
      index,
      open: localTimeToInstant(date, minuteOfDay(open), tz),
      // 24:00 is the next local midnight (even where DST skips midnight).
      close: minuteOfDay(close) === 1440 ? startOfLocalDay(addDays(date, 1), tz) : localTimeToInstant(date, minuteOfDay(close), tz),
      closesOut: true,
    }))
    .filter((s) => s.close > s.open); // a range inside a DST gap (02:10–02:40 on a spring-forward day) never happens
}

/** Every session of the dates first … last: opening ranges, or whole local days without hours. */
export function sessionsBetween(first: string, last: string, hours: OpeningHours | null, tz: string): Session[] {
  return datesBetween(first, last).flatMap(
    (date) =>
      sessionsOn(date, hours, tz) ?? [{ date, index: 0, open: startOfLocalDay(date, tz), close: startOfLocalDay(addDays(date, 1), tz), closesOut: false }],
  );
}

/** A short tag of a date's sessions for Redis key names ("closed" on a closed day): new hours, new counters. */
export function sessionsTag(sessions: Session[] | null): string | null {
  if (!sessions) return null;
  if (sessions.length === 0) return 'closed';
  return sessions.map((s) => `${s.open.toString(36)}+${Math.round((s.close - s.open) / 60_000)}`).join('_');
}

/** The session an instant falls in (index among its date's sessions), or undefined outside opening hours. */
export function sessionIndexAt(sessions: Session[], t: number): number | undefined {
  for (const s of sessions) if (t >= s.open && t < s.close) return s.index;
  return undefined;
}

/** In and out crossings of each session of a day, by session index. */
export type SessionFlows = Record<number, { in: number; out: number }>;

/** /live's occupancy fields: declared in the read contract shared with the web dashboard. */
export type { OccupancyNow } from '../../../shared/src/read-contract.ts';

/**
 * The live occupancy numbers from a day's counters. `sessions` null: no opening hours, occupancy is
 * max(0, in − out) of the day (back-compat).
 */
export function occupancyNow(
  day: { in: number; out: number; sessions: SessionFlows },
  sessions: Session[] | null,
  ranges: [string, string][] | null,
  capacity: number | null,
  nowMs: number,
): OccupancyNow {
  let occupancy = 0;
  let closedOut = 0;
  let open: boolean | null = null;
  if (!sessions) {
    occupancy = Math.max(0, day.in - day.out);
  } else {
    open = false;
    for (const s of sessions) {
      const f = day.sessions[s.index] ?? { in: 0, out: 0 };
      const inside = Math.max(0, f.in - f.out);
      if (s.close <= nowMs) closedOut += inside;
      else if (s.open <= nowMs) {
        occupancy = inside;
        open = true;
      }
    }
  }
  return { occupancy, capacity, utilisation: utilisation(occupancy, capacity), open, closed_out: closedOut, opening_hours: sessions ? (ranges ?? []) : null };
}

export function utilisation(occupancy: number, capacity: number | null): number | null {
  return capacity ? Math.round((occupancy / capacity) * 1000) / 1000 : null;
}

/** Crossings at one instant (several events with the same `ts` apply together). */
export interface FlowPoint {
  t: number;
  in: number;
  out: number;
}

/** Occupancy per history bucket: declared in the read contract shared with the web dashboard. */
export type { BucketOccupancy } from '../../../shared/src/read-contract.ts';

/**
 * Occupancy per bucket ([start, end) instants, ascending, not overlapping) from the entrance crossings of
 * the sessions that cover them. `points` must start at or before the first session's opening that reaches
 * into the first bucket (the carry-in), sorted by `t`. Time after `nowMs` is not averaged or peaked.
 */
export function occupancyByBucket(buckets: { start: number; end: number }[], sessions: Session[], points: FlowPoint[], nowMs: number): BucketOccupancy[] {
  // The occupancy as a step function: steps[k] holds from steps[k].t until the next step.
  const steps: { t: number; v: number }[] = [];
  const closings: { t: number; n: number }[] = [];
  const ordered = [...sessions].sort((a, b) => a.open - b.open);
  let p = 0;
  for (const s of ordered) {
    while (p < points.length && points[p].t < s.open) p++; // outside opening hours: not counted
    steps.push({ t: s.open, v: 0 });
    let net = 0;
    for (; p < points.length && points[p].t < s.close; p++) {
      net += points[p].in - points[p].out;
      steps.push({ t: points[p].t, v: Math.max(0, net) });
    }
    if (s.closesOut) closings.push({ t: s.close, n: Math.max(0, net) });
    steps.push({ t: s.close, v: 0 });
  }
  let k = 0; // the last step at or before the bucket's start
  let c = 0;
  return buckets.map(({ start, end }) => {
    while (k + 1 < steps.length && steps[k + 1].t <= start) k++;
    const valueAt = (i: number, t: number) => (i < steps.length && steps[i].t <= t ? steps[i].v : 0);
    // A closing belongs to the bucket it ends: (start, end], so 24:00 is the day's and 20:00 the 19:00 hour's.
    let closedOut = 0;
    while (c < closings.length && closings[c].t <= start) c++;
    for (let i = c; i < closings.length && closings[i].t <= end; i++) if (closings[i].t <= nowMs) closedOut += closings[i].n; // a closing yet to come closes out nobody
    // Occupancy at the end: the last step before `end`.
    let j = k;
    while (j + 1 < steps.length && steps[j + 1].t < end) j++;
    const occupancy = valueAt(j, end - 1);
    const until = Math.min(end, nowMs);
    if (until <= start) return { occupancy, occupancy_avg: null, occupancy_peak: null, closed_out: closedOut };
    let area = 0;
    let peak = valueAt(k, start);
    let t = start;
    let v = peak;
    for (let i = k + 1; i < steps.length && steps[i].t < until; i++) {
      area += v * (steps[i].t - t);
      t = steps[i].t;
      v = steps[i].v;
      if (v > peak) peak = v;
    }
    area += v * (until - t);
    return { occupancy, occupancy_avg: Math.round((area / (until - start)) * 100) / 100, occupancy_peak: peak, closed_out: closedOut };
  });
}

/** [start, end) instants of a store-local bucket label ("2024-01-15T10:00" or "2024-01-15"). */
export function bucketBounds(label: string, tz: string): { start: number; end: number } {
  const date = label.slice(0, 10);
  if (label.length === 10) return { start: startOfLocalDay(date, tz), end: startOfLocalDay(addDays(date, 1), tz) };
  const minute = Number(label.slice(11, 13)) * 60;
  const end = minute + 60 === 1440 ? startOfLocalDay(addDays(date, 1), tz) : localTimeToInstant(date, minute + 60, tz);
  return { start: localTimeToInstant(date, minute, tz), end };
}
