import { parseSalesCsv } from './sales-csv.ts';

describe('parseSalesCsv', () => {
  const ok = (text: string) => {
    const r = parseSalesCsv(text, 'store_a');
    if (!r.ok) throw new Error(`${r.field}: ${r.message}`);
    return r.rows;
  };

  it.each([
    ['the three required columns', 'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,12,340.5\n', [{ transactions: 12, sales_amount: 340.5 }]],
    [
      'units, columns in any order, CRLF and a BOM',
      '\uFEFFsales_amount,units,hour,transactions\r\n10,3,2026-12-01T10:00:00Z,1\r\n',
      [{ sales_amount: 10, units: 3 }],
    ],
    ['an empty units cell as null', 'hour,transactions,sales_amount,units\n2026-12-01T10:00:00Z,1,2,\n', [{ units: null }]],
    ['quoted cells', 'hour,transactions,sales_amount\n"2026-12-01T10:00:00Z","4","9.99"\n', [{ transactions: 4, sales_amount: 9.99 }]],
  ])('reads %s', (_what, text, expected) => {
    expect(ok(text)).toMatchObject(expected);
  });

  it('rows without a store_id are the default store; a store_id column names others', () => {
    const rows = ok('store_id,hour,transactions,sales_amount\nstore_b,2026-12-01T10:00:00Z,1,2\n,2026-12-01T10:00:00Z,3,4\n');
    expect(rows.map((r) => r.store_id)).toEqual(['store_b', 'store_a']);
  });

  it.each([
    [
      'a negative amount',
      'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,1,5\n2026-12-01T11:00:00Z,1,-3\n',
      'rows[1].sales_amount',
      '(line 3) must be a number ≥ 0',
    ],
    ['text as a count', 'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,many,5\n', 'rows[0].transactions', '(line 2) must be a whole number ≥ 0'],
    ['a fractional count', 'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,1.5,5\n', 'rows[0].transactions', '(line 2) must be a whole number ≥ 0'],
    ['a missing amount', 'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,1,\n', 'rows[0].sales_amount', '(line 2) is required'],
    ['a time without a zone', 'hour,transactions,sales_amount\n2026-12-01 10:00,1,5\n', 'rows[0].hour', '(line 2) must be an ISO 8601 timestamp'],
    [
      'the same hour twice',
      'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,1,5\n2026-12-01T10:00:00+00:00,2,6\n',
      'rows[1].hour',
      "(line 3) repeats rows[0]'s hour",
    ],
    ['an unknown column', 'hour,transactions,sales_amount,tax\n', 'header.tax', 'is not a known column'],
    ['a missing column', 'hour,sales_amount\n2026-12-01T10:00:00Z,5\n', 'header.transactions', 'is a required column'],
    ['a header alone', 'hour,transactions,sales_amount\n', 'rows', 'must not be empty'],
    ['an empty file', '', 'body', 'is empty'],
    ['a ragged row', 'hour,transactions,sales_amount\n2026-12-01T10:00:00Z,1\n', 'body', 'is not valid CSV'],
  ])('refuses %s, naming the row and field', (_what, text, field, message) => {
    const r = parseSalesCsv(text, 'store_a');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.field).toBe(field);
    expect(r.message).toContain(message);
  });
});
