import type { QueueOf } from '../analytics/analytics.queues.ts';

/** The retention module's queue: partition upkeep must not wait behind rollups or reports, nor hold them up. */
export const RETENTION_QUEUE = 'retention';

export const RETENTION_JOB = {
  /** Scheduler, hourly: this month's and the next months' partitions exist, rows waiting in a default get their month. */
  partitionsAhead: 'partitions-ahead',
  /** Scheduler, hourly: every store's heartbeats compacted up to the last finished UTC day (what reports read). */
  compactHeartbeats: 'compact-heartbeats',
  /** Scheduler, daily: heartbeats compacted, expired months dropped, shorter organisation retention applied. */
  retention: 'retention',
} as const;

/** Every job of the queue, by name, with its payload (the typed-queue pattern of analytics.queues.ts). */
export interface RetentionQueueJobs {
  [RETENTION_JOB.partitionsAhead]: Record<string, never>;
  [RETENTION_JOB.compactHeartbeats]: Record<string, never>;
  [RETENTION_JOB.retention]: Record<string, never>;
}
export type RetentionQueue = QueueOf<RetentionQueueJobs>;

/** Re-declared by every worker at start-up, after each Redis reconnect and when the periodic check misses them. */
export const RETENTION_SCHEDULES = [
  { id: 'partitions-ahead', job: RETENTION_JOB.partitionsAhead, pattern: '7 * * * *' },
  { id: 'compact-heartbeats', job: RETENTION_JOB.compactHeartbeats, pattern: '23 * * * *' },
  { id: 'retention', job: RETENTION_JOB.retention, pattern: '37 3 * * *' },
] as const satisfies ReadonlyArray<{
  id: string;
  job: keyof RetentionQueueJobs;
  pattern: string;
}>;
