// Which month partitions must exist and which have expired: pure, UTC months, no database. The service that
// applies the plan is time-partitions.service.ts.

/** A UTC calendar month, [fromMs, toMs). `key` is YYYYMM, the suffix of its partitions' names. */
export interface Month {
  key: string;
  fromMs: number;
  toMs: number;
}

/** Months created ahead of the current one, so the default partition takes only the unexpected. Declared once. */
export const PARTITION_MONTHS_AHEAD = 3;

/** The UTC month `offset` months after the one holding `ms`. */
export function monthOf(ms: number, offset = 0): Month {
  const d = new Date(ms);
  const fromMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
  const from = new Date(fromMs);
  return {
    key: `${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`,
    fromMs,
    toMs: Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1),
  };
}

/** The month of a YYYYMM key, or null when it is not one. */
export function monthOfKey(key: string): Month | null {
  const m = /^(\d{4})(\d{2})$/.exec(key);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
  return monthOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

/** The partition of `table` for a month. */
export function partitionName(table: string, month: Month): string {
  return `${table}_p${month.key}`;
}

/** The month a partition of `table` holds, from its name; null for the default partition or a foreign one. */
export function monthOfPartition(table: string, name: string): Month | null {
  return name.startsWith(`${table}_p`) ? monthOfKey(name.slice(table.length + 2)) : null;
}

/** The months that must exist at `nowMs`: this one and the next `ahead`, oldest first. */
export function monthsToHave(nowMs: number, ahead = PARTITION_MONTHS_AHEAD): Month[] {
  return Array.from({ length: ahead + 1 }, (_, i) => monthOf(nowMs, i));
}

/** Of `wanted`, those whose key is not in `existing`. */
export function missingMonths(existing: readonly Month[], wanted: readonly Month[]): Month[] {
  const have = new Set(existing.map((m) => m.key));
  return wanted.filter((m) => !have.has(m.key));
}

/** How long rows are kept: whole calendar months, or days. */
export type KeepFor = { months: number } | { days: number };

/** The instant before which rows kept `keep` have expired at `nowMs` (calendar months in UTC, clamped to the month's end). */
export function expiryCutoff(nowMs: number, keep: KeepFor): number {
  if ('days' in keep) return nowMs - keep.days * 86_400_000;
  const d = new Date(nowMs);
  const month = monthOf(nowMs, -keep.months);
  const lastDay = new Date(month.toMs - 86_400_000).getUTCDate();
  return Date.UTC(
    new Date(month.fromMs).getUTCFullYear(),
    new Date(month.fromMs).getUTCMonth(),
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** The months wholly before `cutoffMs` (every row in them has expired), oldest first: the partitions to drop. */
export function expiredMonths(existing: readonly Month[], cutoffMs: number): Month[] {
  return existing.filter((m) => m.toMs <= cutoffMs).sort((a, b) => a.fromMs - b.fromMs);
}
