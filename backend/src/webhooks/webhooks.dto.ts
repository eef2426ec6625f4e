import { z } from 'zod';
import { safeName, storableText } from '../../../shared/src/events.ts';

/** Hosts that may take plain http:// (tests and a receiver on the same machine); everything else needs TLS. */
export const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];
export const WEBHOOK_URL_RULE = 'must be an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)';

/** https://…, or http:// to a loopback host. */
export function isAllowedWebhookUrl(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return u.hostname.length > 0;
  return u.protocol === 'http:' && LOOPBACK_HOSTS.includes(u.hostname);
}

const url = z
  .string({ error: 'is required' })
  .check(storableText)
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine(isAllowedWebhookUrl, WEBHOOK_URL_RULE)
  .meta({ description: 'Where deliveries are POSTed: an HTTPS URL, or plain HTTP to 127.0.0.1, ::1 or localhost' });

export const createWebhookSchema = z.strictObject({ url, description: safeName.optional() });
export type CreateWebhookDto = z.infer<typeof createWebhookSchema>;

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const listDeliveriesQuery = z.object({
  endpoint_id: z.uuid({ error: 'must be a UUID' }).optional(),
  state: z.enum(DELIVERY_STATES, { error: `must be one of ${DELIVERY_STATES.join(', ')}` }).optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500').default(100),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;
