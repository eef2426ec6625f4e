import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WinkMetrics } from './wink-metrics.service.ts';

const INGEST_EVENTS_ROUTE = '/api/ingest/events';

/** Counts and times every request by its route pattern (not the raw URL, which would explode label cardinality). */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: WinkMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - stop) / 1e9;
      this.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.metrics.httpDuration.observe({ method: req.method, route }, seconds);
      if (req.originalUrl.split('?')[0] === INGEST_EVENTS_ROUTE && res.statusCode >= 400) {
        this.metrics.ingestRejectedBatches.inc({ status: String(res.statusCode) });
      }
    });
    next();
  }
}
