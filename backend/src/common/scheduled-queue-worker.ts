import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { Job, Queue, Worker } from 'bullmq';
import { JOB_DEFAULTS, processorOf, type JobOf } from '../analytics/analytics.queues.ts';
import type { AppConfig } from '../config/app-config.ts';
import { createWorker, type RedisClient } from '../redis/redis-connection.ts';
import { within } from './within.ts';

const SCHEDULER_CHECK_TIMEOUT_MS = 5000;

export interface ScheduledQueueWorkerOptions<M> {
  /** The queue's name, also the label of its log lines. */
  queue: string;
  /** Its job schedulers (cron patterns), declared in the module's *.queues.ts. */
  schedules: ReadonlyArray<{ id: string; job: keyof M & string; pattern: string }>;
  process: (job: JobOf<M>) => Promise<unknown>;
  onCompleted?: (job: Job) => void;
}

/**
 * One BullMQ worker (concurrency 1) for a module's own queue of scheduled jobs, with its schedulers kept alive:
 * they live in Redis only, so they are re-declared at start, on every Redis reconnect and by a periodic check, as
 * the analytics schedulers are. BullMQ hands each scheduled run to one worker process. Used by the alerts minute
 * job and the retention jobs.
 */
export class ScheduledQueueWorker<M> {
  private readonly logger: Logger;
  private worker: Worker | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private readonly onRedisReady = () => void this.ensureSchedulers('Redis reconnected');

  constructor(
    private readonly config: AppConfig,
    private readonly queue: Queue,
    private readonly queueRedis: RedisClient,
    private readonly opts: ScheduledQueueWorkerOptions<M>,
  ) {
    this.logger = new Logger(`${opts.queue} worker`);
  }

  async start(): Promise<void> {
    const lock = this.config.jobLockMs ?? 30_000;
    const name = this.opts.queue;
    this.worker = createWorker(this.config, name, processorOf<M>(this.opts.process), {
      // The queue's own prefix (queuePrefix), so the worker reads the keys its producers write.
      prefix: this.queue.opts.prefix,
      concurrency: 1,
      name: `${hostname()}:${process.pid}`,
      lockDuration: lock,
      stalledInterval: lock,
    });
    this.worker.on('error', (e) => this.logger.error(`${name}: ${e.message}`));
    this.worker.on('failed', (job, e) => this.logger.warn(`${name} job ${job?.id} failed: ${e.message}`));
    const completed = this.opts.onCompleted;
    if (completed) this.worker.on('completed', (job: Job) => completed(job));
    await this.upsertSchedulers();
    this.queueRedis.on('ready', this.onRedisReady);
    this.checkTimer = setInterval(() => void this.ensureSchedulers('periodic check'), this.config.healIntervalMs ?? 60_000);
    this.checkTimer.unref();
  }

  private async upsertSchedulers(): Promise<void> {
    for (const s of this.opts.schedules) await this.queue.upsertJobScheduler(s.id, { pattern: s.pattern }, { name: s.job, data: {}, opts: JOB_DEFAULTS });
  }

  /** Re-declares the schedulers when Redis lost them (restart, flush). → how many were missing. */
  async ensureSchedulers(why: string): Promise<number> {
    try {
      const missing = Math.max(
        0,
        this.opts.schedules.length - (await within(this.queue.getJobSchedulersCount(), SCHEDULER_CHECK_TIMEOUT_MS, 'Redis did not answer')),
      );
      if (missing > 0) {
        await within(this.upsertSchedulers(), SCHEDULER_CHECK_TIMEOUT_MS, 'Redis did not answer');
        this.logger.warn(`the ${this.opts.queue} schedulers were missing (${why}): registered again`);
      }
      return missing;
    } catch (e) {
      this.logger.warn(`${this.opts.queue} scheduler check (${why}): ${e instanceof Error ? e.message : e}`);
      return 0;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.checkTimer);
    this.queueRedis.off('ready', this.onRedisReady);
    await this.worker?.close();
    this.worker = undefined;
  }
}
