import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER, type WebhookPayload } from '../../shared/src/alerts.ts';

/** One request the receiver got, and what it answered. */
export interface ReceivedWebhook {
  deliveryId: string;
  signature: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  payload: WebhookPayload;
  answered: number;
  at: number;
}

/**
 * A real HTTP webhook receiver on 127.0.0.1 (node:http), as a customer would run one. `answer` sets the status it
 * replies with from now on; `down()` closes the port (connections refused) and `up()` opens the same port again.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private status = 200;
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/wink`;
  }

  static async start(): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    await r.up();
    return r;
  }

  answer(status: number): void {
    this.status = status;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const answered = this.status;
        this.received.push({
          deliveryId: String(req.headers[WEBHOOK_DELIVERY_HEADER] ?? ''),
          signature: String(req.headers[WEBHOOK_SIGNATURE_HEADER] ?? ''),
          headers: req.headers,
          rawBody,
          payload: JSON.parse(rawBody) as WebhookPayload,
          answered,
          at: Date.now(),
        });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'try later');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port: attempts now fail with ECONNREFUSED. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Requests answered 2xx, per delivery id. */
  okCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.received) if (r.answered < 300) counts.set(r.deliveryId, (counts.get(r.deliveryId) ?? 0) + 1);
    return counts;
  }

  of(type: WebhookPayload['type']): ReceivedWebhook[] {
    return this.received.filter((r) => r.payload.type === type);
  }
}
