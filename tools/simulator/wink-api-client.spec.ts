import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_RETRY, WinkApiClient, WinkApiError, describeErrorBody, isRetryableStatus, retryDelayMs } from './wink-api-client.ts';

describe('retry policy', () => {
  it('retries rate limiting, server errors and lost connections only', () => {
    expect([429, 500, 502, 503, 0].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413].some(isRetryableStatus)).toBe(false);
  });

  it('backs off exponentially up to a cap, with jitter', () => {
    const policy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((r) => retryDelayMs(r, policy, null, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retryDelayMs(3, policy, null, () => 0)).toBe(50);
  });

  it('honours Retry-After in seconds, within the cap', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY, '2')).toBe(2000);
    expect(retryDelayMs(1, DEFAULT_RETRY, '3600')).toBe(DEFAULT_RETRY.maxDelayMs);
  });

  it("reads the API's error message, or the start of a non-JSON body", () => {
    expect(describeErrorBody('{"statusCode":400,"message":"events[2].ts: is more than 5 minutes in the future"}', 'Bad Request')).toBe(
      'events[2].ts: is more than 5 minutes in the future',
    );
    expect(describeErrorBody('<html>\n<body>Not here</body></html>', 'Not Found')).toBe('Not Found <html> <body>Not here</body></html>');
    expect(describeErrorBody('', 'Bad Gateway')).toBe('Bad Gateway');
  });
});

describe('WinkApiClient against a real HTTP server', () => {
  let server: Server;
  let baseUrl: string;
  let replies: { status: number; body: string; headers?: Record<string, string> }[];
  let seen: { method: string; url: string; auth: string | undefined }[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
        const r = replies.shift() ?? { status: 200, body: '{}' };
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    replies = [];
    seen = [];
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const client = () => new WinkApiClient(baseUrl + '/', 'admin-token-0123456789', { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
  const batch = { org_id: 'o', store_id: 's', camera_id: 'c', device_ts: '2024-03-04T10:00:00Z', events: [] };

  it('retries 429 and 503, then returns the result', async () => {
    replies = [
      { status: 429, body: '{"message":"slow down"}', headers: { 'retry-after': '0' } },
      { status: 503, body: '{"message":"database down"}' },
      { status: 200, body: '{"status":"ok","received":0,"accepted":0,"duplicates":0}' },
    ];
    await expect(client().ingestEvents('wink_edge_x', batch)).resolves.toEqual({ status: 'ok', received: 0, accepted: 0, duplicates: 0 });
    expect(seen.map((s) => s.auth)).toEqual(['Bearer wink_edge_x', 'Bearer wink_edge_x', 'Bearer wink_edge_x']);
  });

  it('gives up after the last attempt, with status and message', async () => {
    replies = [500, 500, 500].map((status) => ({ status, body: '{"message":"boom"}' }));
    await expect(client().ingestEvents('wink_edge_x', batch)).rejects.toThrow('POST /api/ingest/events → 500: boom (after 3 attempts)');
  });

  it('stops at once on a refusal such as 403', async () => {
    replies = [{ status: 403, body: '{"statusCode":403,"message":"org_id: this edge key is not allowed to write for o"}' }];
    const error = await client()
      .ingestEvents('wink_edge_x', batch)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WinkApiError);
    expect((error as WinkApiError).status).toBe(403);
    expect((error as WinkApiError).message).toBe('POST /api/ingest/events → 403: org_id: this edge key is not allowed to write for o');
    expect(seen).toHaveLength(1);
  });

  it('points at --admin-token when the admin API refuses the token', async () => {
    replies = [{ status: 401, body: '{"message":"authorization: invalid admin token"}' }];
    await expect(client().admin('GET', '/api/admin/orgs')).rejects.toThrow(
      'GET /api/admin/orgs → 401: authorization: invalid admin token (check --admin-token or ADMIN_TOKEN)',
    );
  });

  it('says plainly when nothing answers at --api', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(new WinkApiClient(`http://127.0.0.1:${port}`, 't').health()).rejects.toThrow(
      `cannot reach the WINK API at http://127.0.0.1:${port} (ECONNREFUSED); is it running? (--api)`,
    );
  });
});
