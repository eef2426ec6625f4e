import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { sqlRowsOwner, TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { StoreEventsReader } from '../ingest/store-events.reader.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import {
  CLEAR_DIRTY_SQL,
  DB_CLOCK_SQL,
  DIRTY_BACKLOG_SQL,
  DIRTY_MARKS_SQL,
  FORGET_STORE_SQL,
  HEAL_UNLOCK_SQL,
  MARK_DIRTY_SQL,
  ROLLED_EVENTS_SQL,
  TRY_HEAL_LOCK_SQL,
} from './analytics.queries.ts';

const HOUR_MS = 3_600_000;
/** The raw-versus-rollup comparison looks this far back (by event time); older late events rely on the dirty record. */
const COMPARE_HOURS = 48;
/** At most this many dirty hours per pass, oldest first, so one pass stays short after a long outage. */
const DIRTY_BATCH = 2000;
/** Advisory lock (namespace 'WINK', key 'heal'): one healing pass at a time across every worker process. */
const HEAL_LOCK = [0x57494e4b, 0x6865616c] as const;

export interface HealOutcome {
  ran: boolean;
  dirty: number;
  mismatched: number;
  ranges: number;
}
export interface DirtyBacklog {
  hours: number;
  stale: number;
  oldest_seconds: number;
}

interface Span {
  storeId: string;
  from: number;
  to: number;
}

/**
 * Keeps the rollups equal to the raw events whatever happens to Redis. Every batch the ingest API stores marks
 * the UTC hours it touched in `rollup_dirty_hours` (PostgreSQL); a rollup that started after the mark clears
 * it. The periodic pass (every ANALYTICS_HEAL_INTERVAL_MS, in each worker process, one at a time) then
 * re-rolls, straight from PostgreSQL and without the queue:
 * - dirty hours older than the debounce window plus one interval: their queued job was lost (Redis flushed
 *   or restarted) or is far behind;
 * - hours of the last 48 h whose rollup total differs from the raw event count: events stored without a
 *   mark (a crash between the insert and its listener).
 * Heal time: a lost rollup is recomputed at most debounce + 2 × interval after its last event (3 minutes
 * with the defaults), an unmarked one within one interval.
 */
@Injectable()
export class RollupHealer {
  private readonly logger = new Logger('RollupHealer');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rollups: HourlyRollup,
    private readonly events: StoreEventsReader,
    private readonly directory: StoreDirectory,
    lifecycle: TenantLifecycle,
  ) {
    // The analytics module's data of a store: its rollups, dirty marks and the reports that read it (analytics.queries.ts).
    lifecycle.ownData(sqlRowsOwner('analytics (rollups, reports)', db, { store: FORGET_STORE_SQL }));
  }

  get intervalMs(): number {
    return this.config.healIntervalMs ?? 60_000;
  }

  /** A dirty mark younger than this still has its queued rollup coming. */
  private get staleMs(): number {
    return (this.config.rollupDebounceMs ?? 60_000) + this.intervalMs;
  }

  /** Called for every stored batch: (re)marks its hours, refreshing marked_at so an earlier rollup cannot clear them. */
  async markDirty(storeId: string, hours: number[]): Promise<void> {
    if (hours.length === 0) return;
    await this.db.query(MARK_DIRTY_SQL, [storeId, hours.map((h) => new Date(h))]);
  }

  /** PostgreSQL's clock, taken before a rollup reads: marks at or before it are covered by that rollup. */
  async clock(): Promise<Date> {
    const [{ now }] = (await this.db.query(DB_CLOCK_SQL)) as { now: Date }[];
    return now;
  }

  /** After a rollup of [fromMs, toMs) that started at `startedAt` (this.clock()): its dirty hours are clean. */
  async clearDirty(storeId: string, fromMs: number, toMs: number, startedAt: Date): Promise<void> {
    await this.db.query(CLEAR_DIRTY_SQL, [storeId, new Date(fromMs), new Date(toMs), startedAt]);
  }

  async backlog(): Promise<DirtyBacklog> {
    const [r] = (await this.db.query(DIRTY_BACKLOG_SQL, [this.staleMs])) as { hours: number; stale: number; oldest: number }[];
    return { hours: r.hours, stale: r.stale, oldest_seconds: Math.round(r.oldest * 10) / 10 };
  }

  /** One healing pass; skipped (ran: false) while another process runs one. */
  async heal(nowMs = Date.now()): Promise<HealOutcome> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(TRY_HEAL_LOCK_SQL, [...HEAL_LOCK])) as { locked: boolean }[];
      if (!locked) return { ran: false, dirty: 0, mismatched: 0, ranges: 0 };
      try {
        return await this.pass(nowMs);
      } finally {
        await runner.query(HEAL_UNLOCK_SQL, [...HEAL_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  private async pass(nowMs: number): Promise<HealOutcome> {
    const startedAt = await this.clock();
    const marks = (await this.db.query(DIRTY_MARKS_SQL, [startedAt, this.staleMs, DIRTY_BATCH])) as { store_id: string; hour_start: Date; stale: boolean }[];
    const spans: Span[] = marks
      .filter((m) => m.stale)
      .map((m) => ({ storeId: m.store_id, from: m.hour_start.getTime(), to: m.hour_start.getTime() + HOUR_MS }));
    const dirty = spans.length;
    // Hours with a fresh mark are left to their queued job; the others are compared.
    const pending = marks.filter((m) => !m.stale).map((m) => ({ storeId: m.store_id, from: m.hour_start.getTime(), to: m.hour_start.getTime() + HOUR_MS }));
    const mismatched = (await this.mismatches(nowMs)).filter((h) => !pending.some((p) => overlaps(p, h)) && !spans.some((s) => overlaps(s, h)));
    spans.push(...mismatched);

    const merged = mergeSpans(spans);
    for (const s of merged) {
      await this.rollups.rollUp(s.storeId, s.from, s.to);
      await this.clearDirty(s.storeId, s.from, s.to, startedAt);
    }
    if (merged.length)
      this.logger.warn(
        `re-rolled ${dirty} dirty hours and ${mismatched.length} hours whose rollup missed events (${merged.length} ranges): their queued jobs were lost or late`,
      );
    return { ran: true, dirty, mismatched: mismatched.length, ranges: merged.length };
  }

  /** Store-local hours of the last 48 h whose rollup total is not the stored event count. */
  private async mismatches(nowMs: number): Promise<Span[]> {
    const stores = (await this.directory.listStores()).map((s) => ({ storeId: s.store_id, timezone: s.timezone }));
    if (stores.length === 0) return [];
    const from = new Date(Math.floor(nowMs / HOUR_MS) * HOUR_MS - COMPARE_HOURS * HOUR_MS);
    // Events may be stamped up to 5 minutes ahead of the server clock.
    const to = new Date(nowMs + 2 * HOUR_MS);
    const ids = stores.map((s) => s.storeId);
    const [raw, rolled] = await Promise.all([
      this.events.eventCountsByLocalHour(stores, from, to),
      this.db.query(ROLLED_EVENTS_SQL, [ids, from, to]) as Promise<{ store_id: string; hour_start: Date; events: number }[]>,
    ]);
    const counts = new Map<string, { storeId: string; hour: number; raw: number; rolled: number }>();
    const entry = (storeId: string, hour: number) => {
      const key = `${storeId}\u0000${hour}`;
      let e = counts.get(key);
      if (!e) counts.set(key, (e = { storeId, hour, raw: 0, rolled: 0 }));
      return e;
    };
    for (const r of raw) entry(r.storeId, r.hourStart.getTime()).raw = r.events;
    for (const r of rolled) entry(r.store_id, r.hour_start.getTime()).rolled = r.events;
    return [...counts.values()].filter((e) => e.raw !== e.rolled).map((e) => ({ storeId: e.storeId, from: e.hour, to: e.hour + HOUR_MS }));
  }
}

function overlaps(a: Span, b: Span): boolean {
  return a.storeId === b.storeId && a.from < b.to && b.from < a.to;
}

/** Per store, overlapping or touching spans joined: one rollUp per run of consecutive hours. */
function mergeSpans(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.from - b.from));
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last.storeId === s.storeId && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}
