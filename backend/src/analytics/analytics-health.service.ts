import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { within } from '../common/within.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { expectedSchedulers, REPORT_QUEUE, ROLLUP_QUEUE } from './analytics.queues.ts';
import { RollupHealer, type DirtyBacklog } from './rollup-healer.service.ts';

const PROBE_TIMEOUT_MS = 1500;

/** depth = jobs waiting, delayed or running, not counting the schedulers' own next runs (always one delayed job each). */
export interface QueueHealth {
  depth: number;
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
  completed: number;
  /** Job schedulers present on this queue, and how many there should be. */
  schedulers: number;
  schedulers_expected: number;
  workers: number;
}
export interface AnalyticsHealthReport {
  status: 'ok' | 'degraded';
  workers_alive: number;
  queue_depth: number;
  failed_jobs: number;
  /** Over both queues. Fewer present than expected (Redis lost them) makes the status 'degraded' until a worker re-registers them. */
  schedulers: { present: number; expected: number };
  /** Hours whose raw events changed after their rollup; `stale` ones are past their queued job's due time and wait for the healer. */
  dirty_hours: DirtyBacklog | { error: string };
  queues: Record<string, QueueHealth | { error: string }>;
  timestamp: string;
}

/** Queue depth, failed jobs and live workers (workers register their Redis connection by name, wherever they run). */
@Injectable()
export class AnalyticsHealth {
  constructor(
    @InjectQueue(ROLLUP_QUEUE) private readonly rollup: Queue,
    @InjectQueue(REPORT_QUEUE) private readonly report: Queue,
    private readonly healer: RollupHealer,
    metrics: WinkMetrics,
  ) {
    // Sampled at scrape time from the same check as /api/analytics/health, so the two never disagree.
    const health = this;
    new Gauge({
      name: 'wink_queue_depth',
      help: 'Analytics jobs waiting, delayed or running, by queue',
      labelNames: ['queue'] as const,
      registers: [metrics.registry],
      async collect() {
        const report = await health.check();
        for (const [queue, q] of Object.entries(report.queues)) if ('depth' in q) this.set({ queue }, q.depth);
      },
    });
    new Gauge({
      name: 'wink_queue_failed_jobs',
      help: 'Analytics jobs that failed for good, by queue',
      labelNames: ['queue'] as const,
      registers: [metrics.registry],
      async collect() {
        const report = await health.check();
        for (const [queue, q] of Object.entries(report.queues)) if ('failed' in q) this.set({ queue }, q.failed);
      },
    });
    new Gauge({
      name: 'wink_rollup_dirty_hours',
      help: "Store-hours whose raw events changed after their rollup (stale: past their job's due time)",
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      async collect() {
        const b = await within(health.healer.backlog(), PROBE_TIMEOUT_MS, 'PostgreSQL did not answer').catch(() => null);
        if (!b) return;
        this.set({ state: 'pending' }, b.hours - b.stale);
        this.set({ state: 'stale' }, b.stale);
      },
    });
  }

  async check(): Promise<AnalyticsHealthReport> {
    const queues: AnalyticsHealthReport['queues'] = {};
    let depth = 0;
    let failed = 0;
    let minWorkers = Infinity;
    let ok = true;
    let schedulersPresent = 0;
    let schedulersExpected = 0;
    for (const q of [this.rollup, this.report]) {
      try {
        const [c, workers, schedulers] = await within(
          Promise.all([q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'), q.getWorkersCount(), q.getJobSchedulersCount()]),
          PROBE_TIMEOUT_MS,
          'Redis did not answer',
        );
        const h: QueueHealth = {
          depth: c.waiting + c.prioritized + Math.max(0, c.delayed - schedulers) + c.active,
          waiting: c.waiting + c.prioritized,
          delayed: c.delayed,
          active: c.active,
          failed: c.failed,
          completed: c.completed,
          schedulers,
          schedulers_expected: expectedSchedulers(q.name),
          workers,
        };
        schedulersPresent += schedulers;
        queues[q.name] = h;
        depth += h.depth;
        failed += h.failed;
        minWorkers = Math.min(minWorkers, workers);
      } catch (e) {
        ok = false;
        queues[q.name] = { error: e instanceof Error ? e.message : String(e) };
      }
      schedulersExpected += expectedSchedulers(q.name);
    }
    const dirtyHours = await within(this.healer.backlog(), PROBE_TIMEOUT_MS, 'PostgreSQL did not answer').catch((e: unknown) => ({
      error: e instanceof Error ? e.message : String(e),
    }));
    const workersAlive = Number.isFinite(minWorkers) ? minWorkers : 0;
    return {
      // Without a live worker on each queue nothing gets computed: reports would answer 202 forever. Without
      // the schedulers, nothing precomputes the nightly reports (the workers re-register them within a heal interval).
      status: ok && workersAlive > 0 && schedulersPresent >= schedulersExpected ? 'ok' : 'degraded',
      workers_alive: workersAlive,
      queue_depth: depth,
      failed_jobs: failed,
      schedulers: { present: schedulersPresent, expected: schedulersExpected },
      dirty_hours: dirtyHours,
      queues,
      timestamp: new Date().toISOString(),
    };
  }
}
