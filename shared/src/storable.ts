// What PostgreSQL can store faithfully, declared once and reused by every DTO (ingest, admin, dashboard,
// analytics): a value that passes these is stored as sent, and one that does not is a 400 naming its field,
// never a 500 from the database. No node: imports, so the web type-check can read the event kinds built on it;
// events.ts re-exports all of it.
import { z } from 'zod';

/** Years a timestamp or date may name (PostgreSQL refuses year 0000; nothing the product counts is older or newer). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
/** The largest UTC offset PostgreSQL accepts is under 16 hours; real zones span −12:00 … +14:00. */
export const MAX_OFFSET_MINUTES = 15 * 60 + 59;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why `s` cannot be stored as sent, or null. PostgreSQL refuses NUL in text and jsonb; a lone surrogate
 * half is not Unicode at all and would be stored as U+FFFD (so `r-\ud800` and `r-\ud801` became one id).
 */
export function unstorableTextReason(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (no lone surrogate such as \\ud800)';
  return null;
}

/** Why the year of a `YYYY-…` date or timestamp is out of range, or null (also null for strings of another shape). */
export function unstorableYearReason(s: string): string | null {
  const m = /^(\d{4})-/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  return year < MIN_YEAR || year > MAX_YEAR ? `must be in the years ${MIN_YEAR} to ${MAX_YEAR}` : null;
}

const reasonCheck = (reason: (s: string) => string | null) =>
  z.superRefine<string>((s, ctx) => {
    const message = reason(s);
    if (message) ctx.addIssue({ code: 'custom', message, input: s });
  });

/** `.check(storableText)` on any string schema: no NUL, no lone surrogate. */
export const storableText = reasonCheck(unstorableTextReason);
/** `.check(storableYear)` on any date or timestamp string: years MIN_YEAR … MAX_YEAR. */
export const storableYear = reasonCheck(unstorableYearReason);

/** Why the UTC offset of an ISO timestamp is beyond ±15:59, or null. */
function unstorableOffsetReason(s: string): string | null {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(s);
  if (!m || Number(m[2]) * 60 + Number(m[3]) <= MAX_OFFSET_MINUTES) return null;
  return 'must have a UTC offset between -15:59 and +15:59';
}

/** An ISO 8601 timestamp with a zone that PostgreSQL stores as the same instant. */
export const safeTimestamp = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 timestamp with a time zone (e.g. 2024-01-15T10:30:00Z)' })
  .check(storableYear, reasonCheck(unstorableOffsetReason));

/** Ids and keys (event, org/store/camera scope, person, zone, shelf, queue): trimmed, 1-128 characters, no controls. */
export const safeId = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
  .check(storableText);

/**
 * Store and camera ids as the admin API creates them (and every reader and tool validates against): 1-64 letters,
 * digits, `_ . -`. Events carry them as any {@link safeId}: an id that is no store's is refused by the edge key's scope.
 */
export const SLUG_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const SLUG_RULE = 'must be 1-64 characters of letters, digits, _ . -';
export const slug = z.string({ error: 'is required' }).regex(SLUG_PATTERN, SLUG_RULE);

/** A display name (organisation, store, camera, viewer key): any Unicode text PostgreSQL stores, trimmed, 1-200. */
export const safeName = z.string({ error: 'is required' }).check(storableText).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
