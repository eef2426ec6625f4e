import { BullModule } from '@nestjs/bullmq';
import { Inject, Module, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { IngestModule } from '../ingest/ingest.module.ts';
import { AnalyticsController } from './analytics.controller.ts';
import { AnalyticsHealth } from './analytics-health.service.ts';
import { AnalyticsReports } from './analytics-reports.service.ts';
import { AnalyticsWorkers } from './analytics-workers.service.ts';
import { ComparisonReport } from './comparison-report.service.ts';
import { JOB_DEFAULTS, QUEUE_REDIS, queuePrefix, REPORT_QUEUE, ROLLUP_QUEUE } from './analytics.queues.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { HourlySpikeCheck } from './hourly-spike-check.service.ts';
import { PromotionLiftReport } from './promotion-lift-report.service.ts';
import { RollupHealer } from './rollup-healer.service.ts';
import { RollupTrigger } from './rollup-trigger.service.ts';
import { SalesModule } from '../sales/sales.module.ts';
import { SpikeReport } from './spike-report.service.ts';
import { createRedis, type RedisClient } from '../redis/redis-connection.ts';

const queue = (name: string) => ({
  name,
  imports: [QueueConnectionModule],
  inject: [APP_CONFIG, QUEUE_REDIS],
  useFactory: (config: AppConfig, connection: RedisClient) => ({
    connection,
    prefix: queuePrefix(config.redisPrefix, name),
    defaultJobOptions: JOB_DEFAULTS,
  }),
});

@Module({
  providers: [
    {
      provide: QUEUE_REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedis(config, 'queue'),
    },
  ],
  exports: [QUEUE_REDIS],
})
export class QueueConnectionModule implements OnModuleDestroy, OnApplicationShutdown {
  constructor(@Inject(QUEUE_REDIS) private readonly redis: RedisClient) {}

  /**
   * Runs before the queues close (onApplicationShutdown). A queue's close() waits for its connection to be
   * ready, which never happens while Redis is down: disconnecting first lets shutdown finish. With Redis up,
   * the queues close normally and quit the connection afterwards.
   */
  onModuleDestroy(): void {
    if (this.redis.status !== 'ready') this.redis.disconnect();
  }

  /** A connection handed to BullMQ is shared, so BullMQ never closes it: we do. */
  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

/**
 * Analytics: hourly rollups of the raw events and the reports computed from them (traffic spikes,
 * promotion lift, the multi-store comparison), all in BullMQ workers off the request path. Events are read only through ingest's
 * StoreEventsReader; stores and access through the admin module's services.
 */
@Module({
  imports: [AdminModule, IngestModule, SalesModule, QueueConnectionModule, BullModule.registerQueueAsync(queue(ROLLUP_QUEUE), queue(REPORT_QUEUE))],
  controllers: [AnalyticsController],
  providers: [
    HourlyRollup,
    RollupHealer,
    RollupTrigger,
    SpikeReport,
    PromotionLiftReport,
    ComparisonReport,
    AnalyticsReports,
    AnalyticsHealth,
    AnalyticsWorkers,
    HourlySpikeCheck,
  ],
  // HourlySpikeCheck: the hourly spike verdicts, for the alerts module.
  exports: [AnalyticsWorkers, HourlySpikeCheck],
})
export class AnalyticsModule {}
