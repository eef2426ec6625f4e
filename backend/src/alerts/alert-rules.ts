import { z } from 'zod';
import type { AlertRuleSettings, StoreAlertType } from '../../../shared/src/alerts.ts';

/**
 * Every store rule's defaults, declared once: a store without a row for a type runs with these, and an admin's
 * PUT changes only the settings it names. Occupancy needs the store's capacity; without one the rule is idle.
 */
export const RULE_DEFAULTS: AlertRuleSettings = {
  occupancy_over_capacity: { enabled: true, share: 1, clear_share: 0.9 },
  queue_length: { enabled: true, length: 5, clear_length: 3 },
  queue_wait: { enabled: true, seconds: 300, clear_seconds: 240 },
  camera_not_analysing: { enabled: true, minutes: 5, min_fps_share: 0.5 },
  no_footfall: { enabled: true, minutes: 60 },
  traffic_spike: { enabled: true },
  edge_events_lost: { enabled: true, quiet_minutes: 15 },
};

export const STORE_ALERT_TYPES = Object.keys(RULE_DEFAULTS) as StoreAlertType[];

const share = (min: number, max: number) =>
  z.number({ error: 'must be a number' }).min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);
const whole = (min: number, max: number) => share(min, max).int('must be a whole number');
const enabled = z.boolean({ error: 'must be true or false' }).optional();

/** What a PUT may say about each type: any of its settings, each checked on its own range. */
const RULE_PATCHES = {
  occupancy_over_capacity: z.strictObject({ enabled, share: share(0.1, 2).optional(), clear_share: share(0.05, 2).optional() }),
  queue_length: z.strictObject({ enabled, length: whole(1, 1000).optional(), clear_length: whole(0, 1000).optional() }),
  queue_wait: z.strictObject({ enabled, seconds: whole(10, 86_400).optional(), clear_seconds: whole(0, 86_400).optional() }),
  camera_not_analysing: z.strictObject({ enabled, minutes: whole(1, 1440).optional(), min_fps_share: share(0, 1).optional() }),
  no_footfall: z.strictObject({ enabled, minutes: whole(5, 1440).optional() }),
  traffic_spike: z.strictObject({ enabled }),
  edge_events_lost: z.strictObject({ enabled, quiet_minutes: whole(1, 1440).optional() }),
} satisfies Record<StoreAlertType, z.ZodType>;

/** PUT /api/admin/stores/:store_id/alert-rules: a partial object keyed by type. */
export const alertRulesPatch = z
  .strictObject(
    Object.fromEntries(STORE_ALERT_TYPES.map((t) => [t, RULE_PATCHES[t].optional()])) as { [T in StoreAlertType]: z.ZodOptional<(typeof RULE_PATCHES)[T]> },
  )
  .refine((b) => Object.keys(b).length > 0, { message: `must name at least one of ${STORE_ALERT_TYPES.join(', ')}`, path: [] });
export type AlertRulesPatch = z.infer<typeof alertRulesPatch>;

/** The pairs of a rule whose clear threshold must be below its fire threshold (hysteresis needs a gap). */
const CLEAR_BELOW: { type: StoreAlertType; clear: string; fire: string }[] = [
  { type: 'occupancy_over_capacity', clear: 'clear_share', fire: 'share' },
  { type: 'queue_length', clear: 'clear_length', fire: 'length' },
  { type: 'queue_wait', clear: 'clear_seconds', fire: 'seconds' },
];

/** One stored row of alert_rules: enabled and the settings an admin changed. */
export interface StoredRule {
  type: StoreAlertType;
  enabled: boolean;
  params: Record<string, number>;
}

/** The effective rules: the defaults with each stored row laid over its type (unknown types and keys ignored). */
export function effectiveRules(stored: readonly StoredRule[]): AlertRuleSettings {
  const rules = structuredClone(RULE_DEFAULTS) as unknown as Record<string, Record<string, number | boolean>>;
  for (const row of stored) {
    const rule = rules[row.type];
    if (!rule) continue;
    rule.enabled = row.enabled;
    for (const [k, v] of Object.entries(row.params)) if (k in rule && k !== 'enabled') rule[k] = v;
  }
  return rules as unknown as AlertRuleSettings;
}

/**
 * The rows a PUT leaves behind (each named type: its previous settings with the patch laid over) and the
 * effective rules, or the first setting that breaks hysteresis, as {field, message}.
 */
export function applyRulesPatch(
  stored: readonly StoredRule[],
  patch: AlertRulesPatch,
): { rows: StoredRule[]; rules: AlertRuleSettings } | { field: string; message: string } {
  const byType = new Map(stored.map((r) => [r.type, r]));
  const rows: StoredRule[] = [];
  for (const type of STORE_ALERT_TYPES) {
    const change = patch[type] as { enabled?: boolean } & Record<string, number | boolean | undefined>;
    if (!change) continue;
    const before = byType.get(type);
    const params: Record<string, number> = { ...before?.params };
    for (const [k, v] of Object.entries(change)) if (k !== 'enabled' && typeof v === 'number') params[k] = v;
    const row = { type, enabled: change.enabled ?? before?.enabled ?? RULE_DEFAULTS[type].enabled, params };
    rows.push(row);
    byType.set(type, row);
  }
  const rules = effectiveRules([...byType.values()]);
  for (const { type, clear, fire } of CLEAR_BELOW) {
    const rule = rules[type] as unknown as Record<string, number>;
    if (rule[clear] >= rule[fire]) {
      // Name the setting the admin sent; when both or neither were sent, the clear one.
      const sent = (patch[type] ?? {}) as Record<string, unknown>;
      const field = fire in sent && !(clear in sent) ? fire : clear;
      const message =
        field === clear ? `must be below ${fire} (${rule[fire]}): an alert resolves only below its clear threshold` : `must be above ${clear} (${rule[clear]})`;
      return { field: `${type}.${field}`, message };
    }
  }
  return { rows, rules };
}
