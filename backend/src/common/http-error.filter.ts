import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** Fastify's refusals of a body, as the answers we give (field named, like every other 4xx). */
const TRANSPORT_ERRORS: Record<string, { statusCode: number; error: string; message: string; field: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, error: 'Payload Too Large', message: 'body: larger than the 1 MB limit; send smaller batches', field: 'body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { statusCode: 400, error: 'Bad Request', message: 'body: malformed JSON', field: 'body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { statusCode: 400, error: 'Bad Request', message: 'body: empty; send a JSON object', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    statusCode: 415,
    error: 'Unsupported Media Type',
    message: 'content-type: must be application/json',
    field: 'content-type',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { statusCode: 400, error: 'Bad Request', message: 'content-length: does not match the body', field: 'content-length' },
};

/**
 * A PostgreSQL data exception (SQLSTATE class 22: NUL or invalid text 22021/22P05, datetime overflow 22008,
 * bad input syntax 22007/22P02, …) raised by a value the caller sent. The pg driver's error, bare or wrapped
 * in TypeORM's QueryFailedError (which copies code and severity onto itself and keeps it as driverError).
 */
function postgresDataException(exception: unknown): string | null {
  for (const e of [exception, (exception as { driverError?: unknown } | null)?.driverError]) {
    const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown };
    if (typeof code === 'string' && typeof severity === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return code;
  }
  return null;
}

/**
 * Every error leaves as JSON `{statusCode, error, message, field?}`. Body failures (malformed JSON, oversize
 * body) become 400/413 instead of Nest's generic handling; anything unexpected is logged and
 * answered with a 500 that leaks no internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.toResponse(exception, host.switchToHttp().getRequest<{ method?: string } | undefined>()?.method);
    // The last line of defence held: a value got past the schemas to PostgreSQL. A 400 for the caller, a gap for us.
    if (status === 400 && postgresDataException(exception))
      this.logger.warn(
        `request ${String(res.getHeader('x-request-id') ?? '-')}: a value reached PostgreSQL and was refused there (the schemas should have caught it): ${exception instanceof Error ? exception.stack : String(exception)}`,
      );
    // The request id ties this stack to the request's own log line (and to what the caller saw in x-request-id).
    if (status >= 500)
      this.logger.error(`request ${String(res.getHeader('x-request-id') ?? '-')}: ${exception instanceof Error ? exception.stack : String(exception)}`);
    res.status(status).send(body);
  }

  private toResponse(exception: unknown, method?: string): { status: number; body: Record<string, unknown> } {
    // Fastify refuses some bodies before any route runs; the adapter hands them over as an HttpException whose
    // cause carries Fastify's code. Answer them in our own words, naming the field like every other 4xx.
    const code = ((exception instanceof HttpException ? exception.cause : exception) as { code?: string } | null)?.code;
    const transport = code ? TRANSPORT_ERRORS[code] : undefined;
    if (transport) return { status: transport.statusCode, body: { ...transport } };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      const body = typeof r === 'string' ? { statusCode: status, message: r } : { statusCode: status, ...(r as object) };
      if (Array.isArray(body.message)) body.message = body.message.join('; ');
      return { status, body };
    }
    const sqlstate = postgresDataException(exception);
    if (sqlstate) {
      const field = method === 'GET' || method === 'HEAD' ? 'query' : 'body';
      return {
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: `${field}: contains a value the database cannot store (SQLSTATE ${sqlstate})`, field },
      };
    }
    return { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'unexpected server error; see the server log' } };
  }
}
