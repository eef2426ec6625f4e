import { within } from '../common/within.ts';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { IngestService, storedRows, type StoredEvents } from '../ingest/ingest.service.ts';
import { StoreEventsReader } from '../ingest/store-events.reader.ts';
import { JOB, ROLLUP_QUEUE, type QueueOf, type RollupQueueJobs } from './analytics.queues.ts';
import { addDays, startOfLocalDay } from '../common/store-clock.ts';
import { RollupHealer } from './rollup-healer.service.ts';

const HOUR_MS = 3_600_000;
/** Backfill job size: long enough to amortise a job's queue overhead, short enough to retry cheaply (each day commits on its own). */
const RANGE_JOB_MS = 7 * 86_400_000;
/** The ingest request waits for this enqueue; a slow Redis must not hold the edge's batch hostage. */
const ENQUEUE_TIMEOUT_MS = 1000;

/**
 * Turns stored events into rollup jobs. Every batch the ingest API stores — live or hours late from an edge
 * that was offline — enqueues a rollup of each UTC hour it touched. The job id names the store, the hour
 * and a debounce window, and the job is delayed to the window's end: all batches of one window share one
 * job, and that job starts only after every one of them was committed, so no event can slip between a
 * rollup's read and the next trigger.
 */
@Injectable()
export class RollupTrigger implements OnModuleInit {
  private readonly logger = new Logger('RollupTrigger');

  constructor(
    private readonly ingest: IngestService,
    @InjectQueue(ROLLUP_QUEUE) private readonly queue: QueueOf<RollupQueueJobs>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: StoreDirectory,
    private readonly events: StoreEventsReader,
    private readonly healer: RollupHealer,
  ) {}

  onModuleInit(): void {
    this.ingest.events.on('events.stored', (stored) => this.onStored(stored));
  }

  private enqueuedSlot = -1;
  private readonly enqueuedInSlot = new Set<string>();

  private async onStored(stored: StoredEvents, nowMs = Date.now()): Promise<void> {
    const hours = new Set<number>();
    for (const e of storedRows(stored)) {
      hours.add(Math.floor(Date.parse(e.ts) / HOUR_MS) * HOUR_MS);
    }
    // The durable record (PostgreSQL) and the job (Redis) side by side: the job is the fast path, the record
    // what the healer re-rolls from when Redis loses the job.
    await Promise.all([this.markDirty(stored.storeId, [...hours]), this.enqueue(stored, hours, nowMs)]);
  }

  private async markDirty(storeId: string, hours: number[]): Promise<void> {
    try {
      await this.healer.markDirty(storeId, hours);
    } catch (e) {
      // The events are stored; the healer's raw-versus-rollup comparison finds the hours without a mark.
      this.logger.warn(`could not mark ${hours.length} hours of ${storeId} for rollup: ${e instanceof Error ? e.message : e}`);
    }
  }

  private async enqueue(stored: StoredEvents, hours: Set<number>, nowMs: number): Promise<void> {
    const window = this.config.rollupDebounceMs ?? 60_000;
    const slot = Math.floor(nowMs / window);
    const delay = (slot + 1) * window - nowMs;
    // Within a window, every batch for the same store-hour maps to the same job id: BullMQ would drop the
    // repeat anyway, so skip the Redis round trip for ids this process already enqueued.
    if (slot !== this.enqueuedSlot) {
      this.enqueuedSlot = slot;
      this.enqueuedInSlot.clear();
    }
    const jobs = [...hours]
      .map((h) => ({
        name: JOB.rollup,
        data: { storeId: stored.storeId, from: h, to: h + HOUR_MS },
        opts: { jobId: `rollup/${stored.storeId}/${h}/${slot}`, delay },
      }))
      .filter((j) => !this.enqueuedInSlot.has(j.opts.jobId));
    if (jobs.length === 0) return;
    try {
      await within(this.queue.addBulk(jobs), ENQUEUE_TIMEOUT_MS, `no answer in ${ENQUEUE_TIMEOUT_MS} ms`);
      for (const j of jobs) this.enqueuedInSlot.add(j.opts.jobId);
    } catch (e) {
      // The events are stored and their hours marked: the healer re-rolls them (RollupHealer).
      this.logger.warn(`could not enqueue rollups for ${stored.storeId} (${hours.size} hours): ${e instanceof Error ? e.message : e}`);
    }
  }

  /** Enqueues rollups of [fromMs, toMs) a week per job, so long backfills spread over workers and retry in pieces. */
  async enqueueRange(storeId: string, fromMs: number, toMs: number, tag: string): Promise<number> {
    const jobs = [];
    for (let t = fromMs; t < toMs; t += RANGE_JOB_MS) {
      const end = Math.min(toMs, t + RANGE_JOB_MS);
      jobs.push({ name: JOB.rollup, data: { storeId, from: t, to: end }, opts: { jobId: `rollup/${storeId}/${t}-${end}/${tag}` } });
    }
    if (jobs.length) await this.queue.addBulk(jobs);
    return jobs.length;
  }

  /** The last day of every store, re-rolled: catches anything the ingest trigger could not enqueue. */
  async sweep(nowMs = Date.now()): Promise<number> {
    const end = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
    let jobs = 0;
    for (const store of await this.directory.listStores()) jobs += await this.enqueueRange(store.store_id, end - 26 * HOUR_MS, end, `sweep-${end}`);
    return jobs;
  }

  /**
   * Re-rolls a store's local dates [start, end] (default: its whole event history). For history that reached
   * the event tables without passing the ingest API, or after a change to the rollup rules.
   */
  async rebuild(
    storeId: string,
    startDate?: string,
    endDate?: string,
    nowMs = Date.now(),
  ): Promise<{ store_id: string; from: string; to: string; jobs: number }> {
    const store = await this.directory.getStore(storeId);
    const span = await this.events.eventSpan(storeId);
    const from = startDate ? startOfLocalDay(startDate, store.timezone) : (span?.first.getTime() ?? nowMs);
    const to = endDate ? startOfLocalDay(addDays(endDate, 1), store.timezone) : span ? span.last.getTime() + 1 : nowMs;
    const jobs = to > from ? await this.enqueueRange(storeId, from, to, `rebuild-${nowMs}`) : 0;
    return { store_id: storeId, from: new Date(from).toISOString(), to: new Date(Math.max(from, to)).toISOString(), jobs };
  }
}
