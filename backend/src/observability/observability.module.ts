import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { MetricsController } from './metrics.controller.ts';
import { RequestMetricsMiddleware } from './request-metrics.middleware.ts';
import { WinkMetrics } from './wink-metrics.service.ts';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [WinkMetrics, RequestMetricsMiddleware],
  exports: [WinkMetrics],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestMetricsMiddleware).forRoutes('*');
  }
}
