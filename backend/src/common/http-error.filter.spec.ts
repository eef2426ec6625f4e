import { type ArgumentsHost, HttpException } from '@nestjs/common';
import { HttpErrorFilter } from './http-error.filter.ts';

/** What the filter sends, for an exception as Nest's Fastify adapter hands it over. */
function answer(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const reply = {
    getHeader: () => 'req-1',
    status(code: number) { sent.status = code; return this; },
    send(body: Record<string, unknown>) { sent.body = body; return this; },
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  new HttpErrorFilter().catch(exception, host);
  return sent;
}

/** Fastify's refusal of a body, wrapped the way the adapter wraps it (status < 500, cause carries the code). */
const fastifyRefusal = (code: string, status: number) => new HttpException('fastify says no', status, { cause: Object.assign(new Error('fastify says no'), { code, statusCode: status }) });

describe('HttpErrorFilter: bodies Fastify refuses before any route runs', () => {
  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'body', 'body: larger than the 1 MB limit; send smaller batches'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'body', 'body: malformed JSON'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'body', 'body: empty; send a JSON object'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'content-type', 'content-type: must be application/json'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 400, 'content-length', 'content-length: does not match the body'],
  ])('%s → %d naming %s', (code, fastifyStatus, status, field, message) => {
    const r = answer(fastifyRefusal(code as string, fastifyStatus as number));
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ statusCode: status, error: expect.any(String), field, message });
  });

  it('leaves other errors to their own status, and hides an unexpected one behind a 500', () => {
    expect(answer(fastifyRefusal('FST_ERR_SOMETHING_ELSE', 400))).toMatchObject({ status: 400, body: { statusCode: 400, message: 'fastify says no' } });
    expect(answer(new Error('database exploded'))).toEqual({
      status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'unexpected server error; see the server log' },
    });
  });
});
