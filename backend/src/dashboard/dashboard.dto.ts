import { z } from 'zod';
import { safeTimestamp, unstorableYearReason } from '../../../shared/src/events.ts';
import { slug } from '../admin/admin.dto.ts';
import { isCalendarDate } from '../common/store-clock.ts';

export type TimeBound = { date: string } | { instant: Date };

const BOUND_MESSAGE = "must be a date (2024-01-15, the store's local midnight) or an ISO 8601 timestamp with a time zone (2024-01-15T10:30:00Z)";

const timeBound = z
  .string({ error: BOUND_MESSAGE })
  .transform((raw, ctx): TimeBound => {
    // An un-encoded '+' in a query string arrives as a space: "10:30:00 05:30" meant "10:30:00+05:30".
    const s = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
    if (isCalendarDate(s)) {
      const reason = unstorableYearReason(s);
      if (!reason) return { date: s };
      ctx.addIssue({ code: 'custom', message: reason });
      return z.NEVER;
    }
    const instant = safeTimestamp.safeParse(s);
    if (instant.success) return { instant: new Date(s) };
    // A well-formed timestamp the database cannot take (year 0000, offset +23:59) says why; anything else gets the shape.
    const first = instant.error.issues[0];
    ctx.addIssue({ code: 'custom', message: first.code === 'custom' ? first.message : BOUND_MESSAGE });
    return z.NEVER;
  })
  .meta({ description: BOUND_MESSAGE });

export const storeQuery = z.object({ store_id: slug });

export const historyQuery = z.object({
  store_id: slug,
  from: timeBound,
  to: timeBound,
  granularity: z.enum(['hour', 'day'], { error: 'must be "hour" or "day"' }).default('day'),
});

export type StoreQuery = z.infer<typeof storeQuery>;
export type HistoryQuery = z.infer<typeof historyQuery>;
