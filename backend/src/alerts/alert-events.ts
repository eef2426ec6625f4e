import type { AlertEvidence, AlertType, AlertView } from '../../../shared/src/alerts.ts';

/**
 * The alerts module's in-process events (AlertsService.events, a TypedEvents<AlertEvents>): emitted once per
 * episode, by the one process whose INSERT (fired) or UPDATE (resolved) won, so a listener (the webhooks module)
 * never sees the same change twice even with several API processes and workers.
 */
export interface AlertChange {
  org_id: string;
  alert: AlertView;
}
export interface AlertEvents {
  'alert.fired': AlertChange;
  'alert.resolved': AlertChange;
}

/** What a module outside alerts (webhooks) asks the alerts module to raise or clear about the organisation. */
export interface OrgAlertSignal {
  org_id: string;
  type: AlertType;
  subject: string;
  summary: string;
  evidence: AlertEvidence;
}
