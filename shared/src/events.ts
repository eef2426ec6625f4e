// The event contract between the edge and the backend. Both sides import this file, so a field
// renamed here breaks the build on both sides instead of silently dropping data.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const CAPABILITIES = ['entrance', 'zones', 'shelves', 'queue'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Largest batch the ingest API accepts; the edge batches below it. */
export const MAX_EVENTS_PER_BATCH = 1000;
/** Largest request body the ingest API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Edge clocks drift; anything further ahead than this is a broken clock, not an event. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

// ── What PostgreSQL can store faithfully ───────────────────────────────────────────────────────────
// Declared once here and reused by every DTO (ingest, admin, dashboard, analytics): a value that passes
// these is stored as sent, and one that does not is a 400 naming its field, never a 500 from the database.

/** Years a timestamp or date may name (PostgreSQL refuses year 0000; nothing the product counts is older or newer). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
/** The largest UTC offset PostgreSQL accepts is under 16 hours; real zones span −12:00 … +14:00. */
export const MAX_OFFSET_MINUTES = 15 * 60 + 59;
/** Heartbeat `status_data`: at most this many levels of objects/arrays (the top object is level 1) … */
export const MAX_STATUS_DEPTH = 8;
/** … and at most this many bytes as JSON (UTF-8). */
export const MAX_STATUS_BYTES = 16 * 1024;

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

/** A visit longer than a day is a tracking fault, not a shopper. */
const MAX_DURATION_S = 86_400;
const seconds = z
  .number({ error: 'must be a number of seconds' })
  .finite()
  .min(0, 'must not be negative')
  .max(MAX_DURATION_S, `must be at most ${MAX_DURATION_S} (one day)`);

const entrance = z.strictObject({
  type: z.literal('entrance'),
  event_id: safeId.optional(),
  ts: safeTimestamp,
  direction: z.enum(['in', 'out'], { error: 'must be "in" or "out"' }),
  person_key: safeId,
});

const zone = z.strictObject({
  type: z.literal('zone'),
  event_id: safeId.optional(),
  ts: safeTimestamp,
  zone_id: safeId,
  enter_ts: safeTimestamp,
  exit_ts: safeTimestamp,
  dwell_seconds: seconds,
  person_key: safeId,
});

const shelf = z.strictObject({
  type: z.literal('shelf'),
  event_id: safeId.optional(),
  ts: safeTimestamp,
  shelf_id: safeId,
  dwell_seconds: seconds,
  person_key: safeId,
});

const queue = z.strictObject({
  type: z.literal('queue'),
  event_id: safeId.optional(),
  ts: safeTimestamp,
  queue_id: safeId,
  enter_ts: safeTimestamp,
  exit_ts: safeTimestamp,
  wait_seconds: seconds,
  person_key: safeId,
});

const exitNotBeforeEnter = (e: { enter_ts: string; exit_ts: string }, ctx: z.RefinementCtx) => {
  if (Date.parse(e.exit_ts) < Date.parse(e.enter_ts)) {
    ctx.addIssue({ code: 'custom', path: ['exit_ts'], message: 'must not be before enter_ts' });
  }
};

export const EVENT_TYPES = ['entrance', 'zone', 'shelf', 'queue'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The camera capability an event kind needs: a camera sends only the kinds it was set up for. */
export const CAPABILITY_FOR_EVENT = { entrance: 'entrance', zone: 'zones', shelf: 'shelves', queue: 'queue' } as const satisfies Record<EventType, Capability>;

export const storeEventSchema = z.discriminatedUnion('type', [entrance, zone.superRefine(exitNotBeforeEnter), shelf, queue.superRefine(exitNotBeforeEnter)], {
  error: `must have a "type" of ${EVENT_TYPES.join(', ')}`,
});

export type EntranceEvent = z.infer<typeof entrance>;
export type ZoneEvent = z.infer<typeof zone>;
export type ShelfEvent = z.infer<typeof shelf>;
export type QueueEvent = z.infer<typeof queue>;
export type StoreEvent = z.infer<typeof storeEventSchema>;

const batchScope = {
  org_id: safeId,
  store_id: safeId,
  camera_id: safeId,
  device_ts: safeTimestamp,
};

export const eventBatchSchema = z.strictObject({
  ...batchScope,
  events: z.array(storeEventSchema, { error: 'must be an array of events' }).max(MAX_EVENTS_PER_BATCH),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;

/** The first thing in a status_data value that PostgreSQL's jsonb would refuse or mangle, as a path and a reason. */
function unstorableJson(value: unknown, path: PropertyKey[], depth: number): { path: PropertyKey[]; message: string } | null {
  if (typeof value === 'string') {
    const message = unstorableTextReason(value);
    return message ? { path, message } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_STATUS_DEPTH) return { path, message: `is nested more than ${MAX_STATUS_DEPTH} levels deep` };
  for (const [key, child] of Object.entries(value)) {
    const keyReason = Array.isArray(value) ? null : unstorableTextReason(key);
    if (keyReason) return { path, message: `keys ${keyReason}` };
    const found = unstorableJson(child, [...path, Array.isArray(value) ? Number(key) : key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** A camera's free-form status: a JSON object, at most MAX_STATUS_DEPTH levels and MAX_STATUS_BYTES as JSON. */
export const statusDataSchema = z.record(z.string(), z.unknown(), { error: 'must be an object' }).superRefine((data, ctx) => {
  const found = unstorableJson(data, [], 1);
  if (found) return ctx.addIssue({ code: 'custom', path: found.path, message: found.message, input: data });
  const bytes = new TextEncoder().encode(JSON.stringify(data)).length;
  if (bytes > MAX_STATUS_BYTES) ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_STATUS_BYTES} bytes as JSON (is ${bytes})`, input: data });
});

// Declared in status-data.ts (no node: imports there, so the web dashboard can use its types).
export { knownStatusDataSchema, readStatusData, STREAM_STATES, type KnownStatusData, type StreamStateName } from './status-data.ts';

export const heartbeatSchema = z.strictObject({
  ...batchScope,
  status_data: statusDataSchema.default({}),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** Renders a zod path the way an operator reads it: `events[3].dwell_seconds`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

export interface ContractViolation {
  field: string;
  message: string;
  event_index?: number;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = input;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** The first problem zod found in `input`, phrased with its field path (`events[3].dwell_seconds`). */
export function describeIssue(error: z.ZodError, input: unknown): ContractViolation {
  const issue = error.issues[0];
  const field = formatPath(issue.path);
  const event_index = issue.path[0] === 'events' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
  let message = issue.message;
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) message = 'is required';
  if (issue.code === 'unrecognized_keys') {
    return { field: formatPath([...issue.path, issue.keys[0]]), message: 'is not a known field', event_index };
  }
  return { field, message, event_index };
}

/** Timestamps further ahead than the allowed skew mean a broken edge clock; find the first one. */
export function findFutureTimestamp(batch: EventBatch, nowMs: number): ContractViolation | null {
  const limit = nowMs + MAX_FUTURE_SKEW_MS;
  for (const [i, e] of batch.events.entries()) {
    for (const key of ['ts', 'enter_ts', 'exit_ts'] as const) {
      const value = (e as Record<string, unknown>)[key];
      if (typeof value === 'string' && Date.parse(value) > limit) {
        return { field: `events[${i}].${key}`, message: 'is more than 5 minutes in the future', event_index: i };
      }
    }
  }
  return null;
}

/**
 * A stable id for an event that came without one: the same content always gives the same id, so a
 * batch re-sent by an edge that never generated ids is still stored once.
 */
export function deriveEventId(e: StoreEvent): string {
  const { event_id: _ignored, ...content } = e;
  const canonical = JSON.stringify(
    Object.keys(content)
      .sort()
      .map((k) => [k, (content as Record<string, unknown>)[k]]),
  );
  return 'sha256:' + createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
