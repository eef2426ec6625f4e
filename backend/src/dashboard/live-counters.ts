import type { LiveMetrics } from '../../../shared/src/read-contract.ts';
import type { StoreTotalsRow } from '../ingest/store-totals.reader.ts';

// The live numbers of one store-day as counters (what Redis keeps, and what PostgreSQL recomputes
// after a flush), and the dashboard view built from them. Durations are kept as integer
// milliseconds so sums are exact in both places: float sums added in a different order would drift.

export interface StoreDayCounters {
  in: number;
  out: number;
  /** In and out crossings within each opening range of the day (stores with opening hours), by range index. */
  sessions: Record<number, { in: number; out: number }>;
  zones: Record<string, { entries: number; dwellMs: number }>;
  shelves: Record<string, { interactions: number; dwellMs: number }>;
  queues: Record<string, { waits: number; waitMs: number; maxWaitMs: number }>;
}

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
  return { in: 0, out: 0, sessions: {}, zones: {}, shelves: {}, queues: {} };
}

/**
 * Redis hash fields: `in`, `out`, then a 3-character kind prefix and the id, so ids may contain any
 * character (even ':'): zn/zd zone entries and dwell ms, sn/sd shelf, qn/qw/qm queue count, wait ms, max wait ms,
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
    switch (field.slice(0, 3)) {
      case 'zn:': (c.zones[id] ??= { entries: 0, dwellMs: 0 }).entries = v; break;
      case 'zd:': (c.zones[id] ??= { entries: 0, dwellMs: 0 }).dwellMs = v; break;
      case 'sn:': (c.shelves[id] ??= { interactions: 0, dwellMs: 0 }).interactions = v; break;
      case 'sd:': (c.shelves[id] ??= { interactions: 0, dwellMs: 0 }).dwellMs = v; break;
      case 'qn:': (c.queues[id] ??= { waits: 0, waitMs: 0, maxWaitMs: 0 }).waits = v; break;
      case 'qw:': (c.queues[id] ??= { waits: 0, waitMs: 0, maxWaitMs: 0 }).waitMs = v; break;
      case 'qm:': (c.queues[id] ??= { waits: 0, waitMs: 0, maxWaitMs: 0 }).maxWaitMs = v; break;
      case 'si:': (c.sessions[Number(id)] ??= { in: 0, out: 0 }).in = v; break;
      case 'so:': (c.sessions[Number(id)] ??= { in: 0, out: 0 }).out = v; break;
      default: break; // a field from a newer version: ignore rather than fail the dashboard
    }
  }
  return c;
}

/** The inverse of {@link countersFromHash}, as a flat [field, value, …] list for HSET. */
export function hashFromCounters(c: StoreDayCounters): string[] {
  const out: string[] = [];
  if (c.in) out.push('in', String(c.in));
  if (c.out) out.push('out', String(c.out));
  for (const [i, f] of Object.entries(c.sessions)) out.push(`si:${i}`, String(f.in), `so:${i}`, String(f.out));
  for (const [id, z] of Object.entries(c.zones)) out.push(`zn:${id}`, String(z.entries), `zd:${id}`, String(z.dwellMs));
  for (const [id, s] of Object.entries(c.shelves)) out.push(`sn:${id}`, String(s.interactions), `sd:${id}`, String(s.dwellMs));
  for (const [id, q] of Object.entries(c.queues)) out.push(`qn:${id}`, String(q.waits), `qw:${id}`, String(q.waitMs), `qm:${id}`, String(q.maxWaitMs));
  return out;
}

/** Footfall counts `in` crossings; occupancy is in minus out, never below zero (a missed entry must not show -1 people). */
export function liveMetrics(c: StoreDayCounters, uniqueVisitors: Record<string, number>): LiveMetrics {
  const zones: LiveMetrics['zones'] = {};
  for (const id of Object.keys(c.zones).sort()) {
    const z = c.zones[id];
    zones[id] = { entries: z.entries, unique_visitors: uniqueVisitors[id] ?? 0, avg_dwell: averageSeconds(z.dwellMs, z.entries) };
  }
  const shelves: LiveMetrics['shelves'] = {};
  for (const id of Object.keys(c.shelves).sort()) {
    const s = c.shelves[id];
    shelves[id] = { interactions: s.interactions, avg_dwell: averageSeconds(s.dwellMs, s.interactions) };
  }
  const queues: LiveMetrics['queues'] = {};
  for (const id of Object.keys(c.queues).sort()) {
    const q = c.queues[id];
    queues[id] = { waits: q.waits, avg_wait: averageSeconds(q.waitMs, q.waits), max_wait: Math.round(q.maxWaitMs / 10) / 100 };
  }
  return { footfall: c.in, occupancy: Math.max(0, c.in - c.out), zones, shelves, queues };
}

/** Counters and exact zone visitor counts from the PostgreSQL totals. */
export function countersFromTotals(rows: StoreTotalsRow[]): { counters: StoreDayCounters; visitors: Record<string, number> } {
  const counters = emptyCounters();
  const visitors: Record<string, number> = {};
  for (const r of rows) {
    const n = Number(r.n);
    switch (r.kind) {
      case 'entrance': if (r.id === 'in' || r.id === 'out') counters[r.id] = n; break;
      case 'session': { // id "<range index>:<direction>"
        const [i, dir] = r.id.split(':');
        if (dir === 'in' || dir === 'out') (counters.sessions[Number(i)] ??= { in: 0, out: 0 })[dir] = n;
        break;
      }
      case 'zone': counters.zones[r.id] = { entries: n, dwellMs: Number(r.total) }; visitors[r.id] = Number(r.visitors); break;
      case 'shelf': counters.shelves[r.id] = { interactions: n, dwellMs: Number(r.total) }; break;
      case 'queue': counters.queues[r.id] = { waits: n, waitMs: Number(r.total), maxWaitMs: Number(r.top) }; break;
    }
  }
  return { counters, visitors };
}
