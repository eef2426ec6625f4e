import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AlertView } from '../../../shared/src/alerts.ts';
import { readStatusData } from '../../../shared/src/status-data.ts';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { LiveStoreMetrics } from '../dashboard/live-store-metrics.service.ts';
import { IngestService, type RecordedHeartbeat, type StoredEvents } from '../ingest/ingest.service.ts';
import { lossTransition, newLosses, thresholdTransition, type LossCounters } from './alert-evaluation.ts';
import { AlertConditions } from './alert-conditions.service.ts';
import { AlertRules } from './alert-rules.service.ts';
import { SUMMARY } from './alert-summaries.ts';
import { AlertsService, conditionKey } from './alerts.service.ts';

/** An edge camera's loss counters as last heard, and when it last lost any (AlertConditions field `lost:<camera>`). */
interface LossMemory extends LossCounters {
  last_loss_ms: number | null;
}
export const lossField = (cameraId: string) => `lost:${cameraId}`;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The rules that must fire within seconds, run where the numbers arrive: occupancy and queue wait after each
 * counted batch (the live numbers then include it), queue length and edge losses from each heartbeat. A batch's
 * evaluation runs beside the ingest request, not in it, one at a time per store (a burst of batches makes one
 * more evaluation, not one each); a store without a relevant rule costs a cache lookup.
 */
@Injectable()
export class LiveAlerts implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveAlerts.name);
  /** Store → its evaluation in flight; `again`: another batch arrived meanwhile, evaluate once more after it. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Map<string, { store: StoreView; batch: CountedBatch }>();

  constructor(
    private readonly live: LiveStoreMetrics,
    private readonly ingest: IngestService,
    private readonly stores: ReadableStores,
    private readonly rules: AlertRules,
    private readonly alerts: AlertsService,
    private readonly conditions: AlertConditions,
  ) {}

  onModuleInit(): void {
    this.live.events.on('batch.counted', ({ store, stored }) => this.schedule(store, countedBatch(stored)));
    this.ingest.events.on('heartbeat.recorded', (hb) => this.onHeartbeat(hb));
  }

  /** Lets evaluations in flight finish before the database closes. */
  async onModuleDestroy(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Evaluations of batches already counted have settled (tests, the benchmark). */
  async settled(): Promise<void> {
    await this.onModuleDestroy();
  }

  private schedule(store: StoreView, batch: CountedBatch): void {
    const id = store.store_id;
    if (this.running.has(id)) {
      const pending = this.again.get(id)?.batch;
      this.again.set(id, { store, batch: pending ? addBatches(pending, batch) : batch });
      return;
    }
    const run = this.afterBatch(store, batch)
      .catch((e) => this.logger.warn(`alerts of ${id} after a batch: ${e instanceof Error ? e.message : e}`))
      .finally(() => {
        this.running.delete(id);
        const next = this.again.get(id);
        this.again.delete(id);
        if (next) this.schedule(next.store, next.batch);
      });
    this.running.set(id, run);
  }

  /** Occupancy and queue wait from the live numbers; a firing no_footfall resolves on the first person in. */
  async afterBatch(store: StoreView, batch: CountedBatch, nowMs = Date.now()): Promise<void> {
    const rules = await this.rules.of(store.store_id, nowMs);
    const occupancyRule = rules.occupancy_over_capacity.enabled && store.capacity !== null;
    const entered = batch.entered > 0;
    if (!occupancyRule && !rules.queue_wait.enabled && !(rules.no_footfall.enabled && entered)) return;
    const firing = await this.alerts.firingInStore(store.store_id, nowMs);
    const base = { org_id: store.org_id, store_id: store.store_id };

    if (entered && firing.has(conditionKey('no_footfall', ''))) {
      await this.alerts.resolve({ ...base, type: 'no_footfall', subject: '', evidence: { entered: batch.entered } });
    }
    const queueWaitsFiring = [...firing.values()].filter((a) => a.type === 'queue_wait');
    const readOccupancy = occupancyRule && (batch.entrance > 0 || firing.has(conditionKey('occupancy_over_capacity', '')));
    const readQueues = rules.queue_wait.enabled && (batch.queue > 0 || queueWaitsFiring.length > 0);
    if (!readOccupancy && !readQueues) return;
    const view = await this.live.live(store, nowMs);

    if (readOccupancy && store.capacity !== null) {
      const { share, clear_share } = rules.occupancy_over_capacity;
      const capacity = store.capacity;
      const t = thresholdTransition(view.occupancy, share * capacity, clear_share * capacity, firing.has(conditionKey('occupancy_over_capacity', '')));
      const evidence = { occupancy: view.occupancy, capacity, utilisation: round(view.occupancy / capacity, 3) };
      if (t === 'fire')
        await this.alerts.fire({
          ...base,
          type: 'occupancy_over_capacity',
          subject: '',
          summary: SUMMARY.occupancy(view.occupancy, capacity, share),
          evidence: { ...evidence, share, threshold: round(share * capacity) },
        });
      if (t === 'resolve')
        await this.alerts.resolve({
          ...base,
          type: 'occupancy_over_capacity',
          subject: '',
          evidence: { ...evidence, clear_threshold: round(clear_share * capacity) },
        });
    }

    if (readQueues) {
      const { seconds, clear_seconds } = rules.queue_wait;
      // Queues of today's numbers, and those still firing from yesterday (a new day starts every average at 0).
      const queueIds = new Set([...Object.keys(view.queues), ...queueWaitsFiring.map((a: AlertView) => a.subject)]);
      for (const queueId of queueIds) {
        const q = view.queues[queueId] ?? { waits: 0, avg_wait: 0, max_wait: 0 };
        const t = thresholdTransition(q.avg_wait, seconds, clear_seconds, firing.has(conditionKey('queue_wait', queueId)));
        const evidence = { queue_id: queueId, avg_wait_s: round(q.avg_wait), waits: q.waits, max_wait_s: round(q.max_wait) };
        if (t === 'fire')
          await this.alerts.fire({
            ...base,
            type: 'queue_wait',
            subject: queueId,
            summary: SUMMARY.queueWait(queueId, q.avg_wait, seconds),
            evidence: { ...evidence, threshold_s: seconds },
          });
        if (t === 'resolve')
          await this.alerts.resolve({ ...base, type: 'queue_wait', subject: queueId, evidence: { ...evidence, clear_threshold_s: clear_seconds } });
      }
    }
  }

  /** Queue lengths and edge losses, straight from the heartbeat's status_data. */
  async onHeartbeat(hb: RecordedHeartbeat): Promise<void> {
    const status = readStatusData(hb.statusData);
    const lossReported = status.dropped_events !== undefined || status.dead_letter_events !== undefined;
    if (!status.queue_lengths && !lossReported) return;
    const store = await this.stores.lookup(hb.storeId);
    if (!store) return;
    const nowMs = hb.receivedAt.getTime();
    const rules = await this.rules.of(store.store_id, nowMs);
    const base = { org_id: store.org_id, store_id: store.store_id, at: hb.receivedAt };

    if (rules.queue_length.enabled && status.queue_lengths) {
      const firing = await this.alerts.firingInStore(store.store_id, nowMs);
      const { length: threshold, clear_length } = rules.queue_length;
      for (const [queueId, length] of Object.entries(status.queue_lengths)) {
        const t = thresholdTransition(length, threshold, clear_length, firing.has(conditionKey('queue_length', queueId)));
        const evidence = { queue_id: queueId, length, camera_id: hb.cameraId };
        if (t === 'fire')
          await this.alerts.fire({
            ...base,
            type: 'queue_length',
            subject: queueId,
            summary: SUMMARY.queueLength(queueId, length, threshold),
            evidence: { ...evidence, threshold },
          });
        if (t === 'resolve')
          await this.alerts.resolve({ ...base, type: 'queue_length', subject: queueId, evidence: { ...evidence, clear_threshold: clear_length } });
      }
    }

    if (rules.edge_events_lost.enabled && lossReported) {
      const field = lossField(hb.cameraId);
      const before = await this.conditions.read<LossMemory>(store.store_id, field);
      const now: LossCounters = { dropped: status.dropped_events ?? 0, dead: status.dead_letter_events ?? 0 };
      const lost = newLosses(before, now);
      const lastLoss = lost > 0 ? nowMs : (before?.last_loss_ms ?? null);
      await this.conditions.write(store.store_id, field, { ...now, last_loss_ms: lastLoss } satisfies LossMemory);
      const firing = await this.alerts.firingInStore(store.store_id, nowMs);
      const t = lossTransition(lost, lastLoss, nowMs, rules.edge_events_lost.quiet_minutes, firing.has(conditionKey('edge_events_lost', hb.cameraId)));
      const evidence = { camera_id: hb.cameraId, dropped_events: now.dropped, dead_letter_events: now.dead, new_losses: lost };
      if (t === 'fire')
        await this.alerts.fire({ ...base, type: 'edge_events_lost', subject: hb.cameraId, summary: SUMMARY.eventsLost(hb.cameraId, lost), evidence });
      if (t === 'resolve')
        await this.alerts.resolve({
          ...base,
          type: 'edge_events_lost',
          subject: hb.cameraId,
          evidence: { ...evidence, quiet_minutes: rules.edge_events_lost.quiet_minutes },
        });
    }
  }
}

/** What the rules read of a counted batch (and of several waiting for their store's evaluation, added up). */
export interface CountedBatch {
  entrance: number;
  /** Entrance crossings inward. */
  entered: number;
  queue: number;
}
export function countedBatch(stored: StoredEvents): CountedBatch {
  return { entrance: stored.entrance.length, entered: stored.entrance.filter((e) => e.direction === 'in').length, queue: stored.queue.length };
}
function addBatches(a: CountedBatch, b: CountedBatch): CountedBatch {
  return { entrance: a.entrance + b.entrance, entered: a.entered + b.entered, queue: a.queue + b.queue };
}
