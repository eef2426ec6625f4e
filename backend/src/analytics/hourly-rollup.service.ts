import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import type { EventKind } from '../ingest/event-kinds.ts';
import { StoreEventsReader } from '../ingest/store-events.reader.ts';
import { spanColumns, type StoreSpan } from '../common/store-span.ts';
import {
  DAILY_TOTALS_SQL,
  DATA_VERSION_SQL,
  FOOTFALL_BY_HOUR_SQL,
  FOOTFALL_BY_STORE_DAY_SQL,
  FOOTFALL_BY_STORE_HOUR_SQL,
  KNOWS_SUBJECT_SQL,
  OBSERVED_DATES_SQL,
  REFRESH_ROLLUP_DAYS_SQL,
  REPLACE_ROLLUPS_SQL,
  ROLLUP_LOCK_SQL,
} from './analytics.queries.ts';

const DAY_MS = 86_400_000;
/** Advisory-lock namespace ('WINK'): rollups of one store run one at a time, across all worker processes. */
export const ROLLUP_LOCK_NAMESPACE = 0x57494e4b;

export interface RollupOutcome {
  events: number;
  rows: number;
  changed: number;
}

export interface DailyRow {
  date: string;
  kind: EventKind;
  subjectId: string;
  eventCount: number;
  exitCount: number;
  secondsSum: number;
}

/**
 * The hourly rollup table: per store, per store-local hour, per subject (of each subject kind, event-kinds.ts), the event
 * counts and summed seconds. Written only here, from aggregates the ingest module computes over its
 * event tables; read by the report builders.
 */
@Injectable()
export class HourlyRollup {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: StoreEventsReader,
    private readonly stores: ReadableStores,
  ) {}

  /**
   * Recomputes the rollups of [fromMs, toMs) from the raw events, a day per transaction. Idempotent: any
   * number of runs, in any order, interrupted or not, leave the rows the events imply.
   */
  async rollUp(storeId: string, fromMs: number, toMs: number): Promise<RollupOutcome> {
    const store = await this.stores.lookup(storeId);
    if (!store) return { events: 0, rows: 0, changed: 0 };
    const out: RollupOutcome = { events: 0, rows: 0, changed: 0 };
    for (let t = fromMs; t < toMs; t += DAY_MS) {
      const chunkEnd = Math.min(toMs, t + DAY_MS);
      await this.db.transaction(async (m) => {
        // Serialise per store: otherwise a rollup that read older events could commit after one that read newer.
        // The aggregate is read after the lock, so it sees every event committed before.
        await m.query(ROLLUP_LOCK_SQL, [ROLLUP_LOCK_NAMESPACE, storeId]);
        const agg = await this.events.hourlyAggregates({ storeId, timezone: store.timezone, from: new Date(t), to: new Date(chunkEnd) }, m);
        const r = agg.rows;
        const [{ changed }] = (await m.query(REPLACE_ROLLUPS_SQL, [
          storeId,
          r.map((x) => x.hourStart),
          r.map((x) => x.kind),
          r.map((x) => x.subjectId),
          r.map((x) => x.eventCount),
          r.map((x) => x.exitCount),
          r.map((x) => x.secondsSum),
          store.timezone,
          agg.from,
          agg.to,
        ])) as { changed: number }[];
        if (changed > 0) await m.query(REFRESH_ROLLUP_DAYS_SQL, [storeId, store.timezone, new Date(t), new Date(chunkEnd)]);
        out.events += r.reduce((a, x) => a + x.eventCount + x.exitCount, 0);
        out.rows += r.length;
        out.changed += changed;
      });
    }
    return out;
  }

  /** Largest row version over the stores and range: changes whenever any rolled-up number in it changes. */
  async dataVersion(storeIds: string[], fromMs: number, toMs: number, manager?: EntityManager): Promise<number> {
    const [row] = (await (manager ?? this.db.manager).query(DATA_VERSION_SQL, [storeIds, new Date(fromMs), new Date(toMs)])) as { v: string }[];
    return Number(row.v);
  }

  /** Footfall ('in') per local hour start (ms) over [fromMs, toMs); hours without a row had none. */
  async footfallByHour(storeId: string, fromMs: number, toMs: number, manager?: EntityManager): Promise<Map<number, number>> {
    const rows = (await (manager ?? this.db.manager).query(FOOTFALL_BY_HOUR_SQL, [storeId, new Date(fromMs), new Date(toMs)])) as {
      hour_start: Date;
      event_count: number;
    }[];
    return new Map(rows.map((r) => [r.hour_start.getTime(), r.event_count]));
  }

  /** The same for many stores in one query, each over its own spans: store → local hour start (ms) → footfall. */
  async footfallByStoreHour(spans: readonly StoreSpan[], manager?: EntityManager): Promise<Map<string, Map<number, number>>> {
    const rows = (await (manager ?? this.db.manager).query(FOOTFALL_BY_STORE_HOUR_SQL, spanColumns(spans))) as {
      store_id: string;
      hour_start: Date;
      event_count: number;
    }[];
    const out = new Map<string, Map<number, number>>();
    for (const r of rows) {
      let store = out.get(r.store_id);
      if (!store) out.set(r.store_id, (store = new Map()));
      store.set(r.hour_start.getTime(), r.event_count);
    }
    return out;
  }

  /**
   * Per store and local date in [firstDate, lastDate]: footfall and the bitmask of the hours that had any (bit
   * (epoch hour) mod 32), from rollup_days. Dates without an entrance row are absent: nothing recorded.
   */
  async footfallByStoreDay(
    storeIds: string[],
    firstDate: string,
    lastDate: string,
    manager?: EntityManager,
  ): Promise<Map<string, Map<string, { footfall: number; mask: number }>>> {
    const rows = (await (manager ?? this.db.manager).query(FOOTFALL_BY_STORE_DAY_SQL, [storeIds, firstDate, lastDate])) as {
      store_id: string;
      date: string;
      footfall: number;
      mask: number;
    }[];
    const out = new Map<string, Map<string, { footfall: number; mask: number }>>();
    for (const r of rows) {
      let store = out.get(r.store_id);
      if (!store) out.set(r.store_id, (store = new Map()));
      store.set(r.date, { footfall: r.footfall, mask: r.mask });
    }
    return out;
  }

  /**
   * Local dates on which the store recorded anything at all. A date without any row is unknown (cameras off,
   * or before the store's history), never "zero visitors".
   */
  async observedDates(storeId: string, fromMs: number, toMs: number, manager?: EntityManager): Promise<Set<string>> {
    const rows = (await (manager ?? this.db.manager).query(OBSERVED_DATES_SQL, [storeId, new Date(fromMs), new Date(toMs)])) as { d: string }[];
    return new Set(rows.map((r) => r.d));
  }

  /** Per local date and subject, the day's sums over [fromMs, toMs). */
  async dailyTotals(storeId: string, fromMs: number, toMs: number, manager?: EntityManager): Promise<DailyRow[]> {
    const rows = (await (manager ?? this.db.manager).query(DAILY_TOTALS_SQL, [storeId, new Date(fromMs), new Date(toMs)])) as {
      date: string;
      kind: EventKind;
      subject_id: string;
      n: number;
      x: number;
      s: number;
    }[];
    return rows.map((r) => ({ date: r.date, kind: r.kind, subjectId: r.subject_id, eventCount: r.n, exitCount: r.x, secondsSum: r.s }));
  }

  /** Whether the store ever recorded this zone or shelf. There is no registry of zones and shelves: the data is it. */
  async knowsSubject(storeId: string, kind: 'zone' | 'shelf', subjectId: string): Promise<boolean> {
    const rows = await this.db.query(KNOWS_SUBJECT_SQL, [storeId, kind, subjectId]);
    return rows.length > 0;
  }
}
