/**
 * Alerts and webhooks, declared once: the alert types and their rule settings, what GET /api/alerts answers and
 * what a webhook delivery carries. The backend (backend/src/alerts, backend/src/webhooks) and the web dashboard
 * import these. Types and plain constants only (no node: imports), so the browser bundle can import it.
 * Docs: docs/alerts.md.
 */

/**
 * What an alert is about. Store alerts have a store_id; `webhook_endpoint_disabled` belongs to the organisation
 * (store_id null). `subject` names the thing inside the store (a queue id, a camera id) or is '' for the store.
 */
export const ALERT_TYPES = [
  /** occupancy ≥ share × capacity (store). */
  'occupancy_over_capacity',
  /** a queue's live length ≥ N people (subject: queue id). */
  'queue_length',
  /** a queue's running average wait today ≥ S seconds (subject: queue id). */
  'queue_wait',
  /** a camera offline, stalled, ended … or below a share of its target fps for M minutes while open (subject: camera id). */
  'camera_not_analysing',
  /** no footfall for H minutes while open (store). */
  'no_footfall',
  /** the hourly analysis found a traffic spike (subject: the spike's local hour). */
  'traffic_spike',
  /** the edge dropped or dead-lettered events (subject: camera id). */
  'edge_events_lost',
  /** a webhook endpoint kept failing and was disabled (organisation; subject: endpoint id). */
  'webhook_endpoint_disabled',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** The numbers that made an alert fire (or resolve): flat, JSON-safe, named in the rule's own terms. */
export type AlertEvidence = Readonly<Record<string, string | number | boolean | null>>;

/** One alert episode: fires once, resolves once. */
export interface AlertView {
  alert_id: string;
  type: AlertType;
  state: AlertState;
  /** null for an organisation alert. */
  store_id: string | null;
  subject: string;
  /** One line for a person ("Queue checkout: 7 people waiting (threshold 5)"). */
  summary: string;
  fired_at: string;
  resolved_at: string | null;
  evidence: AlertEvidence;
  resolve_evidence: AlertEvidence | null;
}
export interface AlertListView {
  alerts: AlertView[];
}

/** Webhook event types: an alert fired or resolved, and the "send test event" call. */
export const WEBHOOK_EVENT_TYPES = ['alert.fired', 'alert.resolved', 'webhook.test'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The JSON body of one webhook delivery. `id` is the delivery id (also the `Wink-Delivery` header): the same id
 * may arrive more than once after a retry, a receiver deduplicates on it. Signed: header
 * `Wink-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (docs/alerts.md).
 */
export interface WebhookPayload {
  id: string;
  type: WebhookEventType;
  org_id: string;
  store_id: string | null;
  /** When the thing happened (the alert's fired_at / resolved_at; the test call's time). ISO 8601 UTC. */
  time: string;
  alert: AlertView | null;
}

/** The webhook signature header and its parts, for senders and for the documented verification. */
export const WEBHOOK_SIGNATURE_HEADER = 'wink-signature';
export const WEBHOOK_DELIVERY_HEADER = 'wink-delivery';

/**
 * The rules of one store, each type with its settings (GET/PUT /api/admin/stores/:store_id/alert-rules, GET
 * /api/alerts/rules). Fire at the threshold, resolve only below the clear threshold (hysteresis); duration rules
 * fire once the condition has held `minutes` during opening hours. Defaults: backend/src/alerts/alert-rules.ts.
 */
export interface AlertRuleSettings {
  occupancy_over_capacity: { enabled: boolean; share: number; clear_share: number };
  queue_length: { enabled: boolean; length: number; clear_length: number };
  queue_wait: { enabled: boolean; seconds: number; clear_seconds: number };
  camera_not_analysing: { enabled: boolean; minutes: number; min_fps_share: number };
  no_footfall: { enabled: boolean; minutes: number };
  traffic_spike: { enabled: boolean };
  edge_events_lost: { enabled: boolean; quiet_minutes: number };
}
/** The alert types a store has rules for (every type but the organisation's own). */
export type StoreAlertType = keyof AlertRuleSettings;
export interface AlertRulesView {
  store_id: string;
  rules: AlertRuleSettings;
}
