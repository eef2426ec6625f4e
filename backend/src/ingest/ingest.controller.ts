import { Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply as Response } from 'fastify';
import { z } from 'zod';
import { eventBatchSchema, heartbeatSchema, type EventBatch, type Heartbeat } from '../../../shared/src/events.ts';
import type { EdgeKeyScope } from '../admin/edge-key.service.ts';
import { ApiRoute, ApiZodBody, ApiZodQuery, EdgeAuth } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { EdgeKeyGuard, EdgeScope } from './edge-key.guard.ts';
import { EventBatchPipe } from './event-batch.pipe.ts';
import { IngestService } from './ingest.service.ts';
import { SystemHealth } from './system-health.service.ts';

/** `?dry_run=true`: the edge's self-test checks key, scope and body without adding anything to the store's day. */
const dryRunQuery = z.strictObject({
  dry_run: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .optional()
    .transform((v) => v === 'true'),
});
type DryRunQuery = z.infer<typeof dryRunQuery>;

@Controller('api/ingest')
export class IngestController {
  constructor(
    private readonly ingest: IngestService,
    private readonly health: SystemHealth,
  ) {}

  @Post('events')
  @HttpCode(200)
  @UseGuards(EdgeKeyGuard)
  @EdgeAuth()
  @ApiZodBody(eventBatchSchema)
  @ApiZodQuery(dryRunQuery)
  @ApiRoute('Send a batch of events (all or nothing; idempotent per event_id); `?dry_run=true` checks without storing', {
    200: '`{status: "ok", received, accepted, duplicates}`',
    400: 'an invalid event or field (the whole batch is refused); `event_index` names the event',
    413: 'more than 1,000 events, or a body over 1 MB',
  })
  events(@EdgeScope() scope: EdgeKeyScope, @Body(new EventBatchPipe()) batch: EventBatch, @Query(new ZodValidationPipe(dryRunQuery, 'query')) q: DryRunQuery) {
    return q.dry_run ? this.ingest.check(scope, batch) : this.ingest.ingest(scope, batch);
  }

  @Post('heartbeat')
  @HttpCode(200)
  @UseGuards(EdgeKeyGuard)
  @EdgeAuth()
  @ApiZodBody(heartbeatSchema)
  @ApiZodQuery(dryRunQuery)
  @ApiRoute("Report a camera's status; `?dry_run=true` checks without storing", { 200: '`{status: "ok", received_at}`' }, 400, 413)
  heartbeat(
    @EdgeScope() scope: EdgeKeyScope,
    @Body(new ZodValidationPipe(heartbeatSchema)) hb: Heartbeat,
    @Query(new ZodValidationPipe(dryRunQuery, 'query')) q: DryRunQuery,
  ) {
    return q.dry_run ? this.ingest.check(scope, hb) : this.ingest.recordHeartbeat(scope, hb);
  }

  @Get('health')
  @ApiRoute('Liveness of PostgreSQL and Redis (no token)', {
    200: '`{status: "ok", database: "up", redis: "up", …}`',
    503: { description: 'PostgreSQL or Redis is down: the same body with `status: "degraded"`' },
  })
  async healthCheck(@Res({ passthrough: true }) res: Response) {
    const report = await this.health.check();
    if (report.status !== 'ok') res.status(503);
    return report;
  }
}
