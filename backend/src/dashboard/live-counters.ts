import type { LiveMetrics } from '../../../shared/src/read-contract.ts';
import { EVENT_KINDS, SUBJECT_KINDS, type SubjectKind } from '../ingest/event-kinds.ts';
import type { StoreTotalsRow } from '../ingest/store-totals.reader.ts';

// The live numbers of one store-day as counters (what Redis keeps, and what PostgreSQL recomputes
// after a flush), and the dashboard view built from them. Durations are kept as integer
// milliseconds so sums are exact in both places: float sums added in a different order would drift.

type Live<K extends SubjectKind> = (typeof EVENT_KINDS)[K]['live'];
type MaxOf<L> = L extends { maxMs: infer M extends string } ? M : never;
/** One subject's counters: count, duration sum in ms, maximum in ms (kinds keeping one), named as the registry says. */
type SubjectCounters<L extends { count: string; ms: string }> = { [F in L['count'] | L['ms'] | MaxOf<L>]: number };

/** A store-day's counters: `in`/`out`, per opening range, and per subject kind (`zones`, `shelves`, `queues`; event-kinds.ts). */
export type StoreDayCounters = {
  in: number;
  out: number;
  /** In and out crossings within each opening range of the day (stores with opening hours), by range index. */
  sessions: Record<number, { in: number; out: number }>;
} & { [K in SubjectKind as Live<K>['group']]: Record<string, SubjectCounters<Live<K>>> };

type Counter = Record<string, number>;
/** The counters of one subject kind, untyped (the generic code below walks the registry). */
const groupOf = (c: StoreDayCounters, group: string) => (c as unknown as Record<string, Record<string, Counter>>)[group];
const newCounter = (live: (typeof SUBJECT_KINDS)[number]['live']): Counter => ({ [live.count]: 0, [live.ms]: 0, ...(live.maxMs ? { [live.maxMs]: 0 } : {}) });
/** Redis hash-field prefix (2 letters + ':') → [group, counter field]. */
const HASH_FIELDS = new Map<string, { group: string; field: string; live: (typeof SUBJECT_KINDS)[number]['live'] }>(
  SUBJECT_KINDS.flatMap(({ live }) => [
    [`${live.countField}:`, { group: live.group, field: live.count, live }],
    [`${live.msField}:`, { group: live.group, field: live.ms, live }],
    ...(live.maxField && live.maxMs ? [[`${live.maxField}:`, { group: live.group, field: live.maxMs, live }] as const] : []),
  ]),
);

/** The metrics part of /live and of each history bucket: declared in the read contract shared with the web dashboard. */
export type { LiveMetrics } from '../../../shared/src/read-contract.ts';

/** Seconds to whole milliseconds, half up. PostgreSQL computes `floor(s * 1000 + 0.5)`, the same IEEE arithmetic. */
export function durationMs(seconds: number): number {
  return Math.floor(seconds * 1000 + 0.5);
}

/** Mean of a millisecond sum in seconds, to 2 decimals (0 when nothing was counted). */
export function averageSeconds(totalMs: number, count: number): number {
  return count > 0 ? Math.round(totalMs / count / 10) / 100 : 0;
}

export function emptyCounters(): StoreDayCounters {
  return { in: 0, out: 0, sessions: {}, ...Object.fromEntries(SUBJECT_KINDS.map((k) => [k.live.group, {}])) } as StoreDayCounters;
}

/**
 * Redis hash fields: `in`, `out`, then a 3-character kind prefix and the id, so ids may contain any
 * character (even ':'): per subject kind its count, duration-ms and maximum-ms prefixes (`countField`, `msField`,
 * `maxField` in event-kinds.ts, e.g. zn/zd zone entries and dwell ms, qn/qw/qm queue count, wait ms, max wait ms),
 * si/so in and out crossings within the opening range of that index.
 */
export function countersFromHash(fields: Record<string, string>): StoreDayCounters {
  const c = emptyCounters();
  for (const [field, raw] of Object.entries(fields)) {
    const v = Number(raw);
    if (field === 'in' || field === 'out') {
      c[field] = v;
      continue;
    }
    const id = field.slice(3);
    const prefix = field.slice(0, 3);
    const subject = HASH_FIELDS.get(prefix);
    if (subject) (groupOf(c, subject.group)[id] ??= newCounter(subject.live))[subject.field] = v;
    else if (prefix === 'si:') (c.sessions[Number(id)] ??= { in: 0, out: 0 }).in = v;
    else if (prefix === 'so:') (c.sessions[Number(id)] ??= { in: 0, out: 0 }).out = v;
    // else: a field from a newer version: ignore rather than fail the dashboard
  }
  return c;
}

/** The inverse of {@link countersFromHash}, as a flat [field, value, …] list for HSET. */
export function hashFromCounters(c: StoreDayCounters): string[] {
  const out: string[] = [];
  if (c.in) out.push('in', String(c.in));
  if (c.out) out.push('out', String(c.out));
  for (const [i, f] of Object.entries(c.sessions)) out.push(`si:${i}`, String(f.in), `so:${i}`, String(f.out));
  for (const { live } of SUBJECT_KINDS) {
    for (const [id, n] of Object.entries(groupOf(c, live.group))) {
      out.push(`${live.countField}:${id}`, String(n[live.count]), `${live.msField}:${id}`, String(n[live.ms]));
      if (live.maxField && live.maxMs) out.push(`${live.maxField}:${id}`, String(n[live.maxMs]));
    }
  }
  return out;
}

/** Footfall counts `in` crossings; occupancy is in minus out, never below zero (a missed entry must not show -1 people). */
export function liveMetrics(c: StoreDayCounters, uniqueVisitors: Record<string, number>): LiveMetrics {
  const metrics: Record<string, unknown> = { footfall: c.in, occupancy: Math.max(0, c.in - c.out) };
  for (const { live } of SUBJECT_KINDS) {
    const counters = groupOf(c, live.group);
    const view: Record<string, Record<string, number>> = {};
    for (const id of Object.keys(counters).sort()) {
      const n = counters[id];
      const v: Record<string, number> = { [live.count]: n[live.count] };
      if (live.visitors) v[live.visitors] = uniqueVisitors[id] ?? 0;
      v[live.avg] = averageSeconds(n[live.ms], n[live.count]);
      if (live.max && live.maxMs) v[live.max] = Math.round(n[live.maxMs] / 10) / 100;
      view[id] = v;
    }
    metrics[live.group] = view;
  }
  return metrics as unknown as LiveMetrics;
}

/** Counters and exact visitor counts (of the kind counting them: zones) from the PostgreSQL totals. */
export function countersFromTotals(rows: StoreTotalsRow[]): { counters: StoreDayCounters; visitors: Record<string, number> } {
  const counters = emptyCounters();
  const visitors: Record<string, number> = {};
  for (const r of rows) {
    const n = Number(r.n);
    if (r.kind === 'entrance') {
      if (r.id === 'in' || r.id === 'out') counters[r.id] = n;
    } else if (r.kind === 'session') {
      // id "<range index>:<direction>"
      const [i, dir] = r.id.split(':');
      if (dir === 'in' || dir === 'out') (counters.sessions[Number(i)] ??= { in: 0, out: 0 })[dir] = n;
    } else {
      const live = EVENT_KINDS[r.kind]?.live;
      if (!live) continue;
      groupOf(counters, live.group)[r.id] = {
        [live.count]: n,
        [live.ms]: Number(r.total),
        ...('maxMs' in live ? { [live.maxMs]: Number(r.top) } : {}),
      };
      if ('visitors' in live) visitors[r.id] = Number(r.visitors);
    }
  }
  return { counters, visitors };
}
