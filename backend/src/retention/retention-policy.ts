import { z } from 'zod';
import { expiryCutoff } from './partition-planner.ts';

// How long each organisation's rows are kept, and what the daily retention run does with that: pure.
//
// Partitions are months shared by every organisation, so a month is dropped only once every organisation's
// retention has expired it (the longest retention rules the partitions). An organisation with a shorter
// retention has its expired rows deleted as rows from the months still kept (bounded: only from the oldest kept
// month up to its cutoff, once; later runs find little). Rollups, reports and the heartbeats' compacted days
// are never expired.

/** The defaults (issue #19): raw events 13 months, heartbeats 30 days. Declared once. */
export const RETENTION_DEFAULTS = { raw_event_months: 13, heartbeat_days: 30 } as const;

/** An organisation's settings, as the admin API takes and shows them. */
export const retentionSettingsSchema = z.strictObject({
  raw_event_months: z.int({ error: 'must be a whole number of months' }).min(1, { error: 'must be at least 1' }).max(120, { error: 'must be at most 120' }),
  // Two days at least: the day after a compacted day still needs its heartbeats (see heartbeatCutoffs).
  heartbeat_days: z.int({ error: 'must be a whole number of days' }).min(2, { error: 'must be at least 2' }).max(3650, { error: 'must be at most 3650' }),
});
export type RetentionSettings = z.infer<typeof retentionSettingsSchema>;

const DAY_MS = 86_400_000;
const startOfUtcDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/**
 * Heartbeats kept `days` at `nowMs`: rows before `deleteBefore` go (a whole UTC day before the cutoff's day, so the
 * day after the compacted ones keeps the heartbeat before its midnight), after every day before `compactUntil`
 * was compacted. The rows kept are at least `days` old, at most 2 days more.
 */
export function heartbeatCutoffs(nowMs: number, days: number): { compactUntil: number; deleteBefore: number } {
  const compactUntil = startOfUtcDay(expiryCutoff(nowMs, { days }));
  return { compactUntil, deleteBefore: compactUntil - DAY_MS };
}

export interface OrgRetention {
  orgId: string;
  settings: RetentionSettings;
}
export interface RetentionPlan {
  /** Event months ending by this instant are dropped: the longest retention's cutoff. */
  eventsDropBefore: number;
  /** Heartbeat months ending by this instant are dropped (every store compacted up to a day later first). */
  heartbeatsDropBefore: number;
  perOrg: {
    orgId: string;
    /** This organisation's events before this instant go (rows, where later than eventsDropBefore). */
    eventsBefore: number;
    heartbeats: { compactUntil: number; deleteBefore: number };
  }[];
}

/** What a retention run at `nowMs` does, for these organisations (none: the defaults alone decide). */
export function retentionPlan(nowMs: number, orgs: readonly OrgRetention[]): RetentionPlan {
  const perOrg = orgs.map((o) => ({
    orgId: o.orgId,
    eventsBefore: expiryCutoff(nowMs, { months: o.settings.raw_event_months }),
    heartbeats: heartbeatCutoffs(nowMs, o.settings.heartbeat_days),
  }));
  const fallback = {
    eventsBefore: expiryCutoff(nowMs, { months: RETENTION_DEFAULTS.raw_event_months }),
    heartbeats: heartbeatCutoffs(nowMs, RETENTION_DEFAULTS.heartbeat_days),
  };
  const all = perOrg.length ? perOrg : [fallback];
  return {
    eventsDropBefore: Math.min(...all.map((o) => o.eventsBefore)),
    heartbeatsDropBefore: Math.min(...all.map((o) => o.heartbeats.deleteBefore)),
    perOrg,
  };
}
