import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.ts';
import { IngestModule } from '../ingest/ingest.module.ts';
import { SalesModule } from '../sales/sales.module.ts';
import { CameraStatus } from './camera-status.service.ts';
import { DashboardController } from './dashboard.controller.ts';
import { LiveReconciler } from './live-reconciler.ts';
import { LiveSales } from './live-sales.service.ts';
import { LiveRedis } from './live-redis.ts';
import { LiveStoreMetrics } from './live-store-metrics.service.ts';
import { OccupancyCorrections } from './occupancy-corrections.service.ts';
import { StoreHistory } from './store-history.service.ts';

/**
 * The store manager's screen: live numbers from Redis (reconciled with PostgreSQL periodically, answered
 * from PostgreSQL while Redis is unusable), camera status, history from PostgreSQL, and the occupancy
 * closed out at each closing (OccupancyCorrections); today's sales beside footfall (LiveSales).
 */
@Module({
  imports: [AdminModule, IngestModule, SalesModule],
  controllers: [DashboardController],
  providers: [LiveRedis, LiveStoreMetrics, LiveReconciler, LiveSales, CameraStatus, StoreHistory, OccupancyCorrections],
  exports: [LiveStoreMetrics, LiveReconciler, CameraStatus, StoreHistory, OccupancyCorrections],
})
export class DashboardModule {}
