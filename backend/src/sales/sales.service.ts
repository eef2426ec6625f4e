import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { PosKeyScope } from '../admin/pos-key.service.ts';
import { StoreDirectory, type StoreView } from '../admin/store-directory.service.ts';
import { sqlRowsOwner, TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { writeRefusal } from '../admin/tenant-state.ts';
import { localIso, startOfLocalHour } from '../common/store-clock.ts';
import { spanColumns, type StoreSpan } from '../common/store-span.ts';
import type { BucketSales } from './sales-measures.ts';
import { parseSalesCsv } from './sales-csv.ts';
import type { SalesBatchDto, SalesWriteOutcome } from './sales.dto.ts';
import {
  CORRECTIONS_SQL,
  FORGET_STORE_SQL,
  RECEIPT_HOURS_SQL,
  RECEIPT_TOTALS_SQL,
  REFRESH_SALES_DAYS_SQL,
  SALES_BY_DAY_SQL,
  SALES_BY_HOUR_SQL,
  SALES_BY_STORE_SPANS_SQL,
  SALES_LOCK_SQL,
  SALES_VERSION_SQL,
  STORE_CURRENCY_SQL,
  WRITE_HOURS_SQL,
  WRITE_RECEIPTS_SQL,
} from './sales.queries.ts';

/** Advisory-lock namespace ('SALE'): one sales write per store at a time, across API processes. */
const SALES_LOCK_NAMESPACE = 0x53414c45;
/** Receipts may be stamped this far ahead of the server clock (a till's clock drifts), as events may. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** One store-local hour's sales, as stored. */
export interface SalesHour {
  storeId: string;
  hourStart: number;
  transactions: number;
  salesAmount: number;
  units: number | null;
  currency: string;
}

export interface SalesCorrection {
  hour_start: string;
  old: { transactions: number; sales_amount: number; units: number | null };
  new: { transactions: number; sales_amount: number; units: number | null };
  source: string;
  corrected_at: string;
}

/** An hour to write; `sales_amount` as text when it comes from PostgreSQL (numeric, exact). */
interface HourInput {
  hourStart: number;
  transactions: number;
  salesAmount: number | string;
  units: number | null;
}

function badRequest(field: string, message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `${field}: ${message}`, field });
}

function storeNotFound(storeId: string, field = 'store_id'): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${field}: store ${storeId} does not exist`, field });
}

interface SalesHourRow {
  store_id: string;
  hour_start: Date;
  transactions: number;
  sales_amount: number;
  units: number | null;
  currency: string;
}
const salesHour = (r: SalesHourRow): SalesHour => ({
  storeId: r.store_id,
  hourStart: r.hour_start.getTime(),
  transactions: r.transactions,
  salesAmount: r.sales_amount,
  units: r.units,
  currency: r.currency,
});

/**
 * Sales per store and hour: written by point-of-sale systems (POST /api/sales, hours or receipts) and CSV uploads,
 * read by the dashboard and the reports. A request is stored whole or not at all: everything is validated first,
 * then written in one transaction. Re-sending an hour or a receipt changes nothing; a changed one replaces the old
 * numbers, which are kept in sales_corrections. Every changed hour gets a new version, so reports over it are
 * recomputed (the hours are the rollup of receipts; there is nothing else to re-roll).
 */
@Injectable()
export class SalesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly directory: StoreDirectory,
    lifecycle: TenantLifecycle,
  ) {
    lifecycle.ownData(sqlRowsOwner('sales', db, { store: FORGET_STORE_SQL }));
  }

  /** POST /api/sales. Another organisation's store, or another store than a store key's, is a 404 like a missing one. */
  async submit(scope: PosKeyScope, dto: SalesBatchDto, nowMs = Date.now()): Promise<SalesWriteOutcome> {
    const store = scope.storeId && scope.storeId !== dto.store_id ? null : await this.directory.findStore(dto.store_id, scope.orgId);
    if (!store) throw storeNotFound(dto.store_id);
    // An organisation's key may name any of its stores: the store's own state is checked here (a store key's in its scope).
    const refusal = writeRefusal([{ kind: 'store', id: store.store_id, status: store.status }], 'store_id');
    if (refusal) throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', field: 'store_id', message: refusal });
    if (dto.rows) {
      const hours = dto.rows.map((r, i) => ({
        hourStart: this.hourStart(store, r.hour, `rows[${i}].hour`, nowMs),
        transactions: r.transactions,
        salesAmount: r.sales_amount,
        units: r.units ?? null,
      }));
      return this.write([{ store, hours }], dto.currency, 'api');
    }
    const receipts = (dto.receipts ?? []).map((r, i) => {
      const ts = Date.parse(r.ts);
      if (ts > nowMs + MAX_FUTURE_SKEW_MS) throw badRequest(`receipts[${i}].ts`, 'is more than 5 minutes in the future');
      return { ...r, tsMs: ts, hourStart: startOfLocalHour(ts, store.timezone) };
    });
    return this.db.transaction(async (m) => {
      await this.lockStore(m, store, dto.currency);
      const ids = receipts.map((r) => r.receipt_id);
      const earlier = (await m.query(RECEIPT_HOURS_SQL, [store.store_id, ids])) as { hour_start: Date }[];
      await m.query(WRITE_RECEIPTS_SQL, [
        store.store_id,
        ids,
        receipts.map((r) => new Date(r.tsMs)),
        receipts.map((r) => new Date(r.hourStart)),
        receipts.map((r) => r.amount),
        receipts.map((r) => r.units ?? null),
      ]);
      const touched = [...new Set([...receipts.map((r) => r.hourStart), ...earlier.map((e) => e.hour_start.getTime())])];
      const totals = (await m.query(RECEIPT_TOTALS_SQL, [store.store_id, touched.map((h) => new Date(h))])) as {
        hour_start: Date;
        transactions: number;
        sales_amount: string;
        units: number | null;
      }[];
      const hours = totals.map((t) => ({ hourStart: t.hour_start.getTime(), transactions: t.transactions, salesAmount: t.sales_amount, units: t.units }));
      const { written, corrected } = await this.writeHours(m, store, hours, dto.currency, 'api');
      return { stores: [store.store_id], hours: hours.length, inserted: written - corrected, corrected, unchanged: hours.length - written };
    });
  }

  /** POST /api/admin/stores/:store_id/sales.csv: rows naming another store must name one of the same organisation. */
  async uploadCsv(storeId: string, text: string, currency: string, nowMs = Date.now()): Promise<SalesWriteOutcome> {
    const home = await this.directory.getLiveStore(storeId);
    const parsed = parseSalesCsv(text, storeId);
    if (!parsed.ok) throw badRequest(parsed.field, parsed.message);
    const groups = new Map<string, { store: StoreView; hours: HourInput[] }>([[home.store_id, { store: home, hours: [] }]]);
    for (const [i, row] of parsed.rows.entries()) {
      let group = groups.get(row.store_id);
      if (!group) {
        const store = await this.directory.findStore(row.store_id, home.org_id);
        if (!store) throw storeNotFound(row.store_id, `rows[${i}].store_id`);
        groups.set(row.store_id, (group = { store, hours: [] }));
      }
      group.hours.push({
        hourStart: this.hourStart(group.store, row.hour, `rows[${i}].hour`, nowMs, ` (line ${i + 2})`),
        transactions: row.transactions,
        salesAmount: row.sales_amount,
        units: row.units ?? null,
      });
    }
    return this.write(
      [...groups.values()].filter((g) => g.hours.length > 0),
      currency,
      'csv',
    );
  }

  /** Sales per store and local hour over [fromMs, toMs); hours without a row have no sales data (unknown, not zero). */
  async hourly(storeIds: string[], fromMs: number, toMs: number, manager?: EntityManager): Promise<SalesHour[]> {
    return ((await (manager ?? this.db.manager).query(SALES_BY_HOUR_SQL, [storeIds, new Date(fromMs), new Date(toMs)])) as SalesHourRow[]).map(salesHour);
  }

  /** The same, per store (absent: no sales in the range) and hour start. */
  async byStoreHour(storeIds: string[], fromMs: number, toMs: number, manager?: EntityManager): Promise<Map<string, Map<number, BucketSales>>> {
    return this.byStoreSpans(
      storeIds.map((storeId) => ({ storeId, fromMs, toMs })),
      manager,
    );
  }

  /** {@link byStoreHour} with each store over its own spans (a report reading only the days it needs hour by hour). */
  async byStoreSpans(spans: readonly StoreSpan[], manager?: EntityManager): Promise<Map<string, Map<number, BucketSales>>> {
    const out = new Map<string, Map<number, BucketSales>>();
    if (!spans.length) return out;
    const rows = (await (manager ?? this.db.manager).query(SALES_BY_STORE_SPANS_SQL, spanColumns(spans))) as SalesHourRow[];
    for (const h of rows.map(salesHour)) {
      let store = out.get(h.storeId);
      if (!store) out.set(h.storeId, (store = new Map()));
      store.set(h.hourStart, { transactions: h.transactions, salesAmount: h.salesAmount, currency: h.currency });
    }
    return out;
  }

  /**
   * Sales per store and local date in [firstDate, lastDate] (from sales_days), with the bitmask of the hours sent
   * (bit (epoch hour) mod 32): a report over many stores compares it with the footfall's and reads hours only where
   * the two differ.
   */
  async byStoreDay(
    storeIds: string[],
    firstDate: string,
    lastDate: string,
    manager?: EntityManager,
  ): Promise<Map<string, Map<string, BucketSales & { hours: number; mask: number }>>> {
    const rows = (await (manager ?? this.db.manager).query(SALES_BY_DAY_SQL, [storeIds, firstDate, lastDate])) as {
      store_id: string;
      date: string;
      transactions: number;
      sales_amount: number;
      currency: string;
      hours: number;
      mask: number;
    }[];
    const out = new Map<string, Map<string, BucketSales & { hours: number; mask: number }>>();
    for (const r of rows) {
      let store = out.get(r.store_id);
      if (!store) out.set(r.store_id, (store = new Map()));
      store.set(r.date, { transactions: r.transactions, salesAmount: r.sales_amount, currency: r.currency, hours: r.hours, mask: r.mask });
    }
    return out;
  }

  /**
   * A store's sales summed per local bucket over [fromMs, toMs), keyed by the history's bucket labels
   * (`YYYY-MM-DDTHH:00` or `YYYY-MM-DD`); buckets without any sales hour are absent.
   */
  async byBucket(store: StoreView, granularity: 'hour' | 'day', fromMs: number, toMs: number): Promise<Map<string, BucketSales>> {
    const out = new Map<string, BucketSales>();
    for (const h of await this.hourly([store.store_id], fromMs, toMs)) {
      const iso = localIso(h.hourStart, store.timezone);
      const label = granularity === 'hour' ? `${iso.slice(0, 13)}:00` : iso.slice(0, 10);
      const b = out.get(label) ?? { transactions: 0, salesAmount: 0, currency: h.currency };
      b.transactions += h.transactions;
      b.salesAmount += h.salesAmount;
      out.set(label, b);
    }
    return out;
  }

  /** Largest version of the stores' sales hours in [fromMs, toMs): it grows whenever one of them changes. */
  async dataVersion(storeIds: string[], fromMs: number, toMs: number, manager?: EntityManager): Promise<number> {
    const [row] = (await (manager ?? this.db.manager).query(SALES_VERSION_SQL, [storeIds, new Date(fromMs), new Date(toMs)])) as { v: string }[];
    return Number(row.v);
  }

  /** The store's latest corrections, newest first. */
  async corrections(storeId: string, limit = 100): Promise<SalesCorrection[]> {
    const rows = (await this.db.query(CORRECTIONS_SQL, [storeId, limit])) as {
      hour_start: Date;
      old_transactions: number;
      old_sales_amount: number;
      old_units: number | null;
      new_transactions: number;
      new_sales_amount: number;
      new_units: number | null;
      source: string;
      corrected_at: Date;
    }[];
    return rows.map((r) => ({
      hour_start: r.hour_start.toISOString(),
      old: { transactions: r.old_transactions, sales_amount: r.old_sales_amount, units: r.old_units },
      new: { transactions: r.new_transactions, sales_amount: r.new_sales_amount, units: r.new_units },
      source: r.source,
      corrected_at: r.corrected_at.toISOString(),
    }));
  }

  /** The instant a row's hour starts; 400 unless it is the start of a store-local hour that has begun. */
  private hourStart(store: StoreView, hour: string, field: string, nowMs: number, where = ''): number {
    const ms = Date.parse(hour);
    if (startOfLocalHour(ms, store.timezone) !== ms) {
      throw badRequest(field, `${where ? `${where.trim()} ` : ''}must be the start of an hour in the store's time zone (${store.timezone}), e.g. 10:00`);
    }
    if (ms > startOfLocalHour(nowMs, store.timezone)) throw badRequest(field, `${where ? `${where.trim()} ` : ''}is in the future`);
    return ms;
  }

  /** Every group's hours in one transaction: all or nothing. */
  private write(groups: { store: StoreView; hours: HourInput[] }[], currency: string, source: 'api' | 'csv'): Promise<SalesWriteOutcome> {
    return this.db.transaction(async (m) => {
      const out: SalesWriteOutcome = { stores: [], hours: 0, inserted: 0, corrected: 0, unchanged: 0 };
      for (const { store, hours } of groups) {
        await this.lockStore(m, store, currency);
        const { written, corrected } = await this.writeHours(m, store, hours, currency, source);
        out.stores.push(store.store_id);
        out.hours += hours.length;
        out.inserted += written - corrected;
        out.corrected += corrected;
        out.unchanged += hours.length - written;
      }
      return out;
    });
  }

  /** Takes the store's write lock; 400 when the store already reports in another currency. */
  private async lockStore(m: EntityManager, store: StoreView, currency: string): Promise<void> {
    await m.query(SALES_LOCK_SQL, [SALES_LOCK_NAMESPACE, store.store_id]);
    const [known] = (await m.query(STORE_CURRENCY_SQL, [store.store_id])) as { currency: string }[];
    if (known && known.currency !== currency)
      throw badRequest('currency', `must be ${known.currency}: store ${store.store_id} reports its sales in ${known.currency}`);
  }

  private async writeHours(
    m: EntityManager,
    store: StoreView,
    hours: HourInput[],
    currency: string,
    source: 'api' | 'csv',
  ): Promise<{ written: number; corrected: number }> {
    const [r] = (await m.query(WRITE_HOURS_SQL, [
      store.store_id,
      store.org_id,
      hours.map((h) => new Date(h.hourStart)),
      hours.map((h) => h.transactions),
      hours.map((h) => h.salesAmount),
      hours.map((h) => h.units),
      currency,
      source,
    ])) as { written: number; corrected: number }[];
    if (r.written > 0) await m.query(REFRESH_SALES_DAYS_SQL, [store.store_id, store.timezone, hours.map((h) => new Date(h.hourStart))]);
    return r;
  }
}
