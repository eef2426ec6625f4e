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

const isoTimestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp with a time zone (e.g. 2024-01-15T10:30:00Z)' });
const id = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');
/** A visit longer than a day is a tracking fault, not a shopper. */
const MAX_DURATION_S = 86_400;
const seconds = z
  .number({ error: 'must be a number of seconds' })
  .finite()
  .min(0, 'must not be negative')
  .max(MAX_DURATION_S, `must be at most ${MAX_DURATION_S} (one day)`);

const entrance = z.strictObject({
  type: z.literal('entrance'),
  event_id: id.optional(),
  ts: isoTimestamp,
  direction: z.enum(['in', 'out'], { error: 'must be "in" or "out"' }),
  person_key: id,
});

const zone = z.strictObject({
  type: z.literal('zone'),
  event_id: id.optional(),
  ts: isoTimestamp,
  zone_id: id,
  enter_ts: isoTimestamp,
  exit_ts: isoTimestamp,
  dwell_seconds: seconds,
  person_key: id,
});

const shelf = z.strictObject({
  type: z.literal('shelf'),
  event_id: id.optional(),
  ts: isoTimestamp,
  shelf_id: id,
  dwell_seconds: seconds,
  person_key: id,
});

const queue = z.strictObject({
  type: z.literal('queue'),
  event_id: id.optional(),
  ts: isoTimestamp,
  queue_id: id,
  enter_ts: isoTimestamp,
  exit_ts: isoTimestamp,
  wait_seconds: seconds,
  person_key: id,
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

export const storeEventSchema = z.discriminatedUnion(
  'type',
  [entrance, zone.superRefine(exitNotBeforeEnter), shelf, queue.superRefine(exitNotBeforeEnter)],
  { error: `must have a "type" of ${EVENT_TYPES.join(', ')}` },
);

export type EntranceEvent = z.infer<typeof entrance>;
export type ZoneEvent = z.infer<typeof zone>;
export type ShelfEvent = z.infer<typeof shelf>;
export type QueueEvent = z.infer<typeof queue>;
export type StoreEvent = z.infer<typeof storeEventSchema>;

const batchScope = {
  org_id: id,
  store_id: id,
  camera_id: id,
  device_ts: isoTimestamp,
};

export const eventBatchSchema = z.strictObject({
  ...batchScope,
  events: z.array(storeEventSchema, { error: 'must be an array of events' }).max(MAX_EVENTS_PER_BATCH),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;

export const heartbeatSchema = z.strictObject({
  ...batchScope,
  status_data: z.record(z.string(), z.unknown(), { error: 'must be an object' }).default({}),
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
  const canonical = JSON.stringify(Object.keys(content).sort().map((k) => [k, (content as Record<string, unknown>)[k]]));
  return 'sha256:' + createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}
