import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { within } from '../common/within.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { REPORT_QUEUE, ROLLUP_QUEUE } from './analytics.queues.ts';

const PROBE_TIMEOUT_MS = 1500;

/** depth = jobs waiting, delayed or running, not counting the schedulers' own next runs (always one delayed job each). */
export interface QueueHealth { depth: number; waiting: number; delayed: number; active: number; failed: number; completed: number; schedulers: number; workers: number }
export interface AnalyticsHealthReport {
  status: 'ok' | 'degraded';
  workers_alive: number;
  queue_depth: number;
  failed_jobs: number;
  queues: Record<string, QueueHealth | { error: string }>;
  timestamp: string;
}

/** Queue depth, failed jobs and live workers (workers register their Redis connection by name, wherever they run). */
@Injectable()
export class AnalyticsHealth {
  constructor(@InjectQueue(ROLLUP_QUEUE) private readonly rollup: Queue, @InjectQueue(REPORT_QUEUE) private readonly report: Queue, metrics: WinkMetrics) {
    // Sampled at scrape time from the same check as /api/analytics/health, so the two never disagree.
    const health = this;
    new Gauge({
      name: 'wink_queue_depth', help: 'Analytics jobs waiting, delayed or running, by queue', labelNames: ['queue'] as const, registers: [metrics.registry],
      async collect() {
        const report = await health.check();
        for (const [queue, q] of Object.entries(report.queues)) if ('depth' in q) this.set({ queue }, q.depth);
      },
    });
    new Gauge({
      name: 'wink_queue_failed_jobs', help: 'Analytics jobs that failed for good, by queue', labelNames: ['queue'] as const, registers: [metrics.registry],
      async collect() {
        const report = await health.check();
        for (const [queue, q] of Object.entries(report.queues)) if ('failed' in q) this.set({ queue }, q.failed);
      },
    });
  }

  async check(): Promise<AnalyticsHealthReport> {
    const queues: AnalyticsHealthReport['queues'] = {};
    let depth = 0;
    let failed = 0;
    let minWorkers = Infinity;
    let ok = true;
    for (const q of [this.rollup, this.report]) {
      try {
        const [c, workers, schedulers] = await within(Promise.all([
          q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'),
          q.getWorkersCount(),
          q.getJobSchedulersCount(),
        ]), PROBE_TIMEOUT_MS, 'Redis did not answer');
        const h: QueueHealth = {
          depth: c.waiting + c.prioritized + Math.max(0, c.delayed - schedulers) + c.active,
          waiting: c.waiting + c.prioritized, delayed: c.delayed, active: c.active, failed: c.failed, completed: c.completed, schedulers, workers,
        };
        queues[q.name] = h;
        depth += h.depth;
        failed += h.failed;
        minWorkers = Math.min(minWorkers, workers);
      } catch (e) {
        ok = false;
        queues[q.name] = { error: e instanceof Error ? e.message : String(e) };
      }
    }
    const workersAlive = Number.isFinite(minWorkers) ? minWorkers : 0;
    return {
      // Without a live worker on each queue nothing gets computed: reports would answer 202 forever.
      status: ok && workersAlive > 0 ? 'ok' : 'degraded',
      workers_alive: workersAlive, queue_depth: depth, failed_jobs: failed, queues, timestamp: new Date().toISOString(),
    };
  }
}

