import { hostname } from 'node:os';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Queue, Worker } from 'bullmq';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { createWorker, type RedisClient } from '../redis/redis-connection.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { AnalyticsReports } from './analytics-reports.service.ts';
import {
  expectedSchedulers,
  JOB,
  JOB_DEFAULTS,
  QUEUE_REDIS,
  queuePrefix,
  REPORT_QUEUE,
  ROLLUP_QUEUE,
  SCHEDULES,
  processorOf,
  type JobOf,
  type ReportQueueJobs,
  type RollupQueueJobs,
} from './analytics.queues.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { HourlySpikeCheck } from './hourly-spike-check.service.ts';
import { RollupHealer } from './rollup-healer.service.ts';
import { RollupTrigger } from './rollup-trigger.service.ts';

/** Two cores per machine is the norm here: two jobs at a time per queue keeps PostgreSQL busy without starving the API. */
const CONCURRENCY = 2;
/** A Redis that does not answer must not stall the periodic check: it retries on the next tick. */
const SCHEDULER_CHECK_TIMEOUT_MS = 5000;

/**
 * The BullMQ workers of the analytics queues, started when `config.runWorkers` is set (the worker process
 * always; the API process only in development or with RUN_WORKERS=true). Plain bullmq Workers rather than
 * @nestjs/bullmq @Processor classes: lock and stall timings come from the configuration, which decorator
 * options cannot read, and the process-level switch needs to decide whether workers exist at all.
 */
@Injectable()
export class AnalyticsWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AnalyticsWorkers');
  private readonly workers: Worker[] = [];
  private healTimer: NodeJS.Timeout | undefined;
  private healTick: Promise<void> | undefined;
  private schedulerCheck: Promise<number> | undefined;
  private readonly onRedisReady = () => {
    void this.ensureSchedulers('Redis reconnected');
  };
  private listening = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(ROLLUP_QUEUE) private readonly rollupQueue: Queue,
    @InjectQueue(REPORT_QUEUE) private readonly reportQueue: Queue,
    @Inject(QUEUE_REDIS) private readonly queueRedis: RedisClient,
    private readonly rollups: HourlyRollup,
    private readonly trigger: RollupTrigger,
    private readonly reports: AnalyticsReports,
    private readonly metrics: WinkMetrics,
    private readonly healer: RollupHealer,
    private readonly spikeCheck: HourlySpikeCheck,
  ) {}

  get running(): boolean {
    return this.workers.length > 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    const lock = this.config.jobLockMs ?? 30_000;
    const common = (queue: string) => ({
      prefix: queuePrefix(this.config.redisPrefix, queue),
      concurrency: CONCURRENCY,
      name: `${hostname()}:${process.pid}`,
      // A worker that dies mid-job stops renewing its lock; after `lock` ms another worker's stall check puts
      // the job back in the queue. The jobs are idempotent, so running one twice is harmless.
      lockDuration: lock,
      stalledInterval: lock,
      maxStalledCount: 2,
    });
    const rollup = createWorker(
      this.config,
      ROLLUP_QUEUE,
      processorOf<RollupQueueJobs>((job) => this.processRollup(job)),
      common(ROLLUP_QUEUE),
    );
    const report = createWorker(
      this.config,
      REPORT_QUEUE,
      processorOf<ReportQueueJobs>((job) => this.processReport(job)),
      common(REPORT_QUEUE),
    );
    report.on('failed', (failed, err) => {
      const job = failed as JobOf<ReportQueueJobs> | undefined;
      // Only once BullMQ has given up: earlier failures are retried with backoff.
      if (job?.name === JOB.report && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.reports.markFailed(job.data.reportId, err.message).catch((e) => this.logger.error(`markFailed: ${e}`));
      }
    });
    for (const w of [rollup, report]) {
      w.on('error', (e) => this.logger.error(`${w.name}: ${e.message}`));
      w.on('failed', (job, e) => {
        this.logger.warn(`${w.name} job ${job?.id} failed (attempt ${job?.attemptsMade}): ${e.message}`);
        if (job?.processedOn) this.metrics.jobDuration.observe({ queue: w.name, outcome: 'failed' }, (Date.now() - job.processedOn) / 1000);
      });
      w.on('completed', (job) => {
        if (job.processedOn)
          this.metrics.jobDuration.observe({ queue: w.name, outcome: 'completed' }, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
      });
      this.workers.push(w);
    }
    await this.upsertSchedulers();
    // Schedulers live in Redis only: a restarted Redis comes back without them, and the queue connection says
    // 'ready' again; a FLUSHALL does not drop the connection, so the periodic check catches that.
    this.queueRedis.on('ready', this.onRedisReady);
    this.listening = true;
    this.scheduleHeal();
    this.logger.log(`analytics workers running (${CONCURRENCY} rollup + ${CONCURRENCY} report jobs at a time, lock ${lock} ms)`);
  }

  /** Upserts are idempotent: every worker process declares the same schedules, Redis keeps one of each. */
  private async upsertSchedulers(): Promise<void> {
    const queues: Record<string, Queue> = { [ROLLUP_QUEUE]: this.rollupQueue, [REPORT_QUEUE]: this.reportQueue };
    for (const s of SCHEDULES) await queues[s.queue].upsertJobScheduler(s.id, { pattern: s.pattern }, { name: s.job, data: {}, opts: JOB_DEFAULTS });
  }

  /** Re-declares the schedulers when either queue has fewer than expected; resolves to the number missing. One check at a time. */
  ensureSchedulers(why: string): Promise<number> {
    this.schedulerCheck ??= (async () => {
      try {
        let missing = 0;
        for (const q of [this.rollupQueue, this.reportQueue]) {
          missing += Math.max(0, expectedSchedulers(q.name) - (await within(q.getJobSchedulersCount(), SCHEDULER_CHECK_TIMEOUT_MS, 'Redis did not answer')));
        }
        if (missing > 0) {
          await within(this.upsertSchedulers(), SCHEDULER_CHECK_TIMEOUT_MS, 'Redis did not answer');
          this.logger.warn(`${missing} job schedulers were missing (${why}): registered again`);
        }
        return missing;
      } catch (e) {
        this.logger.warn(`scheduler check (${why}): ${e instanceof Error ? e.message : e}`);
        return 0;
      } finally {
        this.schedulerCheck = undefined;
      }
    })();
    return this.schedulerCheck;
  }

  /** Every heal interval: the schedulers, then the rollups (RollupHealer). The next tick is armed when this one ends. */
  private scheduleHeal(): void {
    this.healTimer = setTimeout(() => {
      this.healTick = (async () => {
        await this.ensureSchedulers('periodic check');
        try {
          await this.healer.heal();
        } catch (e) {
          this.logger.warn(`rollup heal: ${e instanceof Error ? e.message : e}`);
        }
      })().finally(() => {
        this.healTick = undefined;
        if (this.healTimer) this.scheduleHeal();
      });
    }, this.healer.intervalMs);
    this.healTimer.unref();
  }

  private async processRollup(job: JobOf<RollupQueueJobs>): Promise<unknown> {
    if (job.name === JOB.rollupSweep) return { enqueued: await this.trigger.sweep() };
    const { storeId, from, to } = job.data;
    // Read the clock before the rollup reads the events: marks up to it are covered and can go.
    const startedAt = await this.healer.clock();
    const outcome = await this.rollups.rollUp(storeId, from, to);
    await this.healer.clearDirty(storeId, from, to, startedAt);
    // The hourly analysis: the last complete hour's footfall is final enough to judge (traffic_spike alerts).
    await this.spikeCheck.afterRollup(storeId, from, to);
    return outcome;
  }

  private async processReport(job: JobOf<ReportQueueJobs>): Promise<unknown> {
    if (job.name === JOB.spikePrecompute) return { enqueued: await this.reports.precomputeSpikes() };
    return { outcome: await this.reports.compute(job.data.reportId) };
  }

  /** Before the database closes: close() lets running jobs finish (or, on a hard kill, the stall check recovers them). */
  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.healTimer);
    this.healTimer = undefined;
    if (this.listening) this.queueRedis.off('ready', this.onRedisReady);
    this.listening = false;
    await this.healTick;
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }
}
