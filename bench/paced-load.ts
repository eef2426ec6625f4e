// Open-loop load at a fixed request rate, for latency-at-rate measurements.
//
// Written here because autocannon's rate mode does not pace: each connection sends its per-second quota
// back to back when its one-second tick fires and then sits idle, so "1,000 req/s" arrives as a burst at
// the server's maximum rate every second, and the coordinated-omission correction it applies assumes a
// 1 ms interval per connection. wrk2 (the usual paced tool) is not packaged for Debian.
//
// Here request i is due at start + i/rate. Its latency runs from when it was DUE, not from when a socket
// became free, so a server that falls behind is charged for the queue it causes (no coordinated omission).
import http from 'node:http';

const REQUEST_TIMEOUT_MS = 30_000;

export interface PacedLoadSpec {
  baseUrl: string;
  /** Path for request number i (lets a run round-robin over stores). */
  path: (i: number) => string;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  /** Keep-alive sockets; requests queue for a free one, and that wait counts as latency. */
  connections?: number;
}

export interface PacedLoadResult {
  sent: number;
  completed: number;
  non2xx: number;
  errors: number;
  /** Completed requests per second over the run. */
  achievedRate: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** How late requests left this generator (its own event loop's delay); large values mean the load generator, not the server, was starved. */
  sendLagMs: { p99: number; max: number };
  /** From the moment each request actually left to its response (what a closed-loop tool would report). */
  serviceMs: { p50: number; p99: number };
}

/** The value below which a share `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export async function pacedLoad(spec: PacedLoadSpec): Promise<PacedLoadResult> {
  const url = new URL(spec.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections ?? 64 });
  const total = Math.round(spec.rate * spec.seconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  const services: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (i: number, dueAt: number) => {
    const sentAt = performance.now();
    lags.push(sentAt - dueAt);
    const done = new Promise<void>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: spec.path(i), headers: spec.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          const now = performance.now();
          latencies.push(now - dueAt);
          services.push(now - sentAt);
          if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out'))); // one hung request must not stall the run
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const start = performance.now();
  // A tick sends every request that is due by now. Timers fire at ~1 ms granularity; a request sent late by
  // the timer is still timed from its due time, so that lateness counts against the server, never for it.
  // (A setImmediate loop would be more precise but spins a whole core, which this 2-core machine cannot spare.)
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * spec.rate) / 1000) + 1);
      for (; sent < due; sent++) send(sent, start + (sent * 1000) / spec.rate);
      if (sent >= total) return resolve();
      const nextDue = start + (sent * 1000) / spec.rate;
      setTimeout(tick, Math.max(0, nextDue - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  for (const a of [latencies, lags, services]) a.sort((x, y) => x - y);
  return {
    sent,
    completed: latencies.length,
    non2xx,
    errors,
    achievedRate: latencies.length / elapsed,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      p999: percentile(latencies, 0.999),
      max: latencies[latencies.length - 1] ?? NaN,
    },
    sendLagMs: { p99: percentile(lags, 0.99), max: lags[lags.length - 1] ?? NaN },
    serviceMs: { p50: percentile(services, 0.5), p99: percentile(services, 0.99) },
  };
}
