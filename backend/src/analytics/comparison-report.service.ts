import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ComparisonResult, ComparisonStore, PromoBaseline } from '../../../shared/src/read-contract.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { addDays, localDateReader, localHourStarts, startOfLocalDay } from '../common/store-clock.ts';
import { isIncomplete, MIN_COMPLETENESS } from '../ingest/data-completeness.ts';
import { DataCompleteness } from '../ingest/data-completeness.service.ts';
import { type BucketSales, salesTotalsByDate } from '../sales/sales-measures.ts';
import { SalesService } from '../sales/sales.service.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { promoDataRange, promoPeriods } from './promotion-lift-report.service.ts';
import { compareStores, hourSpans, periodMeasures, salesTotalsFromSums, type ComparisonDay, type DaySums } from './store-comparison.ts';

/** A comparison's parameters, fully resolved: equal parameters mean the same report. */
export interface ComparisonParams {
  kind: 'comparison';
  start_date: string;
  end_date: string;
  baseline: PromoBaseline;
  /** Sorted: the same stores in another order are the same report. */
  store_ids: string[];
}

// The report's shape is declared once, in the read contract shared with the web dashboard.
export type { ComparisonResult } from '../../../shared/src/read-contract.ts';

export const COMPARISON_METHOD = {
  periods:
    'store-local dates; the baseline is the same weekdays of the preceding baseline weeks, or an explicit period, as in the promotion report; each store is set against its own baseline',
  footfall: 'visitors per day over the days with data and without an under-covered hour (min_completeness, from heartbeats)',
  conversion_rate:
    'transactions ÷ footfall summed over the hours that have sales beside complete footfall: an hour with visitors but no sales sent, transactions but no footfall, or under-covered footfall is left out (left_out_hours counts those with sales)',
  sales_per_visitor: 'sales amount ÷ footfall over the same hours, in the store’s currency',
  rank: '1 = highest period value among the compared stores; equal values share a rank; a store without a value (no POS) has none',
  min_completeness: MIN_COMPLETENESS,
};

const HOUR_MS = 3_600_000;

/** Stores of an organisation side by side on footfall, conversion and sales per visitor, from the rollups and sales hours. */
@Injectable()
export class ComparisonReport {
  constructor(
    private readonly rollups: HourlyRollup,
    private readonly coverage: DataCompleteness,
    private readonly sales: SalesService,
  ) {}

  /** The span (UTC ms) the report reads across its stores' time zones. */
  static dataRange(p: ComparisonParams, timezones: readonly string[]): { from: number; to: number } {
    const ranges = timezones.map((tz) => promoDataRange(p, tz));
    return { from: Math.min(...ranges.map((r) => r.from)), to: Math.max(...ranges.map((r) => r.to)) };
  }

  async build(p: ComparisonParams, stores: ReadonlyMap<string, StoreView>, manager?: EntityManager): Promise<ComparisonResult> {
    const { promoDates, baselineDates } = promoPeriods(p);
    const wanted = new Set([...promoDates, ...baselineDates]);
    const first = [...wanted].sort()[0];
    const views = p.store_ids.map((id) => stores.get(id)!);
    // Day sums of every store in two queries of the day summaries (one after the other: inside the report's
    // transaction they share a connection).
    const footfallDays = await this.rollups.footfallByStoreDay(p.store_ids, first, p.end_date, manager);
    const salesDays = await this.sales.byStoreDay(p.store_ids, first, p.end_date, manager);
    // Coverage from heartbeats, outside the transaction as in the other reports (heartbeats carry no version), read
    // for all the stores at once.
    // The report's local hours, worked out once per time zone (the stores of a chain share a few): Intl calls per
    // store and day were most of the report's time.
    const calendars = new Map<string, { starts: number[]; dates: string[]; dateOf: (h: number) => string }>();
    const local = views.map((store) => {
      let c = calendars.get(store.timezone);
      if (!c) {
        const reader = localDateReader(store.timezone);
        const all = localHourStarts(startOfLocalDay(first, store.timezone), startOfLocalDay(addDays(p.end_date, 1), store.timezone));
        const dates = all.map(reader);
        const at = new Map(all.map((h, j) => [h, dates[j]]));
        const kept = all.flatMap((_, j) => (wanted.has(dates[j]) ? [j] : []));
        c = { starts: kept.map((j) => all[j]), dates: kept.map((j) => dates[j]), dateOf: (h) => at.get(h) ?? reader(h) };
        calendars.set(store.timezone, c);
      }
      return c;
    });
    const buckets = new Map([...calendars.values()].map((c) => [c, c.starts.map((h) => ({ startMs: h, endMs: h + HOUR_MS }))]));
    const covered = await this.coverage.forStores(new Map(views.map((store, i) => [store.store_id, buckets.get(local[i])!])));
    const hours = views.map((store, i) => {
      const { dateOf, starts, dates } = local[i];
      const incomplete = covered.get(store.store_id)!.store.map((c) => isIncomplete(c));
      return { dateOf, starts, dates, incomplete, incompleteDates: new Set(dates.filter((_, j) => incomplete[j])) };
    });
    const sums = views.map((store, i) => {
      const f = footfallDays.get(store.store_id);
      const s = salesDays.get(store.store_id);
      return new Map([...wanted].map((d): [string, DaySums] => [d, { footfall: f?.get(d), sales: s?.get(d), incomplete: hours[i].incompleteDates.has(d) }]));
    });
    // Hours are read only for the days that cannot be paired from their sums (an under-covered hour, or sales and
    // footfall in different hours), each store over just those days: most days of most stores need none.
    const detail = views.map((_, i) => {
      const dates = new Set([...sums[i]].filter(([, d]) => salesTotalsFromSums(d) === null).map(([date]) => date));
      const at: number[] = [];
      if (dates.size) hours[i].dates.forEach((d, j) => dates.has(d) && at.push(j));
      return { dates, starts: at.map((j) => hours[i].starts[j]), incomplete: at.map((j) => hours[i].incomplete[j]) };
    });
    const spans = views.flatMap((store, i) => hourSpans(detail[i].starts, HOUR_MS).map(([fromMs, toMs]) => ({ storeId: store.store_id, fromMs, toMs })));
    const hourlyFootfall = spans.length ? await this.rollups.footfallByStoreHour(spans, manager) : new Map<string, Map<number, number>>();
    const hourlySales = spans.length ? await this.sales.byStoreSpans(spans, manager) : new Map<string, Map<number, BucketSales>>();
    const measured = views.map((store, i) => {
      const h = hours[i];
      const x = detail[i];
      const byHour = x.dates.size
        ? salesTotalsByDate(x.starts, h.dateOf, hourlyFootfall.get(store.store_id) ?? new Map(), hourlySales.get(store.store_id) ?? new Map(), x.incomplete)
        : null;
      const day = (d: string): ComparisonDay => {
        const sum = sums[i].get(d)!;
        return {
          footfall: sum.footfall?.footfall ?? null,
          incomplete: sum.incomplete,
          sales: x.dates.has(d) ? byHour!.get(d) : (salesTotalsFromSums(sum) ?? undefined),
        };
      };
      return { store, period: periodMeasures(promoDates.map(day)), baseline: periodMeasures(baselineDates.map(day)) };
    });
    const compared = compareStores(measured);
    const rows: ComparisonStore[] = measured.map((m, i) => ({
      store_id: m.store.store_id,
      name: m.store.name,
      timezone: m.store.timezone,
      currency: m.period.currency ?? m.baseline.currency,
      days_with_data: m.period.days_with_data,
      left_out_hours: m.period.left_out_hours,
      measures: compared[i],
    }));
    // By footfall rank; stores without footfall last; then by id, so equal ranks keep one order.
    rows.sort((a, b) => (a.measures.footfall.rank ?? Infinity) - (b.measures.footfall.rank ?? Infinity) || a.store_id.localeCompare(b.store_id));
    return {
      start_date: p.start_date,
      end_date: p.end_date,
      days: promoDates.length,
      baseline: { ...p.baseline, start_date: baselineDates[0], end_date: baselineDates[baselineDates.length - 1] },
      method: COMPARISON_METHOD,
      stores: rows,
    };
  }
}
