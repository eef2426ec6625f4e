import { Injectable } from '@nestjs/common';
import type { SalesMeasures } from '../../../shared/src/read-contract.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { localDate, localHourStarts, startOfLocalDay, startOfLocalHour } from '../common/store-clock.ts';
import { isIncomplete } from '../ingest/data-completeness.ts';
import { DataCompleteness } from '../ingest/data-completeness.service.ts';
import { StoreTotalsReader } from '../ingest/store-totals.reader.ts';
import { spanSalesMeasures } from '../sales/sales-measures.ts';
import { SalesService } from '../sales/sales.service.ts';

const HOUR_MS = 3_600_000;

/**
 * Today's sales beside today's footfall for /live, from PostgreSQL: sales volume is a few rows a day, so no live
 * counters. A store without sales today costs one index probe; otherwise its hours are paired with their footfall
 * and coverage (sales-measures.ts), so an hour whose sales are not in yet does not drag conversion down.
 */
@Injectable()
export class LiveSales {
  constructor(
    private readonly sales: SalesService,
    private readonly totals: StoreTotalsReader,
    private readonly coverage: DataCompleteness,
  ) {}

  async today(store: StoreView, nowMs = Date.now()): Promise<SalesMeasures | null> {
    const tz = store.timezone;
    const from = startOfLocalDay(localDate(nowMs, tz), tz);
    const sold = (await this.sales.byStoreHour([store.store_id], from, nowMs + 1)).get(store.store_id);
    if (!sold) return null;
    const starts = localHourStarts(from, startOfLocalHour(nowMs, tz) + HOUR_MS);
    const [flow, covered] = await Promise.all([
      this.totals.entranceFlow(store.store_id, new Date(from), new Date(nowMs + 1)),
      this.coverage.forBuckets(
        store.store_id,
        starts.map((s) => ({ startMs: s, endMs: s + HOUR_MS })),
        nowMs,
      ),
    ]);
    const footfall = new Map<number, number>();
    for (const p of flow) {
      const h = startOfLocalHour(p.t, tz);
      footfall.set(h, (footfall.get(h) ?? 0) + p.in);
    }
    return spanSalesMeasures(
      starts.map((s, i) => ({ footfall: footfall.get(s) ?? 0, sales: sold.get(s) ?? null, incomplete: isIncomplete(covered.store[i]) })),
    );
  }
}
