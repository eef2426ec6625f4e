import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

const TRANSPORT_ERRORS: Record<string, { status: number; error: string; field: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'Payload Too Large', field: 'body', message: 'body: larger than the 1 MB limit; send smaller batches' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'Bad Request', field: 'body', message: 'body: malformed JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'Bad Request', field: 'body', message: 'body: empty; send a JSON object' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: 'Unsupported Media Type', field: 'content-type', message: 'content-type: must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'Bad Request', field: 'content-length', message: 'content-length: does not match the body' },
};

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
    const { status, body } = this.toResponse(exception);
    // The request id ties this stack to the request's own log line (and to what the caller saw in x-request-id).
    if (status >= 500) this.logger.error(`request ${String(res.getHeader('x-request-id') ?? '-')}: ${exception instanceof Error ? exception.stack : String(exception)}`);
    res.status(status).send(body);
  }

  private toResponse(exception: unknown): { status: number; body: Record<string, unknown> } {
    // Fastify refuses some bodies before any route runs; the adapter hands them over as an HttpException whose
    // cause carries Fastify's code. Answer them in our own words, naming the field like every other 4xx.
    const code = ((exception instanceof HttpException ? exception.cause : exception) as { code?: string } | null)?.code;
    const transport = code ? TRANSPORT_ERRORS[code] : undefined;
    if (transport) return { status: transport.status, body: { statusCode: transport.status, error: transport.error, message: transport.message, field: transport.field } };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      const body = typeof r === 'string' ? { statusCode: status, message: r } : { statusCode: status, ...(r as object) };
      if (Array.isArray(body.message)) body.message = body.message.join('; ');
      return { status, body };
    }
    return { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'unexpected server error; see the server log' } };
  }
}
