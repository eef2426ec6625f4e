import { requestLogLevel } from './request-observer.ts';

describe('requestLogLevel', () => {
  it.each([
    ['POST', '/api/ingest/events', 200, 'info'],
    ['POST', '/api/ingest/events', 400, 'warn'],
    ['GET', '/api/dashboard/live', 200, 'debug'],
    ['GET', '/api/dashboard/live', 404, 'warn'],
    ['GET', '/api/dashboard/live', 500, 'error'],
    ['GET', '/api/ingest/health', 200, null],
    ['GET', '/api/ingest/health', 503, 'error'],
    ['GET', '/metrics', 200, null],
  ])('%s %s %d → %s', (method, path, status, level) => {
    expect(requestLogLevel(method as string, path as string, status as number)).toBe(level);
  });
});
