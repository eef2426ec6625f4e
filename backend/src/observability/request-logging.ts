import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.ts';

/**
 * Paths pino must never print. Keys travel only in the Authorization header (never in URLs or in logged
 * bodies — pino-http does not log bodies), so redacting headers keeps every secret out of the logs.
 */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** JSON logs with a request id per request: the caller's `x-request-id` when sane, a new UUID otherwise. */
export function requestLoggingParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      // Every open dashboard polls /live every few seconds: successful polls are debug-level noise.
      return req.method === 'GET' && req.url?.startsWith('/api/dashboard/live') ? 'debug' : 'info';
    },
    // Health probes and scrapes every few seconds would drown the log.
    autoLogging: { ignore: (req) => req.url === '/api/ingest/health' || req.url === '/metrics' },
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
        id: req.id, method: req.method, url: req.url, headers: { 'user-agent': req.headers['user-agent'], authorization: req.headers.authorization },
      }),
    },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}
