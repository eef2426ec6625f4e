import { type ArgumentsHost, HttpException } from '@nestjs/common';
import { HttpErrorFilter } from './http-error.filter.ts';

/** What the filter sends, for an exception as Nest's Fastify adapter hands it over. */
function answer(exception: unknown, method = 'POST'): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const reply = {
    getHeader: () => 'req-1',
    status(code: number) {
      sent.status = code;
      return this;
    },
    send(body: Record<string, unknown>) {
      sent.body = body;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ method }) }) } as unknown as ArgumentsHost;
  new HttpErrorFilter().catch(exception, host);
  return sent;
}

/** Fastify's refusal of a body, wrapped the way the adapter wraps it (status < 500, cause carries the code). */
const fastifyRefusal = (code: string, status: number) =>
  new HttpException('fastify says no', status, { cause: Object.assign(new Error('fastify says no'), { code, statusCode: status }) });

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
      status: 500,
      body: { statusCode: 500, error: 'Internal Server Error', message: 'unexpected server error; see the server log' },
    });
  });
});

describe("HttpErrorFilter: PostgreSQL data exceptions (class 22) are the caller's value, never a 500", () => {
  /** What pg raises (DatabaseError: code and severity), and TypeORM's wrapper of it (copies both, keeps driverError). */
  const pgError = (code: string) => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code, severity: 'ERROR' });
  const typeormWrapped = (code: string) => Object.assign(new Error('QueryFailedError'), { ...pgError(code), driverError: pgError(code) });

  it.each(['22P05', '22021', '22008', '22007', '22P02', '22003'])('%s → 400 naming the body (the query for a GET)', (code) => {
    for (const e of [pgError(code), typeormWrapped(code)]) {
      expect(answer(e)).toEqual({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', field: 'body', message: `body: contains a value the database cannot store (SQLSTATE ${code})` },
      });
    }
    expect(answer(pgError(code), 'GET').body).toMatchObject({
      field: 'query',
      message: `query: contains a value the database cannot store (SQLSTATE ${code})`,
    });
  });

  it('other database errors stay a 500 (a unique violation or a lost connection is ours to fix)', () => {
    expect(answer(pgError('23505')).status).toBe(500);
    expect(answer(pgError('57P01')).status).toBe(500);
    expect(answer(Object.assign(new Error('not pg'), { code: '22021' })).status).toBe(500); // no severity: not from PostgreSQL
  });
});
