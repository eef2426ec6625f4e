// The event contract between the edge and the backend. Both sides import this file, so a field
// renamed here breaks the build on both sides instead of silently dropping data.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { storeEventSchema, type StoreEvent } from './event-kinds.ts';
import { safeId, safeTimestamp, unstorableTextReason } from './storable.ts';

/** Largest batch the ingest API accepts; the edge batches below it. */
export const MAX_EVENTS_PER_BATCH = 1000;
/** Largest request body the ingest API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Edge clocks drift; anything further ahead than this is a broken clock, not an event. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

// What PostgreSQL can store faithfully (storable.ts) and the event kinds (event-kinds.ts) live apart because they have
// no node: imports: the web type-check reads them. Everything imports them from here.
export * from './storable.ts';
export * from './event-kinds.ts';

/** Heartbeat `status_data`: at most this many levels of objects/arrays (the top object is level 1) … */
export const MAX_STATUS_DEPTH = 8;
/** … and at most this many bytes as JSON (UTF-8). */
export const MAX_STATUS_BYTES = 16 * 1024;

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
