import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AlertEvidence, AlertState, AlertType, AlertView } from '../../../shared/src/alerts.ts';
import { TypedEvents } from '../common/typed-events.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import type { AlertEvents, OrgAlertSignal } from './alert-events.ts';
import { flatRows } from '../common/returning-rows.ts';
import { FIRE_ALERT_ONCE_SQL, FIRE_ALERT_SQL, FIRING_IN_STORES_SQL, LIST_ALERTS_SQL, RESOLVE_ALERT_SQL } from './alerts.queries.ts';

/** One condition: which organisation, store (null: the organisation itself), alert type and subject inside the store. */
export interface AlertKey {
  org_id: string;
  store_id: string | null;
  type: AlertType;
  /** A queue id, a camera id, a spike's hour; '' for the store as a whole. */
  subject: string;
}
export interface FireAlert extends AlertKey {
  summary: string;
  evidence: AlertEvidence;
  /** When the condition was seen (default: now); an evaluator with an injected clock passes its own. */
  at?: Date;
  /** Only if this condition never had an episode (a traffic spike hour alerts once, however often it is re-assessed). */
  once?: boolean;
}
export interface ResolveAlert extends AlertKey {
  evidence: AlertEvidence;
  at?: Date;
}
export interface AlertListQuery {
  /** null: every organisation (the admin token). */
  org_id: string | null;
  store_ids: string[];
  /** Include the organisation's own alerts (store_id null). */
  with_org_alerts: boolean;
  state: AlertState | null;
  limit: number;
}

interface AlertRow {
  alert_id: string;
  org_id: string;
  store_id: string | null;
  type: AlertType;
  subject: string;
  state: AlertState;
  summary: string;
  fired_at: Date;
  resolved_at: Date | null;
  evidence: AlertEvidence;
  resolve_evidence: AlertEvidence | null;
}

/** How long a store's firing episodes are trusted from memory before PostgreSQL is asked again. */
export const FIRING_CACHE_MS = 5000;

/** The key of one condition inside a store. */
export function conditionKey(type: AlertType, subject: string): string {
  return `${type}/${subject}`;
}

function toView(r: AlertRow): AlertView {
  return {
    alert_id: r.alert_id,
    type: r.type,
    state: r.state,
    store_id: r.store_id,
    subject: r.subject,
    summary: r.summary,
    fired_at: r.fired_at.toISOString(),
    resolved_at: r.resolved_at?.toISOString() ?? null,
    evidence: r.evidence,
    resolve_evidence: r.resolve_evidence,
  };
}

/**
 * The alert lifecycle, firing → resolved, stored in PostgreSQL: one episode per condition however many API
 * processes and workers see it (a partial unique index decides the winner), and only the winner emits
 * 'alert.fired' / 'alert.resolved' on `events` (subscriber: the webhooks module), so nothing is told twice.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);
  readonly events = new TypedEvents<AlertEvents>(this.logger);
  /** Store → its firing episodes by conditionKey, read again after FIRING_CACHE_MS (other processes change them too). */
  private readonly firing = new Map<string, { at: number; alerts: Map<string, AlertView> }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: WinkMetrics,
  ) {}

  /** Opens an episode; answers it, or null when the same condition is already firing (nothing emitted then). */
  async fire(a: FireAlert): Promise<AlertView | null> {
    const rows: AlertRow[] = await this.db.query(a.once ? FIRE_ALERT_ONCE_SQL : FIRE_ALERT_SQL, [
      a.org_id,
      a.store_id,
      a.type,
      a.subject,
      a.summary,
      JSON.stringify(a.evidence),
      a.at ?? new Date(),
    ]);
    if (rows.length === 0) return null;
    const alert = toView(rows[0]);
    this.firing.get(alert.store_id ?? '')?.alerts.set(conditionKey(alert.type, alert.subject), alert);
    this.metrics.alerts.inc({ type: a.type, transition: 'fired' });
    await this.events.emit('alert.fired', { org_id: a.org_id, alert }, `after firing ${a.type} ${a.store_id ?? a.org_id}/${a.subject}`);
    return alert;
  }

  /** Resolves the condition's firing episode; answers it, or null when none was firing (nothing emitted then). */
  async resolve(a: ResolveAlert): Promise<AlertView | null> {
    const rows = flatRows(
      await this.db.query(RESOLVE_ALERT_SQL, [a.org_id, a.store_id, a.type, a.subject, a.at ?? new Date(), JSON.stringify(a.evidence)]),
    ) as AlertRow[];
    // Whoever resolved it, it is no longer firing: a stale cache here would only cost a query, but not twice.
    this.firing.get(a.store_id ?? '')?.alerts.delete(conditionKey(a.type, a.subject));
    if (rows.length === 0) return null;
    const alert = toView(rows[0]);
    this.metrics.alerts.inc({ type: a.type, transition: 'resolved' });
    await this.events.emit('alert.resolved', { org_id: a.org_id, alert }, `after resolving ${a.type} ${a.store_id ?? a.org_id}/${a.subject}`);
    return alert;
  }

  /** An alert about the organisation itself (store_id null), e.g. a webhook endpoint disabled. */
  raiseOrgAlert(signal: OrgAlertSignal): Promise<AlertView | null> {
    return this.fire({ ...signal, store_id: null });
  }

  resolveOrgAlert(org_id: string, type: AlertType, subject: string, evidence: AlertEvidence): Promise<AlertView | null> {
    return this.resolve({ org_id, store_id: null, type, subject, evidence });
  }

  /**
   * The store's firing episodes by {@link conditionKey}, as this process last read them (at most
   * FIRING_CACHE_MS old) plus its own changes since: the evaluators' cheap "is it open?" on every batch. A stale
   * answer is harmless — fire and resolve decide in PostgreSQL — it only delays a resolve seen by another process.
   */
  async firingInStore(storeId: string, nowMs = Date.now()): Promise<Map<string, AlertView>> {
    const hit = this.firing.get(storeId);
    if (hit && Math.abs(nowMs - hit.at) < FIRING_CACHE_MS) return hit.alerts;
    const alerts = new Map((await this.firingInStores([storeId])).map((a) => [conditionKey(a.type, a.subject), a]));
    this.firing.set(storeId, { at: nowMs, alerts });
    return alerts;
  }

  /** The firing episodes of these stores, from PostgreSQL (one query however many stores). */
  async firingInStores(storeIds: readonly string[]): Promise<AlertView[]> {
    const rows: AlertRow[] = await this.db.query(FIRING_IN_STORES_SQL, [storeIds]);
    return rows.map(toView);
  }

  async list(q: AlertListQuery): Promise<AlertView[]> {
    const rows: AlertRow[] = await this.db.query(LIST_ALERTS_SQL, [q.org_id, q.store_ids, q.with_org_alerts, q.state, q.limit]);
    return rows.map(toView);
  }
}
