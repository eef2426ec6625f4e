import { Injectable, Logger } from '@nestjs/common';
import type { Spike, SpikeHour } from '../../../shared/src/read-contract.ts';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { localDate, startOfLocalHour } from '../common/store-clock.ts';
import { TypedEvents } from '../common/typed-events.ts';
import { SpikeReport } from './spike-report.service.ts';

const HOUR_MS = 3_600_000;

/** The hourly analysis's in-process events (subscriber: the alerts module's traffic_spike rule). */
export interface HourlyAnalysisEvents {
  /** A rollup covered the store's last complete local hour: its footfall is known, it may be assessed. */
  'hour.closed': { store: StoreView; hourStartMs: number };
}

/**
 * Spikes hour by hour: after a rollup that covers a store's last complete hour, tells the subscribers, who may
 * ask {@link assess} for that hour's verdict — the same detector, baselines and left-out hours as the spike report.
 * Late events re-roll an hour, so 'hour.closed' may come more than once for one hour.
 */
@Injectable()
export class HourlySpikeCheck {
  private readonly logger = new Logger(HourlySpikeCheck.name);
  readonly events = new TypedEvents<HourlyAnalysisEvents>(this.logger);

  constructor(
    private readonly stores: ReadableStores,
    private readonly spikes: SpikeReport,
  ) {}

  /** Called by the rollup worker after rolling up [fromMs, toMs) of the store. */
  async afterRollup(storeId: string, fromMs: number, toMs: number, nowMs = Date.now()): Promise<void> {
    const store = await this.stores.lookup(storeId);
    if (!store) return;
    const hourStartMs = startOfLocalHour(nowMs, store.timezone) - HOUR_MS;
    if (fromMs <= hourStartMs && hourStartMs < toMs) await this.events.emit('hour.closed', { store, hourStartMs }, `after the rollup of ${storeId}`);
  }

  /** The verdict on one complete store-local hour, with the spike's figures when it is one. */
  async assess(store: StoreView, hourStartMs: number): Promise<{ hour: SpikeHour; spike: Spike | null } | null> {
    const date = localDate(hourStartMs, store.timezone);
    const report = await this.spikes.build(
      { kind: 'spikes', store_id: store.store_id, days: 1, start_date: date, end_date: date, to: new Date(hourStartMs + HOUR_MS).toISOString() },
      store.timezone,
    );
    const hour = report.series.find((h) => Date.parse(h.utc) === hourStartMs);
    if (!hour) return null;
    return { hour, spike: report.spikes.find((s) => Date.parse(s.utc) === hourStartMs) ?? null };
  }
}
