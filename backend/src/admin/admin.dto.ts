import { z } from 'zod';
import { CAPABILITIES, safeName } from '../../../shared/src/events.ts';

/** Intl knows the IANA names and their aliases (Node 20 lists Asia/Calcutta but accepts Asia/Kolkata). */
export function isIanaTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Store and camera ids: what the admin API accepts is what every reader validates against. */
export const slug = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . -');
const uuid = z.uuid({ error: 'must be a UUID' });
const name = safeName;

export const createOrgSchema = z.strictObject({ name });

export const createStoreSchema = z.strictObject({
  org_id: uuid,
  store_id: slug,
  name,
  timezone: z
    .string({ error: 'is required' })
    .refine(isIanaTimeZone, 'must be an IANA time zone such as Europe/London or Asia/Kolkata'),
});

export const createCameraSchema = z.strictObject({
  store_id: slug,
  camera_id: slug,
  name,
  capabilities: z
    .array(z.enum(CAPABILITIES, { error: `must be one of ${CAPABILITIES.join(', ')}` }), { error: 'must be an array' })
    .min(1, 'must list at least one capability')
    .refine((c) => new Set(c).size === c.length, 'must not repeat a capability'),
});

export const createEdgeKeySchema = z.strictObject({ org_id: uuid, store_id: slug, camera_id: slug });

export const createViewerKeySchema = z.strictObject({
  org_id: uuid,
  role: z.literal('viewer', { error: (issue) => (issue.input === undefined ? 'is required' : 'must be "viewer"') }),
  name: name.optional(),
});

export const listStoresQuery = z.object({ org_id: uuid.optional() });
export const listCamerasQuery = z.object({ store_id: slug.optional() });
export const listEdgeKeysQuery = z.object({ store_id: slug.optional() });
export const listViewerKeysQuery = z.object({ org_id: uuid.optional() });

export type CreateOrgDto = z.infer<typeof createOrgSchema>;
export type CreateStoreDto = z.infer<typeof createStoreSchema>;
export type CreateCameraDto = z.infer<typeof createCameraSchema>;
export type CreateEdgeKeyDto = z.infer<typeof createEdgeKeySchema>;
export type CreateViewerKeyDto = z.infer<typeof createViewerKeySchema>;
