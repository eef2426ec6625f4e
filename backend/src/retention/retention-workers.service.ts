import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/redis-connection.ts';
import { JOB_DEFAULTS, QUEUE_REDIS, type JobOf } from '../analytics/analytics.queues.ts';
import { ScheduledQueueWorker } from '../common/scheduled-queue-worker.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { RETENTION_JOB, RETENTION_QUEUE, RETENTION_SCHEDULES, type RetentionQueueJobs } from './retention.queues.ts';
import { RetentionEnforcer } from './retention-enforcer.service.ts';
import { TimePartitions } from './time-partitions.service.ts';

/**
 * The retention worker (where the analytics workers run): partitions ahead and heartbeat compaction, hourly;
 * retention, daily at 03:37 UTC. BullMQ hands each scheduled
 * run to one worker; two at once would still be safe (advisory lock per table, "create if missing"). Each worker
 * also makes sure of the partitions once at start-up, so a fresh install never waits up to an hour for them.
 */
@Injectable()
export class RetentionWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly runner: ScheduledQueueWorker<RetentionQueueJobs>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(RETENTION_QUEUE) private readonly queue: Queue,
    @Inject(QUEUE_REDIS) queueRedis: RedisClient,
    private readonly partitions: TimePartitions,
    private readonly enforcer: RetentionEnforcer,
  ) {
    this.runner = new ScheduledQueueWorker<RetentionQueueJobs>(config, queue, queueRedis, {
      queue: RETENTION_QUEUE,
      // Under test neither the daily run nor the compaction is scheduled: tests load history years away from today
      // and call the processor with their clock.
      schedules: config.nodeEnv === 'test' ? RETENTION_SCHEDULES.filter((s) => s.job === RETENTION_JOB.partitionsAhead) : RETENTION_SCHEDULES,
      process: (job) => this.process(job),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    await this.runner.start();
    await this.queue.add(RETENTION_JOB.partitionsAhead, {}, JOB_DEFAULTS);
  }

  /** The processor; a test calls it with its own clock. */
  async process(job: JobOf<RetentionQueueJobs>, nowMs = Date.now()): Promise<unknown> {
    if (job.name === RETENTION_JOB.partitionsAhead) return { created: await this.partitions.ensureAhead(nowMs) };
    if (job.name === RETENTION_JOB.compactHeartbeats) return { compactedDays: await this.enforcer.compactFinishedDays(nowMs) };
    if (job.name === RETENTION_JOB.retention) return this.enforcer.run(nowMs);
    return null;
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
  }
}
