import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { PeriodSummary, PromoBaseline, PromoResult } from '../../../shared/src/read-contract.ts';
import type { EntityManager } from 'typeorm';
import { isIncomplete, MIN_COMPLETENESS } from '../ingest/data-completeness.ts';
import { DataCompleteness } from '../ingest/data-completeness.service.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { estimatePromotionLift, type DayMetrics, type PromotionLift } from './promotion-lift.estimator.ts';
import { addDays, daysBetween, isoDow, localDateReader, localHourStarts, localIso, startOfLocalDay } from '../common/store-clock.ts';
import { salesTotalsByDate } from '../sales/sales-measures.ts';
import { SalesService } from '../sales/sales.service.ts';

/** A promotion report's parameters, fully resolved: equal parameters mean the same report. */
export interface PromoParams {
  kind: 'promo';
  store_id: string;
  start_date: string;
  end_date: string;
  shelf_id: string | null;
  zone_id: string | null;
  baseline: PromoBaseline;
  /** Sorted, so the same set in another order is the same report. */
  control_store_ids: string[];
}

// The report's shape is declared once, in the read contract shared with the web dashboard.
export type { PeriodSummary, PromoBaseline, PromoResult } from '../../../shared/src/read-contract.ts';

export const BOOTSTRAP_RESAMPLES = 2000;

/** Four significant digits: more would be noise next to intervals this wide. Integers (counts, seeds) stay as they are. */
function readable<T>(value: T): T {
  if (typeof value === 'number') return (Number.isInteger(value) ? value : Number(value.toPrecision(4))) as T;
  if (Array.isArray(value)) return value.map(readable) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)])) as T;
  return value;
}

export const PROMO_METHOD = {
  counts:
    "footfall and shelf interactions per day: exact conditional Poisson test (binomial split of the two periods' counts, Clopper–Pearson 95% interval of the rate ratio); quasi-Poisson Wald test on log(rate ratio) when the baseline days vary more than Poisson (dispersion φ > 1, estimated within weekdays)",
  means:
    'interactions per visitor, average zone dwell, average shelf dwell, average queue wait: ratio of summed daily totals, percentile bootstrap over days (each period resampled on its own), seeded',
  did: 'difference-in-differences against the pooled control stores (store-wide metrics): log(rate ratio) contrast for counts, bootstrap over store-days for means',
  missing_days: 'days on which a store recorded nothing at all are treated as missing (camera outage), not as zero',
  incomplete_days:
    'a day with an hour whose entrance cameras analysed less than min_completeness of it (from heartbeats: stream down, stalled, ended, too few frames) is left out of the comparison like a missing day; listed in incomplete_dates with its left_out_hours',
  sales:
    'conversion rate (transactions ÷ footfall) and sales per visitor: ratio of summed daily totals over the hours that have both sales and footfall (an hour with visitors but no sales sent, or transactions but no footfall, is left out), bootstrap over the days with such hours',
  min_completeness: MIN_COMPLETENESS,
  resamples: BOOTSTRAP_RESAMPLES,
};

/** The promotion days and the baseline days they are compared with. */
export function promoPeriods(p: Pick<PromoParams, 'start_date' | 'end_date' | 'baseline'>): { promoDates: string[]; baselineDates: string[] } {
  const promoDates = Array.from({ length: daysBetween(p.start_date, p.end_date) + 1 }, (_, i) => addDays(p.start_date, i));
  let baselineDates: string[];
  if (p.baseline.mode === 'range') {
    const b = p.baseline;
    baselineDates = Array.from({ length: daysBetween(b.start_date, b.end_date) + 1 }, (_, i) => addDays(b.start_date, i));
  } else {
    // The same weekdays of the preceding weeks: weekly seasonality cancels out without any model of it.
    const inPromo = new Set(promoDates);
    const set = new Set<string>();
    for (const d of promoDates) for (let w = 1; w <= p.baseline.weeks; w++) set.add(addDays(d, -7 * w));
    baselineDates = [...set].filter((d) => !inPromo.has(d)).sort();
  }
  return { promoDates, baselineDates };
}

/** The local-time span (UTC ms) a store's report reads. */
export function promoDataRange(p: Pick<PromoParams, 'start_date' | 'end_date' | 'baseline'>, timezone: string): { from: number; to: number } {
  const { baselineDates } = promoPeriods(p);
  return {
    from: startOfLocalDay(baselineDates[0] < p.start_date ? baselineDates[0] : p.start_date, timezone),
    to: startOfLocalDay(addDays(p.end_date, 1), timezone),
  };
}

/** A stable 32-bit seed per parameter set: the same report always resamples the same days. */
export function bootstrapSeed(p: PromoParams): number {
  return createHash('sha256').update(JSON.stringify(p)).digest().readUInt32BE(0);
}

@Injectable()
export class PromotionLiftReport {
  constructor(
    private readonly rollups: HourlyRollup,
    private readonly coverage: DataCompleteness,
    private readonly sales: SalesService,
  ) {}

  /** Daily metrics of a store on the given dates; dates without any data come back as missing. */
  async days(
    storeId: string,
    timezone: string,
    dates: { promo: string[]; baseline: string[] },
    filters: { shelfId: string | null; zoneId: string | null },
    manager?: EntityManager,
  ): Promise<{
    promo: DayMetrics[];
    baseline: DayMetrics[];
    missing: { promo: string[]; baseline: string[] };
    incomplete: { promo: string[]; baseline: string[]; hours: string[] };
  }> {
    const all = [...dates.promo, ...dates.baseline].sort();
    const fromMs = startOfLocalDay(all[0], timezone);
    const toMs = startOfLocalDay(addDays(all[all.length - 1], 1), timezone);
    // One after another: inside the report's transaction they share one connection.
    const rows = await this.rollups.dailyTotals(storeId, fromMs, toMs, manager);
    const footfall = await this.rollups.footfallByHour(storeId, fromMs, toMs, manager);
    const sold = await this.sales.byStoreHour([storeId], fromMs, toMs, manager);
    // Under-covered hours (heartbeats): their day is left out, like a day without data.
    const wanted = new Set(all);
    const dateOf = localDateReader(timezone);
    const starts = localHourStarts(fromMs, toMs).filter((utc) => wanted.has(dateOf(utc)));
    const covered = await this.coverage.forBuckets(
      storeId,
      starts.map((utc) => ({ startMs: utc, endMs: utc + 3_600_000 })),
    );
    const incomplete = covered.store.map((c) => isIncomplete(c));
    const leftOutHours = starts.filter((_, i) => incomplete[i]);
    const incompleteDates = new Set(leftOutHours.map((utc) => dateOf(utc)));
    // Each day's sales beside its footfall, hour by hour: only hours with both sides feed conversion.
    const sales = salesTotalsByDate(starts, dateOf, footfall, sold.get(storeId) ?? new Map(), incomplete);
    const byDate = new Map<string, DayMetrics>();
    for (const r of rows) {
      let d = byDate.get(r.date);
      if (!d) {
        d = {
          date: r.date,
          isoDow: isoDow(r.date),
          footfall: 0,
          interactions: 0,
          shelfDwellSeconds: 0,
          zoneEntries: 0,
          zoneDwellSeconds: 0,
          queueWaits: 0,
          queueWaitSeconds: 0,
          pairedTransactions: sales.get(r.date)?.paired.transactions ?? 0,
          pairedSalesAmount: sales.get(r.date)?.paired.salesAmount ?? 0,
          pairedFootfall: sales.get(r.date)?.paired.footfall ?? 0,
        };
        byDate.set(r.date, d);
      }
      if (r.kind === 'entrance') d.footfall += r.eventCount;
      else if (r.kind === 'shelf' && (!filters.shelfId || r.subjectId === filters.shelfId)) {
        d.interactions += r.eventCount;
        d.shelfDwellSeconds += r.secondsSum;
      } else if (r.kind === 'zone' && (!filters.zoneId || r.subjectId === filters.zoneId)) {
        d.zoneEntries += r.eventCount;
        d.zoneDwellSeconds += r.secondsSum;
      } else if (r.kind === 'queue') {
        d.queueWaits += r.eventCount;
        d.queueWaitSeconds += r.secondsSum;
      }
    }
    const split = (ds: string[]) => ({
      present: ds.flatMap((d) => (incompleteDates.has(d) ? [] : (byDate.get(d) ?? []))),
      missing: ds.filter((d) => !byDate.has(d) && !incompleteDates.has(d)),
      incomplete: ds.filter((d) => incompleteDates.has(d)),
    });
    const promo = split(dates.promo);
    const baseline = split(dates.baseline);
    return {
      promo: promo.present,
      baseline: baseline.present,
      missing: { promo: promo.missing, baseline: baseline.missing },
      incomplete: { promo: promo.incomplete, baseline: baseline.incomplete, hours: leftOutHours.map((utc) => localIso(utc, timezone)) },
    };
  }

  async build(p: PromoParams, timezones: Map<string, string>, manager?: EntityManager): Promise<PromoResult> {
    const { promoDates, baselineDates } = promoPeriods(p);
    const dates = { promo: promoDates, baseline: baselineDates };
    const timezone = timezones.get(p.store_id)!;
    const target = await this.days(p.store_id, timezone, dates, { shelfId: p.shelf_id, zoneId: p.zone_id }, manager);
    let control: { promo: DayMetrics[]; baseline: DayMetrics[] } | null = null;
    if (p.control_store_ids.length) {
      control = { promo: [], baseline: [] };
      // Pooled: every control store-day is one unit of exposure and one bootstrap unit.
      for (const id of p.control_store_ids) {
        const c = await this.days(id, timezones.get(id)!, dates, { shelfId: null, zoneId: null }, manager);
        control.promo.push(...c.promo);
        control.baseline.push(...c.baseline);
      }
    }
    const seed = bootstrapSeed(p);
    const lift = estimatePromotionLift(target, control, { resamples: BOOTSTRAP_RESAMPLES, seed });
    const summary = (ds: string[], present: number, missing: string[], incomplete: string[]): PeriodSummary => ({
      start_date: ds[0],
      end_date: ds[ds.length - 1],
      days: ds.length,
      days_with_data: present,
      missing_dates: missing,
      incomplete_dates: incomplete,
      left_out_hours: target.incomplete.hours.filter((h) => incomplete.includes(h.slice(0, 10))),
    });
    return {
      store_id: p.store_id,
      timezone,
      filters: { shelf_id: p.shelf_id, zone_id: p.zone_id },
      promo: summary(promoDates, target.promo.length, target.missing.promo, target.incomplete.promo),
      baseline: { ...summary(baselineDates, target.baseline.length, target.missing.baseline, target.incomplete.baseline), ...p.baseline },
      metrics: readable(lift.metrics),
      did:
        control && lift.did
          ? {
              control_store_ids: p.control_store_ids,
              promo_store_days: control.promo.length,
              baseline_store_days: control.baseline.length,
              metrics: readable(lift.did),
            }
          : null,
      method: { ...PROMO_METHOD, bootstrap_seed: seed },
    };
  }
}
