import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';

/** Rollups and reports get their own queues so a burst of late-event rollups never delays a report, nor the reverse. */
export const ROLLUP_QUEUE = 'analytics-rollup';
export const REPORT_QUEUE = 'analytics-report';

/** Aggregate a store's events over [from, to) (ms since epoch) into hourly rollups. */
export interface RollupJob { storeId: string; from: number; to: number }
/** Compute one stored report. */
export interface ReportJob { reportId: string }

export const JOB = {
  rollup: 'rollup',
  /** Scheduler, hourly: rolls up the recent hours of every store (a safety net behind the ingest trigger). */
  rollupSweep: 'rollup-sweep',
  report: 'report',
  /** Scheduler, hourly: precomputes each store's default spike report once its local day is over ("nightly"). */
  spikePrecompute: 'spike-precompute',
} as const;

/**
 * The job schedulers, each on its queue. They live in Redis only: every worker process re-declares them at
 * start-up, after each Redis reconnect and whenever its periodic check finds fewer than these.
 */
export const SCHEDULES = [
  { id: 'rollup-sweep', queue: ROLLUP_QUEUE, job: JOB.rollupSweep, pattern: '2 * * * *' },
  { id: 'spike-precompute', queue: REPORT_QUEUE, job: JOB.spikePrecompute, pattern: '10 * * * *' },
] as const;

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

/** BullMQ takes ioredis options, not a URL. */
export function bullConnection(redisUrl: string): ConnectionOptions {
  const u = new URL(redisUrl);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isFinite(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}
