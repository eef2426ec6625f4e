import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { StoreView } from '../admin/store-directory.service.ts';
import type { BucketCompleteness, HistoryBucket, OccupancyCorrectionView, StoreHistoryView } from '../../../shared/src/read-contract.ts';
import { startOfLocalDay } from '../common/store-clock.ts';
import { isIncomplete, MIN_COMPLETENESS } from '../ingest/data-completeness.ts';
import { DataCompleteness } from '../ingest/data-completeness.service.ts';
import { BUCKET_LABEL_FORMAT, StoreTotalsReader, type StoreTotalsRow } from '../ingest/store-totals.reader.ts';
import type { HistoryQuery, TimeBound } from './dashboard.dto.ts';
import { BUCKETS_SQL, CORRECTIONS_SQL } from './dashboard.queries.ts';
import { GRID_STEP, MAX_RANGE_DAYS, maxRangeMs } from './history-buckets.ts';
import { countersFromTotals, liveMetrics } from './live-counters.ts';
import { SalesService } from '../sales/sales.service.ts';
import { salesMeasures } from '../sales/sales-measures.ts';
import { bucketBounds, occupancyByBucket, sessionsBetween, type BucketOccupancy } from './occupancy.ts';

// The response shapes are declared once, in the read contract shared with the web dashboard.
export type { BucketCompleteness, HistoryBucket, OccupancyCorrectionView, StoreHistoryView } from '../../../shared/src/read-contract.ts';

function badRange(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', field: 'to', message: `to: ${message}` });
}

/** Time series of the dashboard metrics from PostgreSQL, bucketed by the store's local hours or days (feeds charts). */
@Injectable()
export class StoreHistory {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly totals: StoreTotalsReader,
    private readonly coverage: DataCompleteness,
    private readonly sales: SalesService,
  ) {}

  async history(store: StoreView, q: HistoryQuery): Promise<StoreHistoryView> {
    const tz = store.timezone;
    const from = resolve(q.from, tz);
    const to = resolve(q.to, tz);
    // Checked here rather than in the schema: a bare date means local midnight, known only with the store's zone.
    if (to <= from) throw badRange('must be after from');
    if (to.getTime() - from.getTime() > maxRangeMs(q.granularity)) {
      throw badRange(`covers more than ${MAX_RANGE_DAYS[q.granularity]} days after from; the ${q.granularity} granularity allows at most that`);
    }
    const g = q.granularity;
    const labels = (await this.db.query(BUCKETS_SQL, [from, to, g, tz, BUCKET_LABEL_FORMAT[g], GRID_STEP[g]])) as { bucket: string }[];
    const buckets = labels.map((l) => l.bucket);
    // Each label spans from its first instant to the next label's (a DST-repeated hour is two hours long). The first
    // instant is the store clock's (bucketBounds, as occupancy and /live use): PostgreSQL's date_trunc resolves a
    // twice-struck local midnight (Atlantic/Azores in October) to the second one, which would give the first
    // occurrence's events to the day before.
    const bounds = buckets.map((b) => bucketBounds(b, tz));
    const starts = bounds.map((b) => Math.max(from.getTime(), b.start));
    const spans = starts.map((startMs, i) => ({ startMs, endMs: i + 1 < starts.length ? starts[i + 1] : to.getTime() }));
    // Every read at once, each on its own connection: a month of a busy store is two scans of ~150,000 rows.
    const [rows, coverage, occupancy, corrections, sales] = await Promise.all([
      this.totals.bucketTotals({ storeId: store.store_id, from, to, buckets: buckets.map((label, i) => ({ label, startMs: starts[i] })) }),
      this.coverage.forBuckets(store.store_id, spans),
      this.occupancy(store, buckets, bounds, from, to),
      this.corrections(store.store_id, from, to),
      this.sales.byBucket(store, g, from.getTime(), to.getTime()),
    ]);
    const share = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
    const byBucket = new Map<string, StoreTotalsRow[]>();
    for (const r of rows) {
      let list = byBucket.get(r.bucket);
      if (!list) byBucket.set(r.bucket, (list = []));
      list.push(r);
    }
    return {
      store_id: store.store_id,
      timezone: tz,
      granularity: g,
      from: from.toISOString(),
      to: to.toISOString(),
      completeness_threshold: MIN_COMPLETENESS,
      corrections,
      buckets: buckets.map((bucket, i) => {
        const { counters, visitors } = countersFromTotals(byBucket.get(bucket) ?? []);
        const completeness: BucketCompleteness = {
          store: share(coverage.store[i]),
          incomplete: isIncomplete(coverage.store[i]),
          cameras: Object.fromEntries(coverage.cameras.map((c) => [c.camera_id, share(c.shares[i])])),
        };
        const metrics = liveMetrics(counters, visitors);
        return {
          bucket,
          ...metrics,
          ...occupancy[i],
          completeness,
          sales: sales.size ? salesMeasures(metrics.footfall, sales.get(bucket) ?? null, completeness.incomplete) : null,
        };
      }),
    };
  }

  /**
   * Occupancy per bucket (end, average, peak, closed out) from the entrance crossings, carried in from the
   * opening of the first bucket's day (local midnight without opening hours), as occupancy.ts computes it.
   */
  private async occupancy(store: StoreView, labels: string[], bounds: { start: number; end: number }[], from: Date, to: Date): Promise<BucketOccupancy[]> {
    const tz = store.timezone;
    const first = labels[0].slice(0, 10);
    const last = labels[labels.length - 1].slice(0, 10);
    const sessions = sessionsBetween(first, last, store.opening_hours, tz);
    const dayStart = startOfLocalDay(first, tz);
    const end = Math.max(to.getTime(), bounds[bounds.length - 1].end);
    const points = await this.totals.entranceFlow(store.store_id, new Date(Math.min(dayStart, from.getTime())), new Date(end));
    return occupancyByBucket(bounds, sessions, points, Date.now());
  }

  private async corrections(storeId: string, from: Date, to: Date): Promise<OccupancyCorrectionView[]> {
    const rows = (await this.db.query(CORRECTIONS_SQL, [storeId, from, to])) as {
      date: string;
      opened_at: Date;
      closed_at: Date;
      count: number;
      reason: string;
      recorded_at: Date;
    }[];
    return rows.map((r) => ({
      date: r.date,
      opened_at: r.opened_at.toISOString(),
      closed_at: r.closed_at.toISOString(),
      count: r.count,
      reason: r.reason,
      recorded_at: r.recorded_at.toISOString(),
    }));
  }
}

/** A bare date is the store's local midnight starting that date; a timestamp is the instant it names. */
function resolve(bound: TimeBound, tz: string): Date {
  return 'date' in bound ? new Date(startOfLocalDay(bound.date, tz)) : bound.instant;
}
