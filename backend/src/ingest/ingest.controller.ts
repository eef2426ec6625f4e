import { Body, Controller, Get, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { heartbeatSchema, type EventBatch, type Heartbeat } from '../../../shared/src/events.ts';
import type { EdgeKeyScope } from '../admin/edge-key.service.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { EdgeKeyGuard, EdgeScope } from './edge-key.guard.ts';
import { EventBatchPipe } from './event-batch.pipe.ts';
import { IngestService } from './ingest.service.ts';
import { SystemHealth } from './system-health.service.ts';

@Controller('api/ingest')
export class IngestController {
  constructor(private readonly ingest: IngestService, private readonly health: SystemHealth) {}

  @Post('events')
  @HttpCode(200)
  @UseGuards(EdgeKeyGuard)
  events(@EdgeScope() scope: EdgeKeyScope, @Body(new EventBatchPipe()) batch: EventBatch) {
    return this.ingest.ingest(scope, batch);
  }

  @Post('heartbeat')
  @HttpCode(200)
  @UseGuards(EdgeKeyGuard)
  heartbeat(@EdgeScope() scope: EdgeKeyScope, @Body(new ZodValidationPipe(heartbeatSchema)) hb: Heartbeat) {
    return this.ingest.recordHeartbeat(scope, hb);
  }

  @Get('health')
  async healthCheck(@Res({ passthrough: true }) res: Response) {
    const report = await this.health.check();
    if (report.status !== 'ok') res.status(503);
    return report;
  }
}
