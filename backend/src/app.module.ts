import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import { AdminModule } from './admin/admin.module.ts';
import { AlertsModule } from './alerts/alerts.module.ts';
import { AnalyticsModule } from './analytics/analytics.module.ts';
import { HttpErrorFilter } from './common/http-error.filter.ts';
import { APP_CONFIG, type AppConfig } from './config/app-config.ts';
import { DashboardModule } from './dashboard/dashboard.module.ts';
import { databaseOptions } from './database/database-options.ts';
import { IngestModule } from './ingest/ingest.module.ts';
import { ObservabilityModule } from './observability/observability.module.ts';
import { RedisModule } from './redis/redis.module.ts';
import { RetentionModule } from './retention/retention.module.ts';
import { SalesModule } from './sales/sales.module.ts';
import { WebhooksModule } from './webhooks/webhooks.module.ts';

@Module({})
export class AppModule {
  /** The config is loaded once by the caller (main, worker, tests) and injected everywhere from here. */
  static forConfig(config: AppConfig, opts: { logDestination?: DestinationStream } = {}): DynamicModule {
    const configModule: DynamicModule = {
      module: class AppConfigModule {},
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        ObservabilityModule.forRoot(config, opts.logDestination),
        TypeOrmModule.forRoot({ ...databaseOptions(config.databaseUrl, config.databasePoolMax), retryAttempts: 3, retryDelay: 1000 }),
        RedisModule,
        AdminModule,
        IngestModule,
        AnalyticsModule,
        DashboardModule,
        AlertsModule,
        WebhooksModule,
        SalesModule,
        RetentionModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
