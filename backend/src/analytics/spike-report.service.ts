import { Injectable } from '@nestjs/common';
import type { LeftOutHours, Spike, SpikeHour, SpikeResult } from '../../../shared/src/read-contract.ts';
import type { EntityManager } from 'typeorm';
import { isIncomplete, MIN_COMPLETENESS } from '../ingest/data-completeness.ts';
import { DataCompleteness } from '../ingest/data-completeness.service.ts';
import { HourlyRollup } from './hourly-rollup.service.ts';
import { detectSpikes, SPIKE_DEFAULTS, type HourCount } from './spike-detector.ts';
import { addDays, localHourStarts, localIso, localParts, startOfLocalDay } from '../common/store-clock.ts';

/** A spike report's parameters, fully resolved (no "yesterday"): equal parameters mean the same report. */
export interface SpikeParams {
  kind: 'spikes';
  store_id: string;
  days: number;
  start_date: string;
  end_date: string;
  /** Exclusive end (UTC ISO): the end of end_date, or the current local hour when end_date is today. */
  to: string;
}

// The report's shape is declared once, in the read contract shared with the web dashboard.
export type { LeftOutHours, Spike, SpikeHour, SpikeResult } from '../../../shared/src/read-contract.ts';

export const SPIKE_METHOD = {
  name: 'robust seasonal baseline',
  rule: 'count ≥ max(⌊median + k·1.4826·MAD⌋ + 1, ⌈expected + min_excess⌉, smallest c with P(X ≥ c) < alpha)',
  baseline:
    'same store-local weekday and hour in the previous baseline_weeks weeks; with fewer than min_baseline_points of them, the same hour on the previous fallback_days days; days without data are left out, and so are hours analysed less than min_completeness of the time (from camera heartbeats)',
  incomplete_hours:
    'an hour whose entrance cameras analysed less than min_completeness of it (stream down, stalled, ended, too few frames, no heartbeats) is neither judged nor used in any baseline; listed in left_out',
  min_completeness: MIN_COMPLETENESS,
  expected: 'max(median, trimmed mean) of the baseline',
  noise_model:
    'Poisson–Gamma predictive (negative binomial) given the baseline; an hour expecting fewer than sparse_below visitors must also be improbable against the same hour of the previous fallback_days days',
  score: '(count − expected) / max(1.4826·MAD, √expected)',
  k: SPIKE_DEFAULTS.k,
  alpha: SPIKE_DEFAULTS.alpha,
  min_excess: SPIKE_DEFAULTS.minExcess,
  baseline_weeks: SPIKE_DEFAULTS.baselineWeeks,
  fallback_days: SPIKE_DEFAULTS.fallbackDays,
  min_baseline_points: SPIKE_DEFAULTS.minBaselinePoints,
  lambda_floor: SPIKE_DEFAULTS.lambdaFloor,
  sparse_below: SPIKE_DEFAULTS.sparseBelow,
};

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Builds the hourly footfall series of a period with its spikes flagged, from the rollups. */
@Injectable()
export class SpikeReport {
  constructor(
    private readonly rollups: HourlyRollup,
    private readonly coverage: DataCompleteness,
  ) {}

  /** What the report reads: the period itself plus the weeks its baselines come from. */
  static dataRange(p: SpikeParams, timezone: string): { from: number; to: number; reportFrom: number } {
    const history = Math.max(SPIKE_DEFAULTS.baselineWeeks * 7, SPIKE_DEFAULTS.fallbackDays);
    return { from: startOfLocalDay(addDays(p.start_date, -history), timezone), to: Date.parse(p.to), reportFrom: startOfLocalDay(p.start_date, timezone) };
  }

  async build(p: SpikeParams, timezone: string, manager?: EntityManager): Promise<SpikeResult> {
    const { from, to, reportFrom } = SpikeReport.dataRange(p, timezone);
    const [counts, observed] = await Promise.all([
      this.rollups.footfallByHour(p.store_id, from, to, manager),
      this.rollups.observedDates(p.store_id, from, to, manager),
    ]);
    const starts = localHourStarts(from, to);
    const covered = await this.coverage.forBuckets(
      p.store_id,
      starts.map((utc) => ({ startMs: utc, endMs: utc + 3_600_000 })),
    );
    const history: HourCount[] = starts.map((utc, i) => {
      const lp = localParts(utc, timezone);
      return {
        utc,
        localDate: lp.date,
        localHour: lp.hour,
        count: observed.has(lp.date) ? (counts.get(utc) ?? 0) : null,
        incomplete: isIncomplete(covered.store[i]),
      };
    });
    const share = new Map(starts.map((utc, i) => [utc, covered.store[i] === null ? null : Math.round(covered.store[i]! * 1000) / 1000]));
    const assessed = detectSpikes(history, reportFrom);
    const leftOut = history.filter((h) => h.incomplete);
    const left_out: LeftOutHours = {
      threshold: MIN_COMPLETENESS,
      hours: leftOut.length,
      period_hours: leftOut.filter((h) => h.utc >= reportFrom).map((h) => localIso(h.utc, timezone)),
      baseline_hours: leftOut.filter((h) => h.utc < reportFrom).map((h) => localIso(h.utc, timezone)),
    };
    const spikes: Spike[] = assessed
      .filter((h) => h.spike)
      .map((h) => ({
        local: localIso(h.utc, timezone),
        utc: new Date(h.utc).toISOString(),
        count: h.count!,
        expected: round(h.expected!),
        threshold: h.threshold!,
        score: round(h.score!),
        p_value: Number(h.pValue!.toPrecision(3)),
        baseline: h.baseline!,
        baseline_points: h.baselinePoints,
      }));
    return {
      store_id: p.store_id,
      timezone,
      days: p.days,
      start_date: p.start_date,
      end_date: p.end_date,
      method: SPIKE_METHOD,
      summary: {
        hours: assessed.length,
        hours_with_data: assessed.filter((h) => h.count !== null).length,
        hours_without_baseline: assessed.filter((h) => h.expected === null).length,
        hours_incomplete: left_out.period_hours.length,
        footfall: assessed.reduce((a, h) => a + (h.count ?? 0), 0),
        spikes: spikes.length,
      },
      left_out,
      spikes,
      series: assessed.map((h) => ({
        local: localIso(h.utc, timezone),
        utc: new Date(h.utc).toISOString(),
        count: h.count,
        expected: h.expected === null ? null : round(h.expected),
        threshold: h.threshold,
        spike: h.spike,
        completeness: share.get(h.utc) ?? null,
        incomplete: h.incomplete === true,
      })),
    };
  }
}
