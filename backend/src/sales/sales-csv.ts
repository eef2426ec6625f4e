// CSV sales files (POST /api/admin/stores/:store_id/sales.csv): pure parsing into the same hour rows the API takes,
// so both paths share one validation (salesHourSchema). csv-parse does the quoting and line endings.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { describeIssue } from '../../../shared/src/events.ts';
import { slug } from '../../../shared/src/storable.ts';
import { MAX_SALES_ROWS, salesHourSchema, type SalesHourDto } from './sales.dto.ts';

const REQUIRED = ['hour', 'transactions', 'sales_amount'] as const;
const KNOWN = new Set<string>([...REQUIRED, 'units', 'store_id']);
const NUMBER = /^\d+(\.\d+)?$/;

export type CsvSalesRow = SalesHourDto & { store_id: string };
export type CsvParseResult = { ok: true; rows: CsvSalesRow[] } | { ok: false; field: string; message: string };

const csvRowSchema = salesHourSchema.extend({ store_id: slug });

/** A cell as the schema should see it: numbers as numbers, empty as absent; anything else stays text for zod to name. */
function cell(column: string, value: string): unknown {
  if (value === '') return column === 'units' ? null : undefined;
  if (column === 'transactions' || column === 'sales_amount' || column === 'units') return NUMBER.test(value) ? Number(value) : value;
  return value;
}

/**
 * Rows of a CSV file with the header `hour,transactions,sales_amount[,units][,store_id]` (any column order);
 * rows without a store_id column (or with it empty) are `defaultStoreId`'s. The first problem is named by its
 * row (`rows[3]`, the fourth data row) and CSV line, and the field.
 */
export function parseSalesCsv(text: string, defaultStoreId: string): CsvParseResult {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    return {
      ok: false,
      field: 'body',
      message: `is not valid CSV${line ? ` (line ${line})` : ''}: ${(e as Error).message.replace(/^Invalid Record Length: /, '')}`,
    };
  }
  if (records.length === 0)
    return { ok: false, field: 'body', message: 'is empty: expected the header hour,transactions,sales_amount[,units] and one row per hour' };
  const header = records[0].map((h) => h.toLowerCase());
  for (const h of header)
    if (!KNOWN.has(h)) return { ok: false, field: `header.${h}`, message: `is not a known column (hour, transactions, sales_amount, units, store_id)` };
  for (const r of REQUIRED) if (!header.includes(r)) return { ok: false, field: `header.${r}`, message: 'is a required column' };
  if (new Set(header).size !== header.length) return { ok: false, field: 'header', message: 'must not repeat a column' };
  const data = records.slice(1);
  if (data.length === 0) return { ok: false, field: 'rows', message: 'must not be empty: the file has a header and no rows' };
  if (data.length > MAX_SALES_ROWS) return { ok: false, field: 'rows', message: `must have at most ${MAX_SALES_ROWS} rows (split the file)` };
  const rows: CsvSalesRow[] = [];
  const seen = new Map<string, number>();
  for (const [i, record] of data.entries()) {
    const input: Record<string, unknown> = {};
    header.forEach((h, k) => {
      const v = cell(h, record[k]);
      if (v !== undefined) input[h] = v;
    });
    input.store_id ??= defaultStoreId;
    const parsed = csvRowSchema.safeParse(input);
    const where = `rows[${i}]`;
    if (!parsed.success) {
      const v = describeIssue(parsed.error as z.ZodError, input);
      return { ok: false, field: `${where}.${v.field}`, message: `(line ${i + 2}) ${v.message}` };
    }
    const key = `${parsed.data.store_id}\u0000${Date.parse(parsed.data.hour)}`;
    const first = seen.get(key);
    if (first !== undefined) return { ok: false, field: `${where}.hour`, message: `(line ${i + 2}) repeats rows[${first}]'s hour` };
    seen.set(key, i);
    rows.push(parsed.data);
  }
  return { ok: true, rows };
}
