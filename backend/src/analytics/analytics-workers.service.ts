import { hostname } from 'node:os';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, type Queue, Worker } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { AnalyticsReports } from './analytics-reports.service.ts';
import { bullConnection, JOB, JOB_DEFAULTS, REPORT_QUEUE, ROLLUP_QUEUE, SCHEDULES, type ReportJob, type RollupJob } from './analytics.queues.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { RollupTrigger } from './rollup-trigger.service.ts';

/** Two cores per machine is the norm here: two jobs at a time per queue keeps PostgreSQL busy without starving the API. */
const CONCURRENCY = 2;

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

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(ROLLUP_QUEUE) private readonly rollupQueue: Queue,
    @InjectQueue(REPORT_QUEUE) private readonly reportQueue: Queue,
    private readonly rollups: HourlyRollup,
    private readonly trigger: RollupTrigger,
    private readonly reports: AnalyticsReports,
    private readonly metrics: WinkMetrics,
  ) {}

  get running(): boolean {
    return this.workers.length > 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    const lock = this.config.jobLockMs ?? 30_000;
    const common = {
      connection: bullConnection(this.config.redisUrl),
      prefix: this.config.redisPrefix,
      concurrency: CONCURRENCY,
      name: `${hostname()}:${process.pid}`,
      // A worker that dies mid-job stops renewing its lock; after `lock` ms another worker's stall check puts
      // the job back in the queue. The jobs are idempotent, so running one twice is harmless.
      lockDuration: lock,
      stalledInterval: lock,
      maxStalledCount: 2,
    };
    const rollup = new Worker(ROLLUP_QUEUE, (job: Job) => this.processRollup(job), common);
    const report = new Worker(REPORT_QUEUE, (job: Job) => this.processReport(job), common);
    report.on('failed', (job, err) => {
      // Only once BullMQ has given up: earlier failures are retried with backoff.
      if (job?.name === JOB.report && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.reports.markFailed((job.data as ReportJob).reportId, err.message).catch((e) => this.logger.error(`markFailed: ${e}`));
      }
    });
    for (const w of [rollup, report]) {
      w.on('error', (e) => this.logger.error(`${w.name}: ${e.message}`));
      w.on('failed', (job, e) => {
        this.logger.warn(`${w.name} job ${job?.id} failed (attempt ${job?.attemptsMade}): ${e.message}`);
        if (job?.processedOn) this.metrics.jobDuration.observe({ queue: w.name, outcome: 'failed' }, (Date.now() - job.processedOn) / 1000);
      });
      w.on('completed', (job) => {
        if (job.processedOn) this.metrics.jobDuration.observe({ queue: w.name, outcome: 'completed' }, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
      });
      this.workers.push(w);
    }
    // Upserts are idempotent: every worker process declares the same two schedules, Redis keeps one of each.
    await this.rollupQueue.upsertJobScheduler(SCHEDULES.rollupSweep.id, { pattern: SCHEDULES.rollupSweep.pattern }, { name: JOB.rollupSweep, data: {}, opts: JOB_DEFAULTS });
    await this.reportQueue.upsertJobScheduler(SCHEDULES.spikePrecompute.id, { pattern: SCHEDULES.spikePrecompute.pattern }, { name: JOB.spikePrecompute, data: {}, opts: JOB_DEFAULTS });
    this.logger.log(`analytics workers running (${CONCURRENCY} rollup + ${CONCURRENCY} report jobs at a time, lock ${lock} ms)`);
  }

  private async processRollup(job: Job): Promise<unknown> {
    if (job.name === JOB.rollupSweep) return { enqueued: await this.trigger.sweep() };
    const { storeId, from, to } = job.data as RollupJob;
    return this.rollups.rollUp(storeId, from, to);
  }

  private async processReport(job: Job): Promise<unknown> {
    if (job.name === JOB.spikePrecompute) return { enqueued: await this.reports.precomputeSpikes() };
    return { outcome: await this.reports.compute((job.data as ReportJob).reportId) };
  }

  /** Before the database closes: close() lets running jobs finish (or, on a hard kill, the stall check recovers them). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }
}
