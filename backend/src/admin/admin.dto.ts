import { z } from 'zod';
import { CAPABILITIES, safeName, slug } from '../../../shared/src/events.ts';
import { DATA_MODES } from './tenant-state.ts';

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

/** Store and camera ids: declared once in the shared contract (what the admin API accepts is what every reader validates against). */
export { slug };
const uuid = z.uuid({ error: 'must be a UUID' });
const name = safeName;

export const createOrgSchema = z.strictObject({ name });

const disabled = z
  .boolean({ error: 'must be true or false' })
  .meta({ description: 'true: its keys are refused (403) and it accepts no new data; its history stays readable. false: enabled again' });

/** PATCH of an organisation or a camera: a new name, or disabled on/off. */
const renameOrDisable = z
  .strictObject({ name: name.optional(), disabled: disabled.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'must name at least one of name, disabled', path: [] });
export const updateOrgSchema = renameOrDisable;
export const updateCameraSchema = renameOrDisable;
export const orgIdParam = z.object({ org_id: uuid });
export const cameraParams = z.object({ store_id: slug, camera_id: slug });

/** DELETE of a store or an organisation: what happens to its data is always said, never defaulted (deleting is for good). */
export const deleteQuery = z.object({
  data: z
    .enum(DATA_MODES, {
      error: (issue) =>
        `${issue.input === undefined ? 'is required' : 'must be delete or keep'}: delete (remove every row of its events, rollups, reports, sales and alerts) or keep (kept for the organisation's reports)`,
    })
    .meta({ description: "delete: every row of the store's data in every module is removed; keep: the rows stay for reports (the store is marked deleted)" }),
});

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Store-local opening hours per weekday: `[["09:00","12:30"],["14:00","20:00"]]`, `[]` = closed that day. */
export type OpeningHours = Record<Weekday, [string, string][]>;

const HM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const hm = z.string({ error: 'must be a time "HH:MM"' }).regex(HM, 'must be a time "HH:MM" from 00:00 to 24:00');
/** "09:30" → 570 (minutes since local midnight); "24:00" → 1440. */
export function minuteOfDay(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

const dayRanges = z
  .array(z.tuple([hm, hm], { error: 'must be an ["HH:MM","HH:MM"] pair (open, close)' }), {
    error: 'must be an array of ["HH:MM","HH:MM"] ranges ([] = closed)',
  })
  .max(6, 'must have at most 6 ranges')
  .superRefine((ranges, ctx) => {
    for (const [i, [open, close]] of ranges.entries()) {
      if (minuteOfDay(close) <= minuteOfDay(open)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 1],
          message: `must be after the opening time ${open}: hours past midnight are not supported (close at 24:00 and open at 00:00 the next day)`,
        });
        return;
      }
    }
    const order = [...ranges.keys()].sort((a, b) => minuteOfDay(ranges[a][0]) - minuteOfDay(ranges[b][0]));
    for (let k = 1; k < order.length; k++) {
      const [prev, cur] = [ranges[order[k - 1]], ranges[order[k]]];
      if (minuteOfDay(cur[0]) <= minuteOfDay(prev[1])) {
        ctx.addIssue({
          code: 'custom',
          path: [order[k], 0],
          message: `overlaps or touches the range ${prev[0]}–${prev[1]}: ranges of a day must be separate (merge them)`,
        });
        return;
      }
    }
  });

/** All seven weekdays, store-local; null removes the hours (the day then runs from local midnight, no close-out). */
export const openingHoursSchema = z
  .strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayRanges])) as Record<Weekday, typeof dayRanges>, {
    error: 'must be an object with mon, tue, wed, thu, fri, sat, sun',
  })
  .meta({
    description: 'Store-local opening hours per weekday, e.g. {"mon":[["09:00","20:00"]],…,"sun":[]}; split hours allowed, no range past midnight',
    example: {
      mon: [['09:00', '20:00']],
      tue: [['09:00', '20:00']],
      wed: [['09:00', '20:00']],
      thu: [['09:00', '20:00']],
      fri: [
        ['09:00', '13:00'],
        ['14:00', '21:00'],
      ],
      sat: [['10:00', '18:00']],
      sun: [],
    },
  });

const capacity = z
  .int({ error: 'must be a whole number' })
  .positive('must be a positive whole number')
  .max(1_000_000, 'must be at most 1000000')
  .meta({ description: 'How many people the store may hold; utilisation = occupancy ÷ capacity' });

export const createStoreSchema = z.strictObject({
  org_id: uuid,
  store_id: slug,
  name,
  timezone: z.string({ error: 'is required' }).refine(isIanaTimeZone, 'must be an IANA time zone such as Europe/London or Asia/Kolkata'),
  opening_hours: openingHoursSchema.nullable().optional(),
  capacity: capacity.nullable().optional(),
});

/** PATCH: only the fields sent change; null clears opening hours or capacity. The time zone is fixed at creation. */
export const updateStoreSchema = z
  .strictObject({
    name: name.optional(),
    opening_hours: openingHoursSchema.nullable().optional(),
    capacity: capacity.nullable().optional(),
    disabled: disabled.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'must name at least one of name, opening_hours, capacity, disabled', path: [] });
export const storeIdParam = z.object({ store_id: slug });

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

/** A POS key writes sales for one store (store_id) or every store of the organisation. */
export const createPosKeySchema = z.strictObject({ org_id: uuid, store_id: slug.optional(), name: name.optional() });

export const listStoresQuery = z.object({ org_id: uuid.optional() });
export const listCamerasQuery = z.object({ store_id: slug.optional() });
export const listEdgeKeysQuery = z.object({ store_id: slug.optional() });
export const listViewerKeysQuery = z.object({ org_id: uuid.optional() });
export const listPosKeysQuery = z.object({ org_id: uuid.optional() });

export type CreateOrgDto = z.infer<typeof createOrgSchema>;
export type CreateStoreDto = z.infer<typeof createStoreSchema>;
export type UpdateStoreDto = z.infer<typeof updateStoreSchema>;
export type UpdateOrgDto = z.infer<typeof updateOrgSchema>;
export type UpdateCameraDto = z.infer<typeof updateCameraSchema>;
export type DeleteQuery = z.infer<typeof deleteQuery>;
export type CreateCameraDto = z.infer<typeof createCameraSchema>;
export type CreateEdgeKeyDto = z.infer<typeof createEdgeKeySchema>;
export type CreateViewerKeyDto = z.infer<typeof createViewerKeySchema>;
export type CreatePosKeyDto = z.infer<typeof createPosKeySchema>;
