import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AlertView, WebhookEventType, WebhookPayload } from '../../../shared/src/alerts.ts';
import type { AlertChange } from '../alerts/alert-events.ts';
import { AlertsService } from '../alerts/alerts.service.ts';
import type { QueueOf } from '../analytics/analytics.queues.ts';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { CREATE_DELIVERIES_SQL, STALE_PENDING_SQL } from './webhooks.queries.ts';
import { deliveryJobOptions, WEBHOOK_JOB, WEBHOOK_QUEUE, type WebhookQueueJobs } from './webhooks.queues.ts';

/** A publisher must not hang on a Redis that does not answer: the delivery row is stored, the redrive enqueues it later. */
const ENQUEUE_TIMEOUT_MS = 2000;

/** One event for an organisation's endpoints: the payload without its per-delivery `id`. */
export type WebhookEvent = Omit<WebhookPayload, 'id'>;

/**
 * Turns events into deliveries: one row per (event, enabled endpoint), whose id is the payload's `id`, the
 * `Wink-Delivery` header and the BullMQ job id. Alerts reach it through AlertsService.events, which emits each
 * change once across all processes; the job id makes a second enqueue of the same delivery a no-op.
 */
@Injectable()
export class WebhookPublisher implements OnModuleInit {
  private readonly logger = new Logger('WebhookPublisher');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: QueueOf<WebhookQueueJobs>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly alerts: AlertsService,
  ) {}

  onModuleInit(): void {
    this.alerts.events.on('alert.fired', (c) => this.publishAlert('alert.fired', c, c.alert.fired_at));
    this.alerts.events.on('alert.resolved', (c) => this.publishAlert('alert.resolved', c, c.alert.resolved_at ?? new Date().toISOString()));
  }

  private async publishAlert(type: WebhookEventType, change: AlertChange, time: string): Promise<void> {
    await this.publish({ type, org_id: change.org_id, store_id: change.alert.store_id, time, alert: change.alert });
  }

  /** Stores a delivery for each enabled endpoint of the organisation (or `endpointId` alone) and enqueues them; answers their ids. */
  async publish(event: WebhookEvent, endpointId?: string): Promise<{ delivery_id: string; endpoint_id: string }[]> {
    const body = { type: event.type, org_id: event.org_id, store_id: event.store_id, time: event.time, alert: event.alert satisfies AlertView | null };
    const rows = (await this.db.query(CREATE_DELIVERIES_SQL, [event.org_id, event.type, JSON.stringify(body), endpointId ?? null])) as {
      delivery_id: string;
      endpoint_id: string;
    }[];
    await this.enqueue(rows.map((r) => r.delivery_id));
    return rows;
  }

  /**
   * Adds the deliveries' jobs. Idempotent: a delivery whose job BullMQ still holds is not added again. A failure
   * is logged, not thrown: the rows are stored and the redrive sweep enqueues them.
   */
  async enqueue(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const jobs = deliveryIds.map((id) => ({ name: WEBHOOK_JOB.deliver, data: { deliveryId: id }, opts: deliveryJobOptions(id, this.config) }));
    try {
      await within(this.queue.addBulk(jobs), ENQUEUE_TIMEOUT_MS, 'Redis did not answer');
    } catch (e) {
      this.logger.warn(`could not enqueue ${deliveryIds.length} webhook deliveries (the redrive will): ${e instanceof Error ? e.message : e}`);
    }
  }

  /** Enqueues again the deliveries still pending after `olderThanMs` (their job lost with Redis, or never added); answers how many. */
  async redrive(olderThanMs: number): Promise<number> {
    const rows = (await this.db.query(STALE_PENDING_SQL, [olderThanMs])) as { delivery_id: string }[];
    await this.enqueue(rows.map((r) => r.delivery_id));
    return rows.length;
  }
}
