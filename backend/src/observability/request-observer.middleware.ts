import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger as Pino, Level } from 'pino';
import { WinkMetrics } from './wink-metrics.service.ts';

export const APP_LOG = Symbol('APP_LOG');

const INGEST_EVENTS_ROUTE = '/api/ingest/events';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Which level a finished request is logged at; `null` = not at all. */
export function requestLogLevel(method: string, path: string, status: number): Level | null {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  // Health probes and scrapes every few seconds would drown the log.
  if (path === '/api/ingest/health' || path === '/metrics') return null;
  // Every open dashboard polls /live every few seconds: successful polls are debug-level noise.
  return method === 'GET' && path === '/api/dashboard/live' ? 'debug' : 'info';
}

/**
 * One 'finish' hook per request for both its metrics and its log line, with a request id (the caller's
 * `x-request-id` when sane, else a new UUID) echoed in the response.
 *
 * Written here instead of nestjs-pino/pino-http: those build a child logger (serialising and redacting the
 * request) and an AsyncLocalStorage context for every request, whether or not a line is written — about a
 * fifth of the CPU of a /api/dashboard/live request (bench:live profile). Here the line is built only when
 * its level is enabled. Keys travel only in the Authorization header, which is never logged.
 */
@Injectable()
export class RequestObserver implements NestMiddleware {
  constructor(private readonly metrics: WinkMetrics, @Inject(APP_LOG) private readonly log: Pino) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    res.once('finish', () => {
      const ms = performance.now() - started;
      // Route pattern, not the raw URL, which would explode label cardinality.
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      const status = res.statusCode;
      this.metrics.httpRequests.inc({ method: req.method, route, status: String(status) });
      this.metrics.httpDuration.observe({ method: req.method, route }, ms / 1000);
      const path = req.originalUrl.split('?')[0];
      if (path === INGEST_EVENTS_ROUTE && status >= 400) this.metrics.ingestRejectedBatches.inc({ status: String(status) });
      const level = requestLogLevel(req.method, path, status);
      if (level && this.log.isLevelEnabled(level)) {
        const headers: Record<string, string> = {};
        if (req.headers['user-agent']) headers['user-agent'] = req.headers['user-agent'];
        if (req.headers.authorization) headers.authorization = '[redacted]';
        this.log[level]({ req: { id, method: req.method, url: req.originalUrl, headers }, res: { statusCode: status }, responseTime: Math.round(ms) }, 'request completed');
      }
    });
    next();
  }
}
