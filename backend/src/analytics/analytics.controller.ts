import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply as Response } from 'fastify';
import { AdminTokenGuard } from '../admin/admin-token.guard.ts';
import { ReadAccessGuard, Reader, type ReadAccess } from '../admin/read-access.guard.ts';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodParams, ApiZodQuery, ReaderAuth } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { AnalyticsHealth } from './analytics-health.service.ts';
import { AnalyticsReports, type ReportAnswer } from './analytics-reports.service.ts';
import {
  comparisonQuery,
  promoQuery,
  rebuildBody,
  reportIdParams,
  spikesQuery,
  type ComparisonQuery,
  type PromoQuery,
  type RebuildBody,
  type SpikesQuery,
} from './analytics.dto.ts';
import { RollupTrigger } from './rollup-trigger.service.ts';

@Controller('api/analytics')
export class AnalyticsController {
  constructor(
    private readonly reports: AnalyticsReports,
    private readonly health: AnalyticsHealth,
    private readonly rollups: RollupTrigger,
  ) {}

  @Get('spikes')
  @UseGuards(ReadAccessGuard)
  @ReaderAuth()
  @ApiZodQuery(spikesQuery)
  @ApiRoute(
    'Traffic spike report: hourly footfall with unusual hours flagged',
    { 200: 'the report', 202: '`{report_id, status, poll}`: not ready yet; poll GET /api/analytics/reports/{id}', 500: 'the report failed all its attempts' },
    400,
    404,
  )
  async spikes(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(spikesQuery, 'query')) q: SpikesQuery, @Res({ passthrough: true }) res: Response) {
    return send(res, await this.reports.spikes(reader, q));
  }

  @Get('promo')
  @UseGuards(ReadAccessGuard)
  @ReaderAuth()
  @ApiZodQuery(promoQuery)
  @ApiRoute(
    'Promotion lift report: a promotion period against a baseline',
    { 200: 'the report', 202: '`{report_id, status, poll}`: not ready yet; poll GET /api/analytics/reports/{id}', 500: 'the report failed all its attempts' },
    400,
    404,
  )
  async promo(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(promoQuery, 'query')) q: PromoQuery, @Res({ passthrough: true }) res: Response) {
    return send(res, await this.reports.promo(reader, q));
  }

  @Get('comparison')
  @UseGuards(ReadAccessGuard)
  @ReaderAuth()
  @ApiZodQuery(comparisonQuery)
  @ApiRoute(
    "Multi-store comparison: the organisation's stores ranked on footfall, conversion and sales per visitor over a period, each against its own baseline",
    {
      200: 'the report: `result.stores[]` `{store_id, name, timezone, currency, days_with_data, left_out_hours, measures: {footfall, conversion_rate, sales_per_visitor}}`, each measure `{period, baseline, change_pct, rank}` (rank 1 = highest; null without a value, e.g. no POS), stores ordered by footfall rank',
      202: '`{report_id, status, poll}`: not ready yet; poll GET /api/analytics/reports/{id}',
      500: 'the report failed all its attempts',
    },
    400,
    404,
  )
  async comparison(
    @Reader() reader: ReadAccess,
    @Query(new ZodValidationPipe(comparisonQuery, 'query')) q: ComparisonQuery,
    @Res({ passthrough: true }) res: Response,
  ) {
    return send(res, await this.reports.comparison(reader, q));
  }

  @Get('reports/:id')
  @UseGuards(ReadAccessGuard)
  @ReaderAuth()
  @ApiZodParams(reportIdParams)
  @ApiRoute('A report by id', { 200: 'the report', 202: 'pending or running', 500: 'the report failed all its attempts' }, 400, 404)
  async report(
    @Reader() reader: ReadAccess,
    @Param(new ZodValidationPipe(reportIdParams, 'query')) p: { id: string },
    @Res({ passthrough: true }) res: Response,
  ) {
    return send(res, await this.reports.get(reader, p.id));
  }

  /** Operators only: the queues are shared by every organisation. */
  @Get('health')
  @UseGuards(AdminTokenGuard)
  @AdminAuth()
  @ApiRoute('Analytics queues and workers', {
    200: '`{status: "ok", workers_alive, queue_depth, failed_jobs, schedulers: {present, expected}, dirty_hours: {hours, stale, oldest_seconds}, queues}`',
    503: { description: 'a queue has no live worker, a job scheduler is missing, or Redis does not answer: the same body, status not "ok"' },
  })
  async healthCheck(@Res({ passthrough: true }) res: Response) {
    const report = await this.health.check();
    if (report.status !== 'ok') res.status(503);
    return report;
  }

  /** Operators only: re-roll a store's history (events loaded behind the ingest API's back, or a rules change). */
  @Post('rollups/rebuild')
  @HttpCode(202)
  @UseGuards(AdminTokenGuard)
  @AdminAuth()
  @ApiZodBody(rebuildBody)
  @ApiRoute("Re-roll a store's history", { 202: '`{store_id, from, to, jobs}`: rollup jobs enqueued' }, 400, 404, 413)
  rebuild(@Body(new ZodValidationPipe(rebuildBody)) b: RebuildBody) {
    return this.rollups.rebuild(b.store_id, b.start_date, b.end_date);
  }
}

function send(res: Response, answer: ReportAnswer): Record<string, unknown> {
  res.status(answer.status);
  return answer.body;
}
