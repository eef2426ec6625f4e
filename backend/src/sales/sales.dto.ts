import { z } from 'zod';
import { safeId, safeTimestamp, slug } from '../../../shared/src/storable.ts';

/** Rows (hours or receipts) one request or CSV file may carry: a year of hours of one store, with room. */
export const MAX_SALES_ROWS = 10_000;

const amount = z
  .number({ error: 'must be a number ≥ 0' })
  .nonnegative('must be a number ≥ 0')
  .max(1e12, 'must be at most 1000000000000')
  .refine((n) => Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-6, 'must have at most 3 decimals');
const count = z.int({ error: 'must be a whole number ≥ 0' }).nonnegative('must be a whole number ≥ 0').max(10_000_000, 'must be at most 10000000');
export const currencySchema = z
  .string({ error: 'is required' })
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as GBP or EUR')
  .meta({ description: "The store's currency (ISO 4217); a store reports in one currency" });

/** One store-local hour of sales: `hour` is the instant the hour starts (any offset, e.g. 2026-12-01T10:00:00+01:00). */
export const salesHourSchema = z.strictObject({
  hour: safeTimestamp,
  transactions: count,
  sales_amount: amount,
  units: count.nullable().optional(),
});

/** One receipt: rolled into the store-local hour of `ts`. A receipt id is stored once per store; re-sent with other numbers, it is corrected. */
export const salesReceiptSchema = z.strictObject({
  receipt_id: safeId,
  ts: safeTimestamp,
  amount,
  units: count.nullable().optional(),
});

/** No id may repeat within one request: "the same hour twice" has no single meaning. */
function noRepeats<T>(items: T[] | undefined, key: (t: T) => string | number, field: string, name: string, ctx: z.RefinementCtx, path: string): void {
  const seen = new Map<string | number, number>();
  for (const [i, item] of (items ?? []).entries()) {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [path, i, field], message: `repeats ${path}[${first}]'s ${name}` });
      return;
    }
    seen.set(k, i);
  }
}

/** POST /api/sales: the hours of one store (`rows`) or its receipts (`receipts`), all stored or none. */
export const salesBatchSchema = z
  .strictObject({
    store_id: slug,
    currency: currencySchema,
    rows: z.array(salesHourSchema, { error: 'must be an array of hours' }).min(1, 'must not be empty').max(MAX_SALES_ROWS).optional(),
    receipts: z.array(salesReceiptSchema, { error: 'must be an array of receipts' }).min(1, 'must not be empty').max(MAX_SALES_ROWS).optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.rows === undefined) === (b.receipts === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['rows'], message: 'send either rows (hourly totals) or receipts, not both or neither' });
      return;
    }
    noRepeats(b.rows, (r) => Date.parse(r.hour), 'hour', 'hour', ctx, 'rows');
    noRepeats(b.receipts, (r) => r.receipt_id, 'receipt_id', 'receipt_id', ctx, 'receipts');
  });

export const salesCsvQuery = z.object({ currency: currencySchema });

export type SalesHourDto = z.infer<typeof salesHourSchema>;
export type SalesReceiptDto = z.infer<typeof salesReceiptSchema>;
export type SalesBatchDto = z.infer<typeof salesBatchSchema>;

/** What a write did: hours new, corrected (old numbers logged) and re-sent unchanged. */
export interface SalesWriteOutcome {
  stores: string[];
  hours: number;
  inserted: number;
  corrected: number;
  unchanged: number;
}
