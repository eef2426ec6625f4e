import { Controller, Get, Header } from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import { ApiRoute } from '../common/openapi.ts';
import { WinkMetrics } from './wink-metrics.service.ts';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: WinkMetrics) {}

  /** Prometheus text format. Aggregates only: no store names, keys or people. */
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiRoute('Prometheus metrics (no token; aggregates only)', { 200: 'Prometheus text format 0.0.4' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
