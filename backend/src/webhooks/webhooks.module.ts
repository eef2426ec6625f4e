import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.ts';
import { AdminModule } from '../admin/admin.module.ts';
import { AlertsModule } from '../alerts/alerts.module.ts';
import { QUEUE_REDIS, queuePrefix } from '../analytics/analytics.queues.ts';
import { QueueConnectionModule } from '../analytics/analytics.module.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { WebhookDeliveries } from './webhook-deliveries.service.ts';
import { WebhookEndpoints } from './webhook-endpoints.service.ts';
import { WebhookPublisher } from './webhook-publisher.service.ts';
import { WebhookWorkers } from './webhook-workers.service.ts';
import { WebhooksController } from './webhooks.controller.ts';
import { WEBHOOK_QUEUE } from './webhooks.queues.ts';

/**
 * Webhooks (docs/alerts.md, Webhooks): an organisation's endpoints, signed deliveries of its alerts through
 * BullMQ with retries, and the delivery log. Alerts come in through AlertsService.events; an endpoint that keeps
 * failing goes back out as an organisation alert through AlertsService. WebhookPublisher is the module's API.
 */
@Module({
  imports: [
    AdminModule,
    AlertsModule,
    QueueConnectionModule,
    BullModule.registerQueueAsync({
      name: WEBHOOK_QUEUE,
      imports: [QueueConnectionModule],
      inject: [APP_CONFIG, QUEUE_REDIS],
      useFactory: (config: AppConfig, connection: RedisClient) => ({ connection, prefix: queuePrefix(config.redisPrefix, WEBHOOK_QUEUE) }),
    }),
  ],
  controllers: [WebhooksController],
  providers: [WebhookEndpoints, WebhookPublisher, WebhookDeliveries, WebhookWorkers],
  exports: [WebhookPublisher],
})
export class WebhooksModule {}
