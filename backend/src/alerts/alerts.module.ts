import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.ts';
import { AnalyticsModule, QueueConnectionModule } from '../analytics/analytics.module.ts';
import { JOB_DEFAULTS, QUEUE_REDIS, queuePrefix } from '../analytics/analytics.queues.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { DashboardModule } from '../dashboard/dashboard.module.ts';
import { IngestModule } from '../ingest/ingest.module.ts';
import type { RedisClient } from '../redis/redis-connection.ts';
import { AlertConditions } from './alert-conditions.service.ts';
import { AlertRules } from './alert-rules.service.ts';
import { AlertRulesAdminController, AlertsController } from './alerts.controller.ts';
import { ALERTS_QUEUE } from './alerts.queues.ts';
import { AlertsService } from './alerts.service.ts';
import { AlertsWorkers } from './alerts-workers.service.ts';
import { LiveAlerts } from './live-alerts.service.ts';
import { MinuteAlerts } from './minute-alerts.service.ts';
import { SpikeAlerts } from './spike-alerts.service.ts';

/**
 * Alerts (docs/alerts.md): per-store rules evaluated where their numbers arrive — occupancy and queues on ingest
 * (LiveAlerts), cameras and footfall every minute (MinuteAlerts in the alerts worker), spikes after the hourly
 * analysis (SpikeAlerts) — and the episodes they open and resolve. AlertsService is the module's API: the webhooks
 * module listens to its events and raises its own organisation alerts through it.
 */
@Module({
  imports: [
    AdminModule,
    IngestModule,
    DashboardModule,
    AnalyticsModule,
    QueueConnectionModule,
    BullModule.registerQueueAsync({
      name: ALERTS_QUEUE,
      imports: [QueueConnectionModule],
      inject: [APP_CONFIG, QUEUE_REDIS],
      useFactory: (config: AppConfig, connection: RedisClient) => ({
        connection,
        prefix: queuePrefix(config.redisPrefix, ALERTS_QUEUE),
        defaultJobOptions: JOB_DEFAULTS,
      }),
    }),
  ],
  controllers: [AlertsController, AlertRulesAdminController],
  providers: [AlertsService, AlertRules, AlertConditions, LiveAlerts, MinuteAlerts, SpikeAlerts, AlertsWorkers],
  exports: [AlertsService, AlertRules, AlertsWorkers, LiveAlerts],
})
export class AlertsModule {}
