import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../redis/redis-connection.ts';
import { QUEUE_REDIS, type JobOf } from '../analytics/analytics.queues.ts';
import { ScheduledQueueWorker } from '../common/scheduled-queue-worker.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { ALERT_JOB, ALERT_SCHEDULES, ALERTS_QUEUE, type AlertsQueueJobs } from './alerts.queues.ts';
import { MinuteAlerts } from './minute-alerts.service.ts';

/**
 * The alerts worker (where the analytics workers run: the worker process, or the API with RUN_WORKERS): the
 * one-minute job. BullMQ hands each scheduled run to one worker, so two worker processes do not evaluate the same
 * minute twice (and if they did, an episode still opens once). The scheduler is kept alive as every module's
 * schedulers are (common/scheduled-queue-worker.ts).
 */
@Injectable()
export class AlertsWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly runner: ScheduledQueueWorker<AlertsQueueJobs>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(ALERTS_QUEUE) queue: Queue,
    @Inject(QUEUE_REDIS) queueRedis: RedisClient,
    private readonly minute: MinuteAlerts,
    private readonly metrics: WinkMetrics,
  ) {
    this.runner = new ScheduledQueueWorker<AlertsQueueJobs>(config, queue, queueRedis, {
      queue: ALERTS_QUEUE,
      schedules: ALERT_SCHEDULES,
      process: (job) => this.process(job),
      onCompleted: (job: Job) => {
        if (job.processedOn)
          this.metrics.jobDuration.observe({ queue: ALERTS_QUEUE, outcome: 'completed' }, ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runWorkers) await this.runner.start();
  }

  /** The processor; a test calls it with its own clock instead of waiting for the minute. */
  async process(job: JobOf<AlertsQueueJobs>, nowMs = Date.now()): Promise<unknown> {
    if (job.name === ALERT_JOB.minute) return { stores: await this.minute.run(nowMs) };
    return null;
  }

  /** Re-declares the scheduler when Redis lost it (restart, flush). → how many were missing. */
  ensureScheduler(why: string): Promise<number> {
    return this.runner.ensureSchedulers(why);
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
  }
}
