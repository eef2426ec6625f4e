// A stand-in for the backend's ingest endpoints in unit tests: a real HTTP server on loopback whose
// answers a test switches (accept, drop the connection, hang, or any status). Not used by the product.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
/** A fixed behaviour, or a function of the batch's events (to refuse one bad event among good ones). */
export type BackendMode = 'accept' | 'drop' | 'hang' | Answer | ((events: Array<Record<string, unknown>>) => 'accept' | Answer);

/** Stands in for the backend's ingest endpoint: a real HTTP server on loopback. */
export class FakeIngestBackend {
  mode: BackendMode = 'accept';
  /** What GET /api/ingest/health says. */
  healthy = true;
  /** Event ids the backend accepted, in arrival order (duplicates kept, to catch double sends). */
  readonly accepted: string[] = [];
  /** Accepted events by camera, in arrival order. */
  readonly eventsByCamera = new Map<string, Array<Record<string, unknown>>>();
  readonly heartbeats: Array<Record<string, unknown>> = [];
  /** Per accepted heartbeat: whether it asked not to be stored (?dry_run=true). */
  readonly heartbeatDryRuns: boolean[] = [];
  /** dryRun: the request asked the backend to check and not store (?dry_run=true). */
  readonly requests: Array<{ authorization?: string; body: Record<string, unknown>; dryRun: boolean }> = [];
  /** Every request as it came (path and raw body bytes), to check what the edge sends out. */
  readonly raw: Array<{ path: string; body: Buffer }> = [];
  private readonly hanging: ServerResponse[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const dryRun = url.searchParams.get('dry_run') === 'true';
    if (req.method === 'GET' && url.pathname === '/api/ingest/health') {
      res.writeHead(this.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: this.healthy ? 'ok' : 'degraded' }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.raw.push({ path: url.pathname, body: Buffer.concat(chunks) });
    const text = Buffer.concat(chunks).toString('utf8');
    const body = JSON.parse(text) as { camera_id: string; events: Array<{ event_id: string }> };
    const mode = typeof this.mode === 'function' ? this.mode(body.events) : this.mode;
    if (url.pathname === '/api/ingest/heartbeat') {
      if (mode === 'accept') {
        this.heartbeats.push(body);
        this.heartbeatDryRuns.push(dryRun);
      }
      res.writeHead(mode === 'accept' ? 200 : 503).end('{}');
      return;
    }
    this.requests.push({ authorization: req.headers.authorization, body, dryRun });
    if (mode === 'drop') return void req.socket.destroy();
    if (mode === 'hang') return void this.hanging.push(res);
    if (mode === 'accept') {
      this.accepted.push(...body.events.map((e) => e.event_id));
      const list = this.eventsByCamera.get(body.camera_id) ?? [];
      list.push(...body.events);
      this.eventsByCamera.set(body.camera_id, list);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.events.length }));
      return;
    }
    res.writeHead(mode.status, { 'content-type': 'application/json', ...mode.headers }).end(JSON.stringify(mode.body ?? {}));
  }
}
