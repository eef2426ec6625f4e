import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry and WINK's own series. Modules record through this service;
 * a module with a gauge to sample at scrape time registers it on `registry`.
 */
@Injectable()
export class WinkMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'wink_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'wink_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly ingestEvents = new Counter({
    name: 'wink_ingest_events_total',
    help: 'Events received by type and result (accepted, duplicate)',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });

  readonly ingestRejectedBatches = new Counter({
    name: 'wink_ingest_rejected_batches_total',
    help: 'Ingest batches refused, by HTTP status (nothing of them was stored)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly heartbeats = new Counter({ name: 'wink_ingest_heartbeats_total', help: 'Camera heartbeats accepted', registers: [this.registry] });

  readonly jobDuration = new Histogram({
    name: 'wink_job_duration_seconds',
    help: 'Background job duration by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly alerts = new Counter({
    name: 'wink_alerts_total',
    help: 'Alert episodes by type and transition (fired, resolved), counted once by the process that made the change',
    labelNames: ['type', 'transition'] as const,
    registers: [this.registry],
  });

  /** One per delivery attempt: delivered (2xx), retry (failed, will be tried again), failed (given up). */
  readonly webhookDeliveries = new Counter({
    name: 'wink_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookLatency = new Histogram({
    name: 'wink_webhook_delivery_latency_seconds',
    help: "From a webhook event's creation to its endpoint's 2xx answer (retries included)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'wink_' });
  }
}
