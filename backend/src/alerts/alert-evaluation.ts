// The alert rules as pure functions (table tests in alert-evaluation.spec.ts): given the numbers and whether the
// condition's episode is open, what should happen now. The services feed them live numbers and store the outcome.

import type { OpeningHours } from '../admin/admin.dto.ts';
import type { TenantStatus } from '../admin/tenant-state.ts';
import { addDays, localDate } from '../common/store-clock.ts';
import { sessionsBetween } from '../dashboard/occupancy.ts';
import type { CameraStatusView } from '../../../shared/src/read-contract.ts';

export type Transition = 'fire' | 'resolve' | null;

/** A threshold rule with hysteresis: fire at `fireAt` or above, resolve only below `clearBelow` (< fireAt). */
export function thresholdTransition(value: number, fireAt: number, clearBelow: number, firing: boolean): Transition {
  if (!firing && value >= fireAt) return 'fire';
  if (firing && value < clearBelow) return 'resolve';
  return null;
}

/**
 * A duration rule: the condition has held since `since` (ms; null: it is false now). Fires once it has held
 * `minutes`, resolves as soon as it is false.
 */
export function durationTransition(since: number | null, nowMs: number, minutes: number, firing: boolean): Transition {
  if (since === null) return firing ? 'resolve' : null;
  if (!firing && nowMs - since >= minutes * 60_000) return 'fire';
  return null;
}

/** Events lost at the edge: fire on new losses, resolve after `quietMinutes` without any. */
export function lossTransition(newLosses: number, lastLossMs: number | null, nowMs: number, quietMinutes: number, firing: boolean): Transition {
  if (newLosses > 0) return firing ? null : 'fire';
  if (firing && (lastLossMs === null || nowMs - lastLossMs >= quietMinutes * 60_000)) return 'resolve';
  return null;
}

/** The edge's loss counters (status_data dropped_events, dead_letter_events): cumulative since the edge process started. */
export interface LossCounters {
  dropped: number;
  dead: number;
}

/**
 * Events lost since the previous heartbeat. The counters only grow while the edge runs; a counter lower than
 * before means the edge restarted, so all of it is new. A camera's first heartbeat: everything it reports.
 */
export function newLosses(prev: LossCounters | null, cur: LossCounters): number {
  const delta = (before: number | undefined, now: number) => (before === undefined || now < before ? now : now - before);
  return delta(prev?.dropped, cur.dropped) + delta(prev?.dead, cur.dead);
}

/**
 * When the store's current opening began: an instant, -Infinity without opening hours (always open), or null
 * while it is closed. The duration rules count only open time.
 */
export function openSince(nowMs: number, hours: OpeningHours | null, tz: string): number | null {
  if (!hours) return Number.NEGATIVE_INFINITY;
  const today = localDate(nowMs, tz);
  // Yesterday's sessions too: a range that ends at 24:00 runs into today only through the next day's 00:00 range.
  const sessions = sessionsBetween(addDays(today, -1), today, hours, tz);
  let since: number | null = null;
  for (const s of sessions) {
    if (s.open <= nowMs && nowMs < s.close) since = s.open;
  }
  // Back-to-back ranges (…–24:00, 00:00–…) are one opening.
  for (let changed = since !== null; changed; ) {
    changed = false;
    for (const s of sessions) if (since !== null && s.close === since && s.open < since) [since, changed] = [s.open, true];
  }
  return since;
}

/**
 * Why a camera is not analysing, or null when it is (the numbers go in the alert's evidence). A camera never
 * heard from is not being installed yet rather than broken: no alert until its first heartbeat.
 */
export function cameraProblem(
  camera: CameraStatusView,
  minFpsShare: number,
): { reason: 'offline' | 'not_analysing' | 'low_fps'; stream_state: string | null; fps_achieved: number | null; target_fps: number | null } | null {
  const fps = camera.status_data?.fps_achieved ?? null;
  const target = camera.status_data?.target_fps ?? null;
  const base = { stream_state: camera.stream_state, fps_achieved: fps, target_fps: target };
  if (camera.last_heartbeat === null) return null;
  if (camera.status === 'offline') return { reason: 'offline', ...base };
  if (camera.status === 'not_analysing') return { reason: 'not_analysing', ...base };
  if (fps !== null && target !== null && fps < minFpsShare * target) return { reason: 'low_fps', ...base };
  return null;
}

/**
 * Why no rule of a store is evaluated now, or null when they all are: a disabled or deleted store, or a store of a
 * disabled or deleted organisation (`undefined`: the organisation is gone), accepts no data, so its cameras would
 * look dead and its footfall stopped — every rule would misfire. Its open episodes end with this as the reason.
 */
export function standDownReason(org: TenantStatus | undefined, store: TenantStatus): string | null {
  if (store !== 'active') return `store ${store}`;
  if (org !== 'active') return `organisation ${org ?? 'deleted'}`;
  return null;
}
