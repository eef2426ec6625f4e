import { Module } from '@nestjs/common';
import { AlertsService } from './alerts.service.ts';

/**
 * Alerts (docs/alerts.md): per-store rules evaluated on ingest, every minute and after the hourly analysis, and
 * the episodes they open and resolve. AlertsService is the module's API (the webhooks module listens to its events
 * and raises its own organisation alerts through it).
 */
@Module({
  providers: [AlertsService],
  exports: [AlertsService],
})
export class AlertsModule {}
