import type { DefaultJobOptions, Job, Queue } from 'bullmq';

/** Rollups and reports get their own queues so a burst of late-event rollups never delays a report, nor the reverse. */
export const ROLLUP_QUEUE = 'analytics-rollup';
export const REPORT_QUEUE = 'analytics-report';

/** Aggregate a store's events over [from, to) (ms since epoch) into hourly rollups. */
export interface RollupJob {
  storeId: string;
  from: number;
  to: number;
}
/** Compute one stored report. */
export interface ReportJob {
  reportId: string;
}

export const JOB = {
  rollup: 'rollup',
  /** Scheduler, hourly: rolls up the recent hours of every store (a safety net behind the ingest trigger). */
  rollupSweep: 'rollup-sweep',
  report: 'report',
  /** Scheduler, hourly: precomputes each store's default spike report once its local day is over ("nightly"). */
  spikePrecompute: 'spike-precompute',
} as const;

/**
 * Every job of each queue, by name, with its payload: declared once, so producers and workers agree and a
 * worker narrows `job.data` by `job.name` instead of casting it.
 */
export interface RollupQueueJobs {
  [JOB.rollup]: RollupJob;
  [JOB.rollupSweep]: Record<string, never>;
}
export interface ReportQueueJobs {
  [JOB.report]: ReportJob;
  [JOB.spikePrecompute]: Record<string, never>;
}

/** A job of one of those maps: a union discriminated by `name`. */
export type JobOf<M> = { [N in keyof M & string]: Job<M[N], unknown, N> }[keyof M & string];
/**
 * A worker's processor for the jobs of one map. The one place a payload comes back from Redis untyped: only
 * the producers above put jobs on these queues (QueueOf checks them), so the map is what is there.
 */
export function processorOf<M>(process: (job: JobOf<M>) => Promise<unknown>): (job: Job) => Promise<unknown> {
  return (job) => process(job as unknown as JobOf<M>);
}

/** A queue that only takes the jobs of its map. */
export type QueueOf<M> = Queue<M[keyof M], unknown, keyof M & string>;

/**
 * The job schedulers, each on its queue. They live in Redis only: every worker process re-declares them at
 * start-up, after each Redis reconnect and whenever its periodic check finds fewer than these.
 */
export const SCHEDULES = [
  { id: 'rollup-sweep', queue: ROLLUP_QUEUE, job: JOB.rollupSweep, pattern: '2 * * * *' },
  { id: 'spike-precompute', queue: REPORT_QUEUE, job: JOB.spikePrecompute, pattern: '10 * * * *' },
] as const satisfies ReadonlyArray<
  | { id: string; queue: typeof ROLLUP_QUEUE; job: keyof RollupQueueJobs; pattern: string }
  | { id: string; queue: typeof REPORT_QUEUE; job: keyof ReportQueueJobs; pattern: string }
>;

/** How many schedulers a healthy deployment has on `queue`. */
export function expectedSchedulers(queue: string): number {
  return SCHEDULES.filter((s) => s.queue === queue).length;
}

/** Jobs are idempotent, so retrying is always safe; backoff rides out a PostgreSQL restart. */
export const JOB_DEFAULTS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 2000 },
  removeOnFail: { age: 7 * 86_400, count: 5000 },
};

/** The queues' Redis connection (ioredis), owned by the analytics module so shutdown can drop it when Redis is unreachable. */
export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/**
 * BullMQ's key prefix for one queue. BullMQ's Lua scripts touch several keys of a queue at once, so the queue's keys
 * must share a Redis Cluster slot: the prefix is a {hash tag}, one per queue so that queues spread over the cluster
 * (BullMQ docs, "Redis Cluster"). Every producer and worker of a queue takes its prefix from here.
 */
export function queuePrefix(redisPrefix: string, queue: string): string {
  return `{${redisPrefix}:${queue}}`;
}

/** SCAN patterns of every key an app with this REDIS_PREFIX writes: its own keys and its queues' (tests and benches clean up with them). */
export function appKeyPatterns(redisPrefix: string): string[] {
  return [`${redisPrefix}:*`, `{${redisPrefix}:*`];
}
