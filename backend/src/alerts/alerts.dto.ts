import { z } from 'zod';
import { ALERT_STATES } from '../../../shared/src/alerts.ts';
import { slug } from '../admin/admin.dto.ts';

export { alertRulesPatch, type AlertRulesPatch } from './alert-rules.ts';
export { storeIdParam } from '../admin/admin.dto.ts';

/** GET /api/alerts: one store's alerts, or (without store_id) every readable store's plus the organisation's own. */
export const alertsQuery = z.object({
  store_id: slug.optional(),
  state: z.enum(ALERT_STATES, { error: 'must be "firing" or "resolved"' }).optional(),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 500')
    .max(500, 'must be between 1 and 500')
    .default(100),
});
export type AlertsQuery = z.infer<typeof alertsQuery>;

export const rulesQuery = z.object({ store_id: slug });
export type RulesQuery = z.infer<typeof rulesQuery>;
