import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as Pino, Level } from 'pino';
import { redactQuery } from '../common/api-hardening.ts';
import { WinkMetrics } from './wink-metrics.service.ts';

export const APP_LOG = Symbol('APP_LOG');

const INGEST_EVENTS_ROUTE = '/api/ingest/events';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const STARTED = Symbol('wink.requestStarted');

/** Fastify's `genReqId`: the caller's `x-request-id` when it is sane, else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

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
 * Metrics and one log line per request, and its request id ({@link requestId}) echoed in the response.
 *
 * Written here instead of nestjs-pino/pino-http: those build a child logger (serialising and redacting the
 * request) and an AsyncLocalStorage context for every request, whether or not a line is written — about a
 * fifth of the CPU of a /api/dashboard/live request (bench:live profile). Here the line is built only when
 * its level is enabled. Keys travel only in the Authorization header, which is never logged; a key put in the
 * query string is refused (api-hardening) and its value never logged either: the line has the parameter names only.
 */
@Injectable()
export class RequestObserver {
  constructor(
    private readonly metrics: WinkMetrics,
    @Inject(APP_LOG) private readonly log: Pino,
  ) {}

  /** Hooks into every route of the server, including ones registered later. */
  attach(server: FastifyInstance): void {
    server.addHook('onRequest', (req, reply, done) => {
      (req as FastifyRequest & { [STARTED]: number })[STARTED] = performance.now();
      reply.header('x-request-id', req.id);
      done();
    });
    server.addHook('onResponse', (req, reply, done) => {
      this.finished(req as FastifyRequest & { [STARTED]: number }, reply);
      done();
    });
  }

  private finished(req: FastifyRequest & { [STARTED]: number }, reply: FastifyReply): void {
    const ms = performance.now() - req[STARTED];
    // Route pattern, not the raw URL, which would explode label cardinality.
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    this.metrics.httpRequests.inc({ method: req.method, route, status: String(status) });
    this.metrics.httpDuration.observe({ method: req.method, route }, ms / 1000);
    const path = req.url.split('?')[0];
    if (path === INGEST_EVENTS_ROUTE && status >= 400) this.metrics.ingestRejectedBatches.inc({ status: String(status) });
    const level = requestLogLevel(req.method, path, status);
    if (level && this.log.isLevelEnabled(level)) {
      const headers: Record<string, string> = {};
      if (req.headers['user-agent']) headers['user-agent'] = req.headers['user-agent'];
      if (req.headers.authorization) headers.authorization = '[redacted]';
      this.log[level](
        { req: { id: req.id, method: req.method, url: redactQuery(req.url), headers }, res: { statusCode: status }, responseTime: Math.round(ms) },
        'request completed',
      );
    }
  }
}
