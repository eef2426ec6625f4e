import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Every error leaves as JSON `{statusCode, error, message, field?}`. Body-parser failures (malformed JSON,
 * oversize body) become 400/413 instead of Nest's generic handling; anything unexpected is logged and
 * answered with a 500 that leaks no internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toResponse(exception);
    // The request id ties this stack to the request's own log line (and to what the caller saw in x-request-id).
    if (status >= 500) this.logger.error(`request ${String(res.getHeader('x-request-id') ?? '-')}: ${exception instanceof Error ? exception.stack : String(exception)}`);
    res.status(status).json(body);
  }

  private toResponse(exception: unknown): { status: number; body: Record<string, unknown> } {
    // The express adapter wraps body-parser failures in an HttpException; answer them in our own words.
    const bodyParserType = ((exception instanceof HttpException ? exception.cause : exception) as { type?: string } | null)?.type;
    if (bodyParserType === 'entity.too.large') {
      return { status: 413, body: { statusCode: 413, error: 'Payload Too Large', message: 'body: larger than the 1 MB limit; send smaller batches', field: 'body' } };
    }
    if (bodyParserType === 'entity.parse.failed') {
      return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'body: malformed JSON', field: 'body' } };
    }
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
