import { Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { StoreDirectory, type StoreView } from '../admin/store-directory.service.ts';
import { HourlySpikeCheck } from '../analytics/hourly-spike-check.service.ts';
import { standDownReason } from './alert-evaluation.ts';
import { AlertRules } from './alert-rules.service.ts';
import { SUMMARY } from './alert-summaries.ts';
import { AlertsService } from './alerts.service.ts';

/**
 * traffic_spike: each complete hour the hourly analysis closes is judged; a spike hour fires once (subject: its
 * local hour), and the previous spike hours' episodes resolve as the next hour is judged (the minute job resolves
 * one an hour after its hour ended if no later hour is judged).
 */
@Injectable()
export class SpikeAlerts implements OnModuleInit {
  constructor(
    private readonly hourly: HourlySpikeCheck,
    private readonly rules: AlertRules,
    private readonly alerts: AlertsService,
    private readonly directory: StoreDirectory,
  ) {}

  onModuleInit(): void {
    this.hourly.events.on('hour.closed', ({ store, hourStartMs }) => this.judge(store, hourStartMs));
  }

  async judge(store: StoreView, hourStartMs: number, nowMs = Date.now()): Promise<void> {
    if (!(await this.rules.of(store.store_id, nowMs)).traffic_spike.enabled) return;
    // The hourly sweep still rolls a disabled store up: its hours are judged only while it accepts data.
    const org = await this.directory.getOrg(store.org_id).catch((e: unknown) => {
      if (e instanceof NotFoundException) return null;
      throw e;
    });
    if (standDownReason(org?.status, store.status)) return;
    const verdict = await this.hourly.assess(store, hourStartMs);
    if (!verdict) return;
    const { hour, spike } = verdict;
    const base = { org_id: store.org_id, store_id: store.store_id, type: 'traffic_spike' as const, at: new Date(nowMs) };
    for (const a of (await this.alerts.firingInStore(store.store_id, nowMs)).values()) {
      if (a.type === 'traffic_spike' && Number(a.evidence.hour_start_ms) < hourStartMs)
        await this.alerts.resolve({ ...base, subject: a.subject, evidence: { next_hour: hour.local, count: hour.count, spike: hour.spike } });
    }
    if (spike)
      await this.alerts.fire({
        ...base,
        subject: spike.local,
        once: true,
        summary: SUMMARY.spike(spike.local, spike.count, spike.expected),
        evidence: {
          hour: spike.local,
          hour_start_ms: hourStartMs,
          count: spike.count,
          expected: spike.expected,
          threshold: spike.threshold,
          score: spike.score,
          p_value: spike.p_value,
          baseline: spike.baseline,
        },
      });
  }
}
