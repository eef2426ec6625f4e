import { createHash } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { BadRequestException, Inject, Injectable, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ReadAccess } from '../admin/read-access.guard.ts';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import { StoreDirectory, type StoreView } from '../admin/store-directory.service.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import type { ComparisonQuery, PromoQuery, SpikesQuery } from './analytics.dto.ts';
import { ComparisonReport, type ComparisonParams } from './comparison-report.service.ts';
import { JOB, REPORT_QUEUE, type QueueOf, type ReportQueueJobs } from './analytics.queues.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { SalesService } from '../sales/sales.service.ts';
import { PromotionLiftReport, promoDataRange, promoPeriods, type PromoBaseline, type PromoParams } from './promotion-lift-report.service.ts';
import { SpikeReport, type SpikeParams } from './spike-report.service.ts';
import { addDays, localDate, startOfLocalDay, startOfLocalHour } from '../common/store-clock.ts';
import { READY_REPORT_SQL, REPORT_BY_ID_SQL, REPORT_FAILED_SQL, REPORT_READY_SQL, REPORT_RUNNING_SQL, REQUEST_REPORT_SQL } from './analytics.queries.ts';

type ReportParams = SpikeParams | PromoParams | ComparisonParams;
type Status = 'pending' | 'running' | 'ready' | 'failed';

interface ReportRow {
  id: string;
  kind: ReportParams['kind'];
  params: ReportParams;
  store_ids: string[];
  data_from: Date;
  data_to: Date;
  requested_version: string;
  data_version: string | null;
  status: Status;
  runs: number;
  result: unknown;
  error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

/** What a controller sends back: 200 with the report, or 202 with where to poll for it. */
export interface ReportAnswer {
  status: 200 | 202;
  body: Record<string, unknown>;
}

/** A waiting request looks at its report row this often, backing off: most reports take tens of milliseconds. */
const POLL_MS = [10, 20, 40, 80, 150];

function badRequest(field: string, message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `${field}: ${message}`, field });
}

/** The baseline a query asks for: an explicit period, or the same weekdays of the preceding weeks (4 by default). */
function resolveBaseline(q: { baseline_weeks?: number; baseline_start_date?: string; baseline_end_date?: string }): PromoBaseline {
  return q.baseline_start_date && q.baseline_end_date
    ? { mode: 'range', start_date: q.baseline_start_date, end_date: q.baseline_end_date }
    : { mode: 'same_weekdays', weeks: q.baseline_weeks ?? 4 };
}

/**
 * Report requests and the stored reports. A report is identified by its resolved parameters (hash) and the
 * data version it was computed on: a request is answered from PostgreSQL while no rolled-up number in the
 * report's data range changed; otherwise a BullMQ job computes a new one and the request waits a little for
 * it before answering 202 with the report id.
 */
@Injectable()
export class AnalyticsReports {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(REPORT_QUEUE) private readonly queue: QueueOf<ReportQueueJobs>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rollups: HourlyRollup,
    private readonly stores: ReadableStores,
    private readonly directory: StoreDirectory,
    private readonly spikeReport: SpikeReport,
    private readonly promoReport: PromotionLiftReport,
    private readonly sales: SalesService,
    private readonly comparisonReport: ComparisonReport,
  ) {}

  /**
   * The version of a report's data: the rollups' largest stamp plus the sales hours'. Each only grows when a number
   * in the range changes (rows are never deleted), so their sum grows whenever either does — late footfall or a
   * corrected sales hour alike make the stored report stale.
   */
  private async dataVersion(storeIds: string[], fromMs: number, toMs: number, m?: EntityManager): Promise<number> {
    const [rollups, sales] = await Promise.all([this.rollups.dataVersion(storeIds, fromMs, toMs, m), this.sales.dataVersion(storeIds, fromMs, toMs, m)]);
    return rollups + sales;
  }

  async spikes(reader: ReadAccess, q: SpikesQuery, nowMs = Date.now()): Promise<ReportAnswer> {
    const store = await this.stores.get(reader, q.store_id);
    const params = this.resolveSpikes(store, q, nowMs);
    const range = SpikeReport.dataRange(params, store.timezone);
    return this.request(params, [store.store_id], range, { wait: true });
  }

  /** The 7-day report the dashboard opens with, for every store: the nightly precompute. */
  async precomputeSpikes(nowMs = Date.now()): Promise<number> {
    let enqueued = 0;
    for (const store of await this.directory.listStores()) {
      const params = this.resolveSpikes(store, { store_id: store.store_id, days: 7 }, nowMs);
      const answer = await this.request(params, [store.store_id], SpikeReport.dataRange(params, store.timezone), { wait: false });
      if (answer.status === 202) enqueued += 1;
    }
    return enqueued;
  }

  private resolveSpikes(store: StoreView, q: SpikesQuery, nowMs: number): SpikeParams {
    const today = localDate(nowMs, store.timezone);
    const end = q.end_date ?? addDays(today, -1);
    if (end > today) throw badRequest('end_date', `is in the future (today in ${store.timezone} is ${today})`);
    const to = Math.min(startOfLocalDay(addDays(end, 1), store.timezone), startOfLocalHour(nowMs, store.timezone));
    return { kind: 'spikes', store_id: store.store_id, days: q.days, start_date: addDays(end, -(q.days - 1)), end_date: end, to: new Date(to).toISOString() };
  }

  async promo(reader: ReadAccess, q: PromoQuery, nowMs = Date.now()): Promise<ReportAnswer> {
    const store = await this.stores.get(reader, q.store_id);
    const today = localDate(nowMs, store.timezone);
    if (q.start_date >= today) throw badRequest('start_date', `is not in the past (today in ${store.timezone} is ${today})`);
    if (q.end_date >= today) {
      throw badRequest('end_date', `must be a day that is over (today in ${store.timezone} is ${today}); compare a promotion once its last day has ended`);
    }
    const controls = await this.stores.getMany(reader, q.control_store_ids ?? [], 'control_store_ids');
    if (q.shelf_id && !(await this.rollups.knowsSubject(store.store_id, 'shelf', q.shelf_id))) {
      throw badRequest('shelf_id', `shelf ${q.shelf_id} has no recorded interactions in store ${store.store_id}`);
    }
    if (q.zone_id && !(await this.rollups.knowsSubject(store.store_id, 'zone', q.zone_id))) {
      throw badRequest('zone_id', `zone ${q.zone_id} has no recorded visits in store ${store.store_id}`);
    }
    const params: PromoParams = {
      kind: 'promo',
      store_id: store.store_id,
      start_date: q.start_date,
      end_date: q.end_date,
      shelf_id: q.shelf_id ?? null,
      zone_id: q.zone_id ?? null,
      baseline: resolveBaseline(q),
      control_store_ids: controls.map((c) => c.store_id).sort(),
    };
    const baselineField = params.baseline.mode === 'range' ? 'baseline_start_date' : 'start_date';
    await this.assertData(store, params, 'start_date', baselineField);
    for (const c of controls) await this.assertData(c, params, 'control_store_ids', 'control_store_ids');
    const ranges = [store, ...controls].map((s) => promoDataRange(params, s.timezone));
    const range = { from: Math.min(...ranges.map((r) => r.from)), to: Math.max(...ranges.map((r) => r.to)) };
    return this.request(params, [store.store_id, ...params.control_store_ids], range, { wait: true });
  }

  /**
   * GET /api/analytics/comparison: the reader's stores (or the ones named) over a period, each against its own
   * baseline. A store without data or without a POS is in the report with null measures, not refused.
   */
  async comparison(reader: ReadAccess, q: ComparisonQuery, nowMs = Date.now()): Promise<ReportAnswer> {
    const stores = q.store_ids ? await this.stores.getMany(reader, q.store_ids, 'store_ids') : await this.stores.list(reader);
    if (!stores.length) throw badRequest('store_ids', 'there are no stores to compare');
    // The period must be over in every store's time zone: the one furthest west decides.
    const west = stores.reduce((a, s) => (localDate(nowMs, s.timezone) < localDate(nowMs, a.timezone) ? s : a));
    const today = localDate(nowMs, west.timezone);
    if (q.start_date >= today) throw badRequest('start_date', `is not in the past (today in ${west.timezone} is ${today})`);
    if (q.end_date >= today) throw badRequest('end_date', `must be a day that is over in every store (today in ${west.timezone} is ${today})`);
    const params: ComparisonParams = {
      kind: 'comparison',
      start_date: q.start_date,
      end_date: q.end_date,
      baseline: resolveBaseline(q),
      store_ids: stores.map((s) => s.store_id).sort(),
    };
    const range = ComparisonReport.dataRange(
      params,
      stores.map((s) => s.timezone),
    );
    return this.request(params, params.store_ids, range, { wait: true });
  }

  /** 400 when a store has no data at all in the promotion or in the baseline: there is nothing to compare. */
  private async assertData(store: StoreView, p: PromoParams, promoField: string, baselineField: string): Promise<void> {
    const { promoDates, baselineDates } = promoPeriods(p);
    const range = promoDataRange(p, store.timezone);
    const observed = await this.rollups.observedDates(store.store_id, range.from, range.to);
    const span = (ds: string[]) => `${ds[0]}..${ds[ds.length - 1]}`;
    if (!baselineDates.some((d) => observed.has(d))) {
      const how = p.baseline.mode === 'range' ? 'in the baseline period' : `on the same weekdays of the ${p.baseline.weeks} weeks before the promotion`;
      throw badRequest(baselineField, `no history to compare with: store ${store.store_id} has no data ${how} (${span(baselineDates)})`);
    }
    if (!promoDates.some((d) => observed.has(d))) {
      throw badRequest(promoField, `store ${store.store_id} has no data in the promotion period (${span(promoDates)})`);
    }
  }

  private async request(params: ReportParams, storeIds: string[], range: { from: number; to: number }, opts: { wait: boolean }): Promise<ReportAnswer> {
    const hash = createHash('sha256').update(JSON.stringify(params)).digest('hex');
    const version = await this.dataVersion(storeIds, range.from, range.to);
    const [ready] = (await this.db.query(READY_REPORT_SQL, [hash, version])) as ReportRow[];
    if (ready) return this.answer(ready);
    const [row] = (await this.db.query(REQUEST_REPORT_SQL, [
      params.kind,
      JSON.stringify(params),
      hash,
      storeIds,
      new Date(range.from),
      new Date(range.to),
      version,
    ])) as (ReportRow & { previous_status: Status | null })[];
    if (row.status === 'ready') return this.answer(row);
    await this.enqueue(row.id, row.previous_status === 'failed');
    return opts.wait ? this.waitFor(row.id) : this.answer(row);
  }

  private async enqueue(reportId: string, retryFailed: boolean): Promise<void> {
    const jobId = `report/${reportId}`;
    if (retryFailed) {
      // A failed job keeps its id for a week; make room so the retry can be queued under the same id.
      const old = await this.queue.getJob(jobId);
      if (old && (await old.isFailed())) await old.remove();
    }
    // Same id for every request of this report: concurrent requests share one job.
    await this.queue.add(JOB.report, { reportId }, { jobId });
  }

  private async waitFor(id: string): Promise<ReportAnswer> {
    const deadline = Date.now() + (this.config.reportWaitMs ?? 3000);
    for (let i = 0; ; i++) {
      const row = await this.row(id);
      if (!row) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `id: report ${id} does not exist`, field: 'id' });
      if (row.status === 'ready' || row.status === 'failed' || Date.now() >= deadline) return this.answer(row);
      await new Promise((r) => setTimeout(r, POLL_MS[Math.min(i, POLL_MS.length - 1)]));
    }
  }

  async get(reader: ReadAccess, id: string): Promise<ReportAnswer> {
    const row = await this.row(id);
    const missing = () => new NotFoundException({ statusCode: 404, error: 'Not Found', message: `id: report ${id} does not exist`, field: 'id' });
    if (!row) throw missing();
    // A viewer sees a report only if it may read every store in it (target and controls).
    await this.stores.getMany(reader, row.store_ids).catch((e: unknown) => {
      throw e instanceof NotFoundException ? missing() : e;
    });
    return this.answer(row);
  }

  private async row(id: string): Promise<ReportRow | null> {
    const [row] = (await this.db.query(REPORT_BY_ID_SQL, [id])) as ReportRow[];
    return row ?? null;
  }

  private answer(row: ReportRow): ReportAnswer {
    const head = {
      report_id: row.id,
      kind: row.kind,
      status: row.status,
      params: row.params,
      data_range: { from: row.data_from.toISOString(), to: row.data_to.toISOString() },
      created_at: row.created_at.toISOString(),
    };
    if (row.status === 'ready') {
      return {
        status: 200,
        body: { ...head, data_version: Number(row.data_version), completed_at: row.completed_at?.toISOString() ?? null, result: row.result },
      };
    }
    if (row.status === 'failed') {
      throw new InternalServerErrorException({
        statusCode: 500,
        error: 'Internal Server Error',
        field: 'report',
        report_id: row.id,
        message: `report: computing report ${row.id} failed (${row.error ?? 'unknown error'}); request it again to retry`,
      });
    }
    return { status: 202, body: { ...head, poll: `/api/analytics/reports/${row.id}` } };
  }

  /** The worker side: computes a report and stores it. Safe to run twice (a retry after a crash rewrites the same row). */
  async compute(reportId: string): Promise<'computed' | 'skipped'> {
    const row = await this.row(reportId);
    if (!row || row.status === 'ready') return 'skipped';
    await this.db.query(REPORT_RUNNING_SQL, [reportId]);
    // The report's stores in one query (a comparison may have hundreds; the worker's cache starts empty).
    const found = await this.stores.lookupMany(row.store_ids);
    const stores = new Map<string, StoreView>();
    for (const id of row.store_ids) {
      const s = found.get(id);
      if (!s) throw new Error(`store ${id} of report ${reportId} no longer exists`);
      stores.set(id, s);
    }
    const timezones = new Map([...stores].map(([id, s]) => [id, s.timezone]));
    // One snapshot for the data and its version: the stored version is exactly the data the result saw.
    const ready = await this.db.transaction('REPEATABLE READ', async (m) => {
      const version = await this.dataVersion(row.store_ids, row.data_from.getTime(), row.data_to.getTime(), m);
      const p = row.params;
      const result =
        p.kind === 'spikes'
          ? await this.spikeReport.build(p, timezones.get(p.store_id)!, m)
          : p.kind === 'promo'
            ? await this.promoReport.build(p, timezones, m)
            : await this.comparisonReport.build(p, stores, m);
      return { result, version };
    });
    // Stored after the snapshot: a request for the same report meanwhile (another API process) touches its row, and
    // the write inside the snapshot failed with a serialization error, costing a second run (scale-out.e2e.spec.ts).
    await this.db.query(REPORT_READY_SQL, [reportId, JSON.stringify(ready.result), ready.version]);
    return 'computed';
  }

  /** Called when BullMQ gives up on a report job. */
  async markFailed(reportId: string, error: string): Promise<void> {
    await this.db.query(REPORT_FAILED_SQL, [reportId, error.slice(0, 500)]);
  }
}
