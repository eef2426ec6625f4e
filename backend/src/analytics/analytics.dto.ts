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
export const MAX_COMPARISON_STORES = 500;

// Unknown query parameters are refused (a typo such as `shelf=` would otherwise silently widen a report).
export const spikesQuery = z.strictObject({
  store_id: storeId,
  days: wholeNumber(1, MAX_SPIKE_DAYS).default(7),
  /** Last local day of the series; default yesterday (complete days, which the nightly job precomputes). */
  end_date: date.optional().meta({ description: 'last store-local day of the series; default yesterday' }),
});
export type SpikesQuery = z.infer<typeof spikesQuery>;

/** Comma-separated store ids (repeated parameters are joined), at most `max`. */
const storeIdList = (max: number, description: string) =>
  z
    .preprocess((v) => (Array.isArray(v) ? v.join(',') : v), z.string({ error: 'must be a comma-separated list of store ids' }))
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(storeId).min(1, 'must name at least one store').max(max, `must name at most ${max} stores`))
    .optional()
    .meta({ description });

/** A report period and its baseline: these many preceding weeks (same weekdays), or an explicit period before it. */
const periodFields = { start_date: date, end_date: date };
const baselineFields = {
  /** Default baseline: these many preceding weeks, same weekdays as the period's days. */
  baseline_weeks: wholeNumber(1, 12).optional(),
  /** Or an explicit baseline period (both ends, before the period). */
  baseline_start_date: date.optional(),
  baseline_end_date: date.optional(),
};
type PeriodQueryFields = { start_date: string; end_date: string; baseline_weeks?: number; baseline_start_date?: string; baseline_end_date?: string };

/** The checks the period and baseline fields need together; the first failing one is reported. → whether one failed. */
function checkPeriod(q: PeriodQueryFields, issue: (path: string, message: string) => void, noun: 'promotion' | 'period'): boolean {
  const fail = (path: string, message: string) => {
    issue(path, message);
    return true;
  };
  if (q.end_date < q.start_date) return fail('end_date', `must not be before start_date (${q.start_date})`);
  if (daysBetween(q.start_date, q.end_date) + 1 > MAX_PROMO_DAYS) return fail('end_date', `the ${noun} may span at most ${MAX_PROMO_DAYS} days`);
  if (q.baseline_start_date === undefined && q.baseline_end_date === undefined) return false;
  if (q.baseline_start_date === undefined) return fail('baseline_start_date', 'is required with baseline_end_date');
  if (q.baseline_end_date === undefined) return fail('baseline_end_date', 'is required with baseline_start_date');
  if (q.baseline_weeks !== undefined) return fail('baseline_weeks', 'cannot be combined with baseline_start_date/baseline_end_date');
  if (q.baseline_end_date < q.baseline_start_date) return fail('baseline_end_date', `must not be before baseline_start_date (${q.baseline_start_date})`);
  if (q.baseline_end_date >= q.start_date) return fail('baseline_end_date', `must be before the ${noun} (start_date ${q.start_date})`);
  if (daysBetween(q.baseline_start_date, q.baseline_end_date) + 1 > MAX_BASELINE_DAYS)
    return fail('baseline_end_date', `the baseline may span at most ${MAX_BASELINE_DAYS} days`);
  return false;
}

/** Repeats in a list of store ids. */
function checkUnique(ids: readonly string[] | undefined, path: string, issue: (path: string, message: string) => void): boolean {
  const list = ids ?? [];
  if (new Set(list).size === list.length) return false;
  issue(path, 'must not repeat a store');
  return true;
}

const issuer = (ctx: z.RefinementCtx) => (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });

export const promoQuery = z
  .strictObject({
    store_id: storeId,
    ...periodFields,
    shelf_id: subjectId.optional(),
    zone_id: subjectId.optional(),
    ...baselineFields,
    control_store_ids: storeIdList(
      MAX_CONTROL_STORES,
      `comma-separated store ids (at most ${MAX_CONTROL_STORES}) of the reader's organisation, for difference-in-differences`,
    ),
  })
  .superRefine((q, ctx) => {
    const issue = issuer(ctx);
    if (checkPeriod(q, issue, 'promotion') || checkUnique(q.control_store_ids, 'control_store_ids', issue)) return;
    if (q.control_store_ids?.includes(q.store_id)) issue('control_store_ids', `must not include the promoted store ${q.store_id}`);
  });
export type PromoQuery = z.infer<typeof promoQuery>;

/** GET /api/analytics/comparison: the reader's stores (or those named) over a period, each against its own baseline. */
export const comparisonQuery = z
  .strictObject({
    ...periodFields,
    ...baselineFields,
    store_ids: storeIdList(
      MAX_COMPARISON_STORES,
      `comma-separated store ids (at most ${MAX_COMPARISON_STORES}) to compare; default every store of the reader's organisation (the admin token: every store)`,
    ),
  })
  .superRefine((q, ctx) => {
    const issue = issuer(ctx);
    if (!checkPeriod(q, issue, 'period')) checkUnique(q.store_ids, 'store_ids', issue);
  });
export type ComparisonQuery = z.infer<typeof comparisonQuery>;

export const reportIdParams = z.object({ id: z.uuid({ error: 'must be a report id (UUID)' }) });

export const rebuildBody = z.strictObject({ store_id: storeId, start_date: date.optional(), end_date: date.optional() }).superRefine((b, ctx) => {
  if (b.start_date && b.end_date && b.end_date < b.start_date)
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: `must not be before start_date (${b.start_date})` });
});
export type RebuildBody = z.infer<typeof rebuildBody>;
