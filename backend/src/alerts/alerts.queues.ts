import type { QueueOf } from '../analytics/analytics.queues.ts';

/** The alerts module's own queue: its minute job must not wait behind a burst of rollups or reports. */
export const ALERTS_QUEUE = 'alerts';

export const ALERT_JOB = {
  /** Scheduler, every minute: the duration rules (cameras, no footfall) and the resolutions no event triggers. */
  minute: 'alerts-minute',
} as const;

/** Every job of the queue, by name, with its payload (the typed-queue pattern of analytics.queues.ts). */
export interface AlertsQueueJobs {
  [ALERT_JOB.minute]: Record<string, never>;
}
export type AlertsQueue = QueueOf<AlertsQueueJobs>;

/** Re-declared by every worker at start-up, after each Redis reconnect and when the periodic check misses it. */
export const ALERT_SCHEDULES = [{ id: 'alerts-minute', job: ALERT_JOB.minute, pattern: '* * * * *' }] as const satisfies ReadonlyArray<{
  id: string;
  job: keyof AlertsQueueJobs;
  pattern: string;
}>;
