import type { JobsOptions } from 'bullmq';
import { WEBHOOK_DEFAULTS, type AppConfig } from '../config/app-config.ts';
import { retryAttempts } from './webhook-retry.ts';

/** One queue for every delivery: HTTP calls to customers' servers never wait behind a report, nor the reverse. */
export const WEBHOOK_QUEUE = 'webhook-delivery';

export const WEBHOOK_JOB = { deliver: 'deliver' } as const;
/** The jobs of the webhook queue (see JobOf/QueueOf in analytics.queues.ts). */
export interface WebhookQueueJobs {
  [WEBHOOK_JOB.deliver]: { deliveryId: string };
}

/** The worker's custom backoff strategy (webhook-retry.ts) is looked up by this type. */
export const WEBHOOK_BACKOFF = 'webhook-schedule';

/** The delivery settings of a config, defaults filled in once. */
export function webhookSettings(config: AppConfig) {
  return {
    retryMaxSeconds: config.webhookRetryMaxSeconds ?? WEBHOOK_DEFAULTS.retryMaxSeconds,
    retryBaseMs: config.webhookRetryBaseMs ?? WEBHOOK_DEFAULTS.retryBaseMs,
    timeoutMs: config.webhookTimeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs,
    disableAfterFailures: config.webhookDisableAfterFailures ?? WEBHOOK_DEFAULTS.disableAfterFailures,
    disableAfterFailingSeconds: config.webhookDisableAfterFailingSeconds ?? WEBHOOK_DEFAULTS.disableAfterFailingSeconds,
  };
}

/**
 * A delivery's job: its id is the delivery id, so adding the same delivery again while its job is waiting,
 * delayed, running or kept after completion is a no-op (BullMQ deduplicates on jobId). Completed jobs are kept a
 * day and failed ones a week, longer than the redrive sweep could look at them again.
 */
export function deliveryJobOptions(deliveryId: string, config: AppConfig): JobsOptions {
  const s = webhookSettings(config);
  return {
    jobId: deliveryId,
    attempts: retryAttempts(s.retryBaseMs, s.retryMaxSeconds),
    backoff: { type: WEBHOOK_BACKOFF, delay: s.retryBaseMs },
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: 7 * 86_400, count: 10_000 },
  };
}
