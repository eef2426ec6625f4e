import { z } from 'zod';
import { safeId, storableYear } from '../../../shared/src/events.ts';
import { slug } from '../admin/admin.dto.ts';
import { daysBetween, isCalendarDate } from '../common/store-clock.ts';

const storeId = slug;
const date = z.string({ error: 'is required' }).refine(isCalendarDate, 'must be a calendar date as YYYY-MM-DD').check(storableYear).meta({ format: 'date' });
const subjectId = safeId;
const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`);

export const MAX_SPIKE_DAYS = 366;
export const MAX_PROMO_DAYS = 92;
export const MAX_BASELINE_DAYS = 366;
export const MAX_CONTROL_STORES = 10;

// Unknown query parameters are refused (a typo such as `shelf=` would otherwise silently widen a report).
export const spikesQuery = z.strictObject({
  store_id: storeId,
  days: wholeNumber(1, MAX_SPIKE_DAYS).default(7),
  /** Last local day of the series; default yesterday (complete days, which the nightly job precomputes). */
  end_date: date.optional().meta({ description: 'last store-local day of the series; default yesterday' }),
});
export type SpikesQuery = z.infer<typeof spikesQuery>;

export const promoQuery = z
  .strictObject({
    store_id: storeId,
    start_date: date,
    end_date: date,
    shelf_id: subjectId.optional(),
    zone_id: subjectId.optional(),
    /** Default baseline: these many preceding weeks, same weekdays as the promotion days. */
    baseline_weeks: wholeNumber(1, 12).optional(),
    /** Or an explicit baseline period (both ends, before the promotion). */
    baseline_start_date: date.optional(),
    baseline_end_date: date.optional(),
    control_store_ids: z
      .preprocess((v) => (Array.isArray(v) ? v.join(',') : v), z.string({ error: 'must be a comma-separated list of store ids' }))
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(storeId).min(1, 'must name at least one store').max(MAX_CONTROL_STORES, `must name at most ${MAX_CONTROL_STORES} stores`))
      .optional()
      .meta({ description: `comma-separated store ids (at most ${MAX_CONTROL_STORES}) of the reader's organisation, for difference-in-differences` }),
  })
  .superRefine((q, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (q.end_date < q.start_date) return issue('end_date', `must not be before start_date (${q.start_date})`);
    if (daysBetween(q.start_date, q.end_date) + 1 > MAX_PROMO_DAYS) return issue('end_date', `the promotion may span at most ${MAX_PROMO_DAYS} days`);
    const explicit = q.baseline_start_date !== undefined || q.baseline_end_date !== undefined;
    if (explicit) {
      if (q.baseline_start_date === undefined) return issue('baseline_start_date', 'is required with baseline_end_date');
      if (q.baseline_end_date === undefined) return issue('baseline_end_date', 'is required with baseline_start_date');
      if (q.baseline_weeks !== undefined) return issue('baseline_weeks', 'cannot be combined with baseline_start_date/baseline_end_date');
      if (q.baseline_end_date < q.baseline_start_date) return issue('baseline_end_date', `must not be before baseline_start_date (${q.baseline_start_date})`);
      if (q.baseline_end_date >= q.start_date) return issue('baseline_end_date', `must be before the promotion (start_date ${q.start_date})`);
      if (daysBetween(q.baseline_start_date, q.baseline_end_date) + 1 > MAX_BASELINE_DAYS)
        return issue('baseline_end_date', `the baseline may span at most ${MAX_BASELINE_DAYS} days`);
    }
    const controls = q.control_store_ids ?? [];
    if (new Set(controls).size !== controls.length) return issue('control_store_ids', 'must not repeat a store');
    if (controls.includes(q.store_id)) return issue('control_store_ids', `must not include the promoted store ${q.store_id}`);
  });
export type PromoQuery = z.infer<typeof promoQuery>;

export const reportIdParams = z.object({ id: z.uuid({ error: 'must be a report id (UUID)' }) });

export const rebuildBody = z.strictObject({ store_id: storeId, start_date: date.optional(), end_date: date.optional() }).superRefine((b, ctx) => {
  if (b.start_date && b.end_date && b.end_date < b.start_date)
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: `must not be before start_date (${b.start_date})` });
});
export type RebuildBody = z.infer<typeof rebuildBody>;
