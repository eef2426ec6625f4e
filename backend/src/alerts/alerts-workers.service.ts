import { hostname } from 'node:os';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection, JOB_DEFAULTS, processorOf, QUEUE_REDIS, type JobOf } from '../analytics/analytics.queues.ts';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { ALERT_JOB, ALERT_SCHEDULES, ALERTS_QUEUE, type AlertsQueueJobs } from './alerts.queues.ts';
import { MinuteAlerts } from './minute-alerts.service.ts';

const SCHEDULER_CHECK_TIMEOUT_MS = 5000;

/**
 * The alerts worker (where the analytics workers run: the worker process, or the API with RUN_WORKERS): the
 * one-minute job. BullMQ hands each scheduled run to one worker, so two worker processes do not evaluate the same
 * minute twice (and if they did, an episode still opens once). The scheduler lives in Redis only: re-declared at
 * start-up, on every Redis reconnect and by the periodic check, as the analytics schedulers are.
 */
@Injectable()
export class AlertsWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AlertsWorkers');
  private worker: Worker | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private readonly onRedisReady = () => void this.ensureScheduler('Redis reconnected');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(ALERTS_QUEUE) private readonly queue: Queue,
    @Inject(QUEUE_REDIS) private readonly queueRedis: Redis,
    private readonly minute: MinuteAlerts,
    private readonly metrics: WinkMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    const lock = this.config.jobLockMs ?? 30_000;
    this.worker = new Worker(
      ALERTS_QUEUE,
      processorOf<AlertsQueueJobs>((job) => this.process(job)),
      {
        connection: bullConnection(this.config.redisUrl),
        prefix: this.config.redisPrefix,
        concurrency: 1,
        name: `${hostname()}:${process.pid}`,
        lockDuration: lock,
        stalledInterval: lock,
      },
    );
    this.worker.on('error', (e) => this.logger.error(`${ALERTS_QUEUE}: ${e.message}`));
    this.worker.on('failed', (job, e) => this.logger.warn(`${ALERTS_QUEUE} job ${job?.id} failed: ${e.message}`));
    this.worker.on('completed', (job: Job) => {
      if (job.processedOn)
        this.metrics.jobDuration.observe({ queue: ALERTS_QUEUE, outcome: 'completed' }, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
    });
    await this.upsertScheduler();
    this.queueRedis.on('ready', this.onRedisReady);
    this.checkTimer = setInterval(() => void this.ensureScheduler('periodic check'), this.config.healIntervalMs ?? 60_000);
    this.checkTimer.unref();
  }

  /** The processor; a test calls it with its own clock instead of waiting for the minute. */
  async process(job: JobOf<AlertsQueueJobs>, nowMs = Date.now()): Promise<unknown> {
    if (job.name === ALERT_JOB.minute) return { stores: await this.minute.run(nowMs) };
    return null;
  }

  private async upsertScheduler(): Promise<void> {
    for (const s of ALERT_SCHEDULES) await this.queue.upsertJobScheduler(s.id, { pattern: s.pattern }, { name: s.job, data: {}, opts: JOB_DEFAULTS });
  }

  /** Re-declares the scheduler when Redis lost it (restart, flush). → how many were missing. */
  async ensureScheduler(why: string): Promise<number> {
    try {
      const missing = Math.max(
        0,
        ALERT_SCHEDULES.length - (await within(this.queue.getJobSchedulersCount(), SCHEDULER_CHECK_TIMEOUT_MS, 'Redis did not answer')),
      );
      if (missing > 0) {
        await within(this.upsertScheduler(), SCHEDULER_CHECK_TIMEOUT_MS, 'Redis did not answer');
        this.logger.warn(`the alerts scheduler was missing (${why}): registered again`);
      }
      return missing;
    } catch (e) {
      this.logger.warn(`alerts scheduler check (${why}): ${e instanceof Error ? e.message : e}`);
      return 0;
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.checkTimer);
    this.queueRedis.off('ready', this.onRedisReady);
    await this.worker?.close();
    this.worker = undefined;
  }
}
