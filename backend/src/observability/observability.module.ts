import { type DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config.ts';
import { createAppLogger } from './app-logger.ts';
import { MetricsController } from './metrics.controller.ts';
import { APP_LOG, RequestObserver } from './request-observer.ts';
import { WinkMetrics } from './wink-metrics.service.ts';

@Module({})
export class ObservabilityModule {
  /** The logger is made here, once per app, so tests can hand in a stream that captures its lines. */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [MetricsController],
      providers: [WinkMetrics, RequestObserver, { provide: APP_LOG, useValue: createAppLogger(config, destination) }],
      exports: [WinkMetrics, APP_LOG],
    };
  }
}
