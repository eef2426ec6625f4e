import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { WebhookEventType, WebhookPayload } from '../../../shared/src/alerts.ts';
import type { DeliveryState, ListDeliveriesQuery } from './webhooks.dto.ts';
import { WebhookEndpoints } from './webhook-endpoints.service.ts';
import { WebhookPublisher } from './webhook-publisher.service.ts';
import { LIST_DELIVERIES_SQL } from './webhooks.queries.ts';

interface DeliveryRow {
  delivery_id: string;
  endpoint_id: string;
  type: WebhookEventType;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  first_attempt_at: Date | null;
  delivered_at: Date | null;
  latency_ms: number | null;
  payload: WebhookPayload;
}

/** The delivery log and the test call (admin API). */
@Injectable()
export class WebhookDeliveries {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly endpoints: WebhookEndpoints,
    private readonly publisher: WebhookPublisher,
  ) {}

  /** Newest first. An endpoint_id of another organisation is 404, like a missing one. */
  async list(orgId: string, q: ListDeliveriesQuery) {
    if (q.endpoint_id) await this.endpoints.get(orgId, q.endpoint_id);
    const rows = (await this.db.query(LIST_DELIVERIES_SQL, [orgId, q.endpoint_id ?? null, q.state ?? null, q.limit])) as DeliveryRow[];
    return rows.map((r) => ({
      ...r,
      created_at: r.created_at.toISOString(),
      first_attempt_at: r.first_attempt_at?.toISOString() ?? null,
      delivered_at: r.delivered_at?.toISOString() ?? null,
    }));
  }

  /** A `webhook.test` delivery to one enabled endpoint. */
  async sendTest(orgId: string, endpointId: string): Promise<{ delivery_id: string; endpoint_id: string; type: 'webhook.test' }> {
    await this.endpoints.requireEnabled(orgId, endpointId);
    const [d] = await this.publisher.publish({ type: 'webhook.test', org_id: orgId, store_id: null, time: new Date().toISOString(), alert: null }, endpointId);
    if (!d) {
      // Disabled or deleted between the check and the insert: nothing was queued, answer why.
      await this.endpoints.requireEnabled(orgId, endpointId);
      throw new Error(`no delivery created for endpoint ${endpointId}`);
    }
    return { delivery_id: d.delivery_id, endpoint_id: endpointId, type: 'webhook.test' };
  }
}
