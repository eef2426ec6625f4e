import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.ts';
import { QueueConnectionModule } from '../analytics/analytics.module.ts';
import { JOB_DEFAULTS, QUEUE_REDIS, queuePrefix } from '../analytics/analytics.queues.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { AdminModule } from '../admin/admin.module.ts';
import { IngestModule } from '../ingest/ingest.module.ts';
import { OrganisationRetention } from './organisation-retention.service.ts';
import { RetentionController } from './retention.controller.ts';
import { RetentionEnforcer } from './retention-enforcer.service.ts';
import { RETENTION_QUEUE } from './retention.queues.ts';
import { RetentionWorkers } from './retention-workers.service.ts';
import { TimePartitions } from './time-partitions.service.ts';

/**
 * Data growth (issue #19, docs in README section 5 "Data growth"): the event and heartbeat tables' month
 * partitions, created ahead and dropped whole once expired; each organisation's retention (admin API), applied daily
 * with the heartbeats compacted first (ingest's HeartbeatCompactor). The tables are ingest's; which ones are partitioned
 * and on what column is ingest's declaration (ingest/partitioned-tables.ts), the partitions are this module's.
 */
@Module({
  imports: [
    AdminModule,
    IngestModule,
    QueueConnectionModule,
    BullModule.registerQueueAsync({
      name: RETENTION_QUEUE,
      imports: [QueueConnectionModule],
      inject: [APP_CONFIG, QUEUE_REDIS],
      useFactory: (config: AppConfig, connection: RedisClient) => ({
        connection,
        prefix: queuePrefix(config.redisPrefix, RETENTION_QUEUE),
        defaultJobOptions: JOB_DEFAULTS,
      }),
    }),
  ],
  controllers: [RetentionController],
  providers: [TimePartitions, OrganisationRetention, RetentionEnforcer, RetentionWorkers],
  exports: [TimePartitions, RetentionEnforcer, RetentionWorkers],
})
export class RetentionModule {}
