import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Worker } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { WebhookPayload } from '../../../shared/src/alerts.ts';
import { processorOf, queuePrefix, type JobOf } from '../analytics/analytics.queues.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { createWorker } from '../redis/redis-connection.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { flatRows } from '../common/returning-rows.ts';
import { WebhookEndpoints } from './webhook-endpoints.service.ts';
import { WebhookPublisher } from './webhook-publisher.service.ts';
import { postWebhook } from './webhook-request.ts';
import { retryDelayMs } from './webhook-retry.ts';
import {
  ABANDON_DELIVERY_SQL,
  ATTEMPT_FAILED_SQL,
  DELIVERED_SQL,
  DELIVERY_FOR_ATTEMPT_SQL,
  ENDPOINT_FAILED_SQL,
  ENDPOINT_SUCCEEDED_SQL,
  START_ATTEMPT_SQL,
} from './webhooks.queries.ts';
import { WEBHOOK_BACKOFF, WEBHOOK_QUEUE, webhookSettings, type WebhookQueueJobs } from './webhooks.queues.ts';

/** Attempts wait on other people's servers, not on our CPU: many at once per process. */
const CONCURRENCY = 16;
/** Each worker process looks for deliveries left pending without a job this often (and that old). */
const REDRIVE_INTERVAL_MS = 60_000;

interface AttemptRow {
  delivery_id: string;
  org_id: string;
  endpoint_id: string;
  state: 'pending' | 'delivered' | 'failed';
  payload: WebhookPayload;
  url: string;
  secret: string;
  enabled: boolean;
}

/** How one attempt ended, for the job's return value and the metrics. */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

/**
 * The BullMQ worker of the webhook queue (where `config.runWorkers`: the worker process, the API in development,
 * tests). One job = one delivery; a failed attempt throws so BullMQ retries it on the schedule of webhook-retry.ts.
 */
@Injectable()
export class WebhookWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookWorkers');
  private worker: Worker | undefined;
  private redriveTimer: NodeJS.Timeout | undefined;
  private readonly settings: ReturnType<typeof webhookSettings>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly endpoints: WebhookEndpoints,
    private readonly publisher: WebhookPublisher,
    private readonly metrics: WinkMetrics,
  ) {
    this.settings = webhookSettings(config);
  }

  onApplicationBootstrap(): void {
    if (!this.config.runWorkers) return;
    const baseMs = this.settings.retryBaseMs;
    this.worker = createWorker(
      this.config,
      WEBHOOK_QUEUE,
      processorOf<WebhookQueueJobs>((job) => this.attempt(job)),
      {
        prefix: queuePrefix(this.config.redisPrefix, WEBHOOK_QUEUE),
        concurrency: CONCURRENCY,
        name: `${hostname()}:${process.pid}`,
        settings: { backoffStrategy: (attemptsMade, type) => (type === WEBHOOK_BACKOFF ? retryDelayMs(attemptsMade, baseMs) : baseMs) },
      },
    );
    this.worker.on('error', (e) => this.logger.error(`${WEBHOOK_QUEUE}: ${e.message}`));
    this.scheduleRedrive();
    this.logger.log(`webhook workers running (${CONCURRENCY} deliveries at a time)`);
  }

  private scheduleRedrive(): void {
    this.redriveTimer = setTimeout(() => {
      this.publisher
        .redrive(REDRIVE_INTERVAL_MS)
        .then((n) => n > 0 && this.logger.log(`${n} pending webhook deliveries enqueued again`))
        .catch((e) => this.logger.warn(`webhook redrive: ${e instanceof Error ? e.message : e}`))
        .finally(() => {
          if (this.redriveTimer) this.scheduleRedrive();
        });
    }, REDRIVE_INTERVAL_MS);
    this.redriveTimer.unref();
  }

  /** One attempt of one delivery. Idempotent: a delivery that is no longer pending is not sent again. */
  async attempt(job: JobOf<WebhookQueueJobs>): Promise<AttemptOutcome> {
    const id = job.data.deliveryId;
    const [d] = (await this.db.query(DELIVERY_FOR_ATTEMPT_SQL, [id])) as AttemptRow[];
    if (d?.state !== 'pending') return 'skipped'; // endpoint deleted, or delivered / failed already
    if (!d.enabled) {
      await this.db.query(ABANDON_DELIVERY_SQL, [id, 'endpoint disabled']);
      this.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      return 'failed';
    }
    const [started] = flatRows(await this.db.query(START_ATTEMPT_SQL, [id])) as { attempts: number }[];
    if (!started) return 'skipped';

    const result = await postWebhook({ url: d.url, secret: d.secret, deliveryId: id, body: JSON.stringify(d.payload), timeoutMs: this.settings.timeoutMs });
    if (result.error === null) {
      const [done] = flatRows(await this.db.query(DELIVERED_SQL, [id, result.status])) as { latency_ms: number }[];
      await this.db.query(ENDPOINT_SUCCEEDED_SQL, [d.endpoint_id]);
      this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      if (done) this.metrics.webhookLatency.observe(done.latency_ms / 1000);
      return 'delivered';
    }

    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const gone = result.status === 410;
    await this.db.query(ATTEMPT_FAILED_SQL, [id, result.status, result.error, lastAttempt || gone]);
    const [endpoint] = flatRows(await this.db.query(ENDPOINT_FAILED_SQL, [d.endpoint_id])) as { consecutive_failures: number; failing_seconds: number }[];
    const failures = endpoint?.consecutive_failures ?? 0;
    const failingSeconds = endpoint?.failing_seconds ?? 0;
    const reason = gone
      ? 'it answered 410 Gone'
      : lastAttempt
        ? `delivery ${id} failed ${started.attempts} attempts over ${this.settings.retryMaxSeconds} s`
        : failures >= this.settings.disableAfterFailures && failingSeconds >= this.settings.disableAfterFailingSeconds
          ? `${failures} failed attempts in a row over ${Math.round(failingSeconds)} s`
          : null;
    if (reason) {
      await this.endpoints.disableForFailures(d.org_id, d.endpoint_id, reason, {
        delivery_id: id,
        consecutive_failures: failures,
        last_status: result.status,
        last_error: result.error,
      });
      // A disabled endpoint gets no more attempts: this delivery ends here.
      await this.db.query(ABANDON_DELIVERY_SQL, [id, `${result.error} (endpoint disabled: ${reason})`]);
    }
    if (reason || lastAttempt) {
      this.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      return 'failed';
    }
    this.metrics.webhookDeliveries.inc({ outcome: 'retry' });
    throw new Error(result.error);
  }

  /** close() lets running attempts finish; a hard kill leaves them to BullMQ's stall check. */
  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.redriveTimer);
    this.redriveTimer = undefined;
    await this.worker?.close();
    this.worker = undefined;
  }
}
