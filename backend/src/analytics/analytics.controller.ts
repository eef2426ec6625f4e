import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AdminTokenGuard } from '../admin/admin-token.guard.ts';
import { ReadAccessGuard, Reader, type ReadAccess } from '../admin/read-access.guard.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { AnalyticsHealth } from './analytics-health.service.ts';
import { AnalyticsReports, type ReportAnswer } from './analytics-reports.service.ts';
import {
  promoQuery, rebuildBody, reportIdParams, spikesQuery, type PromoQuery, type RebuildBody, type SpikesQuery,
} from './analytics.dto.ts';
import { RollupTrigger } from './rollup-trigger.service.ts';

@Controller('api/analytics')
export class AnalyticsController {
  constructor(private readonly reports: AnalyticsReports, private readonly health: AnalyticsHealth, private readonly rollups: RollupTrigger) {}

  @Get('spikes')
  @UseGuards(ReadAccessGuard)
  async spikes(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(spikesQuery, 'query')) q: SpikesQuery, @Res({ passthrough: true }) res: Response) {
    return send(res, await this.reports.spikes(reader, q));
  }

  @Get('promo')
  @UseGuards(ReadAccessGuard)
  async promo(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(promoQuery, 'query')) q: PromoQuery, @Res({ passthrough: true }) res: Response) {
    return send(res, await this.reports.promo(reader, q));
  }

  @Get('reports/:id')
  @UseGuards(ReadAccessGuard)
  async report(@Reader() reader: ReadAccess, @Param(new ZodValidationPipe(reportIdParams, 'query')) p: { id: string }, @Res({ passthrough: true }) res: Response) {
    return send(res, await this.reports.get(reader, p.id));
  }

  /** Operators only: the queues are shared by every organisation. */
  @Get('health')
  @UseGuards(AdminTokenGuard)
  async healthCheck(@Res({ passthrough: true }) res: Response) {
    const report = await this.health.check();
    if (report.status !== 'ok') res.status(503);
    return report;
  }

  /** Operators only: re-roll a store's history (events loaded behind the ingest API's back, or a rules change). */
  @Post('rollups/rebuild')
  @HttpCode(202)
  @UseGuards(AdminTokenGuard)
  rebuild(@Body(new ZodValidationPipe(rebuildBody)) b: RebuildBody) {
    return this.rollups.rebuild(b.store_id, b.start_date, b.end_date);
  }
}

function send(res: Response, answer: ReportAnswer): Record<string, unknown> {
  res.status(answer.status);
  return answer.body;
}
