// The event kinds, one declaration each: the wire schema, the camera capability it needs, and how its numbers are
// named in /live and /history. No node: imports (the web type-check reads it through read-contract.ts);
// events.ts re-exports all of it. A new kind: its schema, EVENT_TYPES, CAPABILITIES (when it brings a new
// capability), CAPABILITY_FOR_EVENT, storeEventSchema and SUBJECT_METRICS here — then backend/src/ingest/event-kinds.ts,
// a migration, its edge rule and its entry in edge/src/rules/polygon-rules.ts.
import { z } from 'zod';
import { safeId, safeTimestamp } from './storable.ts';

export const CAPABILITIES = ['entrance', 'zones', 'shelves', 'queue'] as const;
export type Capability = (typeof CAPABILITIES)[number];

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

/** How a subject kind's numbers are named in /live and in each /history bucket (read-contract.ts derives its types from these). */
export interface SubjectMetricNames {
  /** The key of the kind's map (subject id → numbers) in the metrics. */
  group: string;
  /** How many visits (events) were counted. */
  count: string;
  /** Mean duration in seconds, 2 decimals. */
  avg: string;
  /** Longest duration in seconds, 2 decimals (kinds that keep one). */
  max?: string;
  /** Distinct person_keys (edge tracks) seen: an id switch counts a person again, so an upper bound on people (at most one kind). */
  visitors?: string;
}

/** Every kind but the entrance is a subject (zone, shelf, queue …) seen by a person for a while; the entrance counts crossings. */
export const SUBJECT_METRICS = {
  zone: { group: 'zones', count: 'entries', avg: 'avg_dwell', visitors: 'unique_visitors' },
  shelf: { group: 'shelves', count: 'interactions', avg: 'avg_dwell' },
  queue: { group: 'queues', count: 'waits', avg: 'avg_wait', max: 'max_wait' },
} as const satisfies Record<Exclude<EventType, 'entrance'>, SubjectMetricNames>;
export type SubjectEventType = keyof typeof SUBJECT_METRICS;

export const storeEventSchema = z.discriminatedUnion('type', [entrance, zone.superRefine(exitNotBeforeEnter), shelf, queue.superRefine(exitNotBeforeEnter)], {
  error: `must have a "type" of ${EVENT_TYPES.join(', ')}`,
});

export type EntranceEvent = z.infer<typeof entrance>;
export type ZoneEvent = z.infer<typeof zone>;
export type ShelfEvent = z.infer<typeof shelf>;
export type QueueEvent = z.infer<typeof queue>;
export type StoreEvent = z.infer<typeof storeEventSchema>;
