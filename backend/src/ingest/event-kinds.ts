import { SUBJECT_METRICS, type EventType, type StoreEvent, type SubjectEventType, type SubjectMetricNames } from '../../../shared/src/events.ts';

// The backend's one declaration per event kind (the wire schema, EVENT_TYPES, CAPABILITY_FOR_EVENT and the names of
// its numbers in /live and /history, SUBJECT_METRICS, are the shared contract's: shared/src/event-kinds.ts).
// Everything that used to spell the kinds out by hand is generated from EVENT_KINDS: the batch insert (below), the
// event readers (store-events.reader.ts, store-totals.reader.ts), the live counters and their Lua
// (dashboard/live-counters.ts, live-scripts.ts, live-store-metrics.service.ts) and the rollup trigger; the read
// contract's metric types (shared/src/read-contract.ts) derive from SUBJECT_METRICS. A new kind touches five files
// (measured by adding a `fitting_room` kind in a scratch worktree: type-checks, edge and web included):
// 1. shared/src/event-kinds.ts: its schema, EVENT_TYPES, CAPABILITIES, CAPABILITY_FOR_EVENT, storeEventSchema,
// SUBJECT_METRICS; 2. an entry here; 3. a new migration file creating its table (partitioned by month on ts, with the (store_id, camera_id,
// event_id, ts) unique index and a (store_id, ts) index, and widening the CHECKs on cameras.capabilities and the rollups'
// kind) — migrations are found in their folder, not listed (database/migrations/index.ts); 4. its edge rule
// (edge/src/rules/); 5. its entry in the edge's polygon rules (edge/src/rules/polygon-rules.ts, its `audit` figures
// included: `wink-edge audit` walks the table). The live-counter tests, the ingest bench and the migrations test walk
// the registries. Tests that pin today's list of kinds in a message or an answer then need their expected values
// updated: shared/src/events.spec.ts and backend/test/ingest.e2e.spec.ts (the unknown-type message),
// edge/src/runtime/config.spec.ts (the unknown-capability message), edge/src/runtime/banner.spec.ts (a banner row
// per kind), backend/test/dashboard/dashboard-live.e2e.spec.ts and dashboard-history.e2e.spec.ts (an empty group).
//
// `entrance` is the one kind without a subject: its rows count `in`/`out` crossings (footfall, occupancy, opening
// ranges), which the readers and counters handle apart. Every other kind is "a subject (zone, shelf, queue …)
// seen by a person, with a duration": count, duration sum in integer ms, optional maximum, optional distinct visitors.

/** An event of one kind, as the shared contract declares it. */
export type EventOf<K extends EventType> = Extract<StoreEvent, { type: K }>;

/** A column of the kind's table besides org/store/camera/event_id/ts/person_key: [name, PostgreSQL type, read from the event]. */
type Column<K extends EventType> = readonly [name: string, pgType: string, read: (e: EventOf<K>) => unknown];

/**
 * How a subject kind is counted live: its numbers in the counters and in /live and /history are named by the shared
 * contract (SUBJECT_METRICS: `group`, `count`, `avg`, `max`, `visitors`); the backend adds its Redis hash fields
 * (a 2-letter prefix + ':' + subject id) and the counter names of its millisecond sums.
 */
interface LiveSpec extends SubjectMetricNames {
  /** One letter naming the kind in the batches handed to the Lua scripts. */
  code: string;
  /** Hash-field prefix of the count. */
  countField: string;
  /** Duration sum in ms: counter field and hash-field prefix (its mean in seconds is the /live `avg`). */
  ms: string;
  msField: string;
  /** Maximum duration in ms: counter field and hash-field prefix (the /live `max` in seconds). */
  maxMs?: string;
  maxField?: string;
}
type Metrics<K extends SubjectEventType> = (typeof SUBJECT_METRICS)[K];
/** A kind's live spec as declared: its shared names, and `maxMs`/`maxField` exactly when they name a `max`. */
type LiveSpecOf<K extends SubjectEventType> = Metrics<K> &
  Omit<LiveSpec, keyof SubjectMetricNames | 'maxMs' | 'maxField'> &
  (Metrics<K> extends { max: string } ? Required<Pick<LiveSpec, 'maxMs' | 'maxField'>> : unknown);

interface KindSpec<K extends EventType> {
  table: string;
  /** The column naming what the event is about (null: the entrance, counted by direction). */
  subject: string | null;
  /** The column of its duration in seconds (null: none). */
  duration: string | null;
  /** The kind's own columns in insert order (subject and duration included). */
  columns: readonly Column<K>[];
  /** How it is counted live (subject kinds only). */
  live: K extends SubjectEventType ? LiveSpecOf<K> : null;
}

export const EVENT_KINDS = {
  entrance: {
    table: 'entrance_events',
    subject: null,
    duration: null,
    columns: [['direction', 'text', (e) => e.direction]],
    live: null,
  },
  zone: {
    table: 'zone_events',
    subject: 'zone_id',
    duration: 'dwell_seconds',
    columns: [
      ['zone_id', 'text', (e) => e.zone_id],
      ['enter_ts', 'timestamptz', (e) => e.enter_ts],
      ['exit_ts', 'timestamptz', (e) => e.exit_ts],
      ['dwell_seconds', 'float8', (e) => e.dwell_seconds],
    ],
    live: { ...SUBJECT_METRICS.zone, code: 'z', countField: 'zn', ms: 'dwellMs', msField: 'zd' },
  },
  shelf: {
    table: 'shelf_interactions',
    subject: 'shelf_id',
    duration: 'dwell_seconds',
    columns: [
      ['shelf_id', 'text', (e) => e.shelf_id],
      ['dwell_seconds', 'float8', (e) => e.dwell_seconds],
    ],
    live: { ...SUBJECT_METRICS.shelf, code: 's', countField: 'sn', ms: 'dwellMs', msField: 'sd' },
  },
  queue: {
    table: 'queue_events',
    subject: 'queue_id',
    duration: 'wait_seconds',
    columns: [
      ['queue_id', 'text', (e) => e.queue_id],
      ['enter_ts', 'timestamptz', (e) => e.enter_ts],
      ['exit_ts', 'timestamptz', (e) => e.exit_ts],
      ['wait_seconds', 'float8', (e) => e.wait_seconds],
    ],
    live: { ...SUBJECT_METRICS.queue, code: 'q', countField: 'qn', ms: 'waitMs', msField: 'qw', maxMs: 'maxWaitMs', maxField: 'qm' },
  },
} as const satisfies { [K in EventType]: KindSpec<K> };

export type EventKind = keyof typeof EVENT_KINDS;
/** The kinds in declaration order (the order of the batch insert's CTEs and of every generated UNION). */
export const KINDS = Object.keys(EVENT_KINDS) as EventKind[];
/** The kinds with a subject: everything but the entrance. */
export type SubjectKind = { [K in EventKind]: (typeof EVENT_KINDS)[K]['subject'] extends string ? K : never }[EventKind];

export interface SubjectKindSpec {
  kind: SubjectKind;
  table: string;
  subject: string;
  duration: string | null;
  live: LiveSpec;
}
/** The subject kinds with their specs, in declaration order. */
export const SUBJECT_KINDS: readonly SubjectKindSpec[] = KINDS.flatMap((kind) => {
  const spec: KindSpec<EventType> = EVENT_KINDS[kind] as KindSpec<EventType>;
  return spec.subject && spec.live ? [{ kind: kind as SubjectKind, table: spec.table, subject: spec.subject, duration: spec.duration, live: spec.live }] : [];
});
/** The subject kind whose distinct visitors are counted (one HyperLogLog per subject, keyed by its id alone). */
export const VISITORS_KIND: SubjectKindSpec = (() => {
  const found = SUBJECT_KINDS.filter((s) => s.live.visitors);
  if (found.length !== 1) throw new Error(`exactly one event kind may count distinct visitors (found ${found.length})`);
  return found[0];
})();
export const ENTRANCE = EVENT_KINDS.entrance;

/** Per kind, a list (e.g. the rows of a batch by kind). */
export type EventsByKind<Extra = unknown> = { [K in EventKind]: (EventOf<K> & Extra)[] };

/** An empty list per kind. */
export function emptyByKind<Extra = unknown>(): EventsByKind<Extra> {
  return Object.fromEntries(KINDS.map((k) => [k, []])) as unknown as EventsByKind<Extra>;
}

/** The subject id of a subject kind's event. */
export function subjectOf(spec: SubjectKindSpec, e: StoreEvent): string {
  return (e as unknown as Record<string, string>)[spec.subject];
}

/** The duration in seconds of an event (0 for a kind without one). */
export function secondsOf(spec: SubjectKindSpec, e: StoreEvent): number {
  return spec.duration ? (e as unknown as Record<string, number>)[spec.duration] : 0;
}

type ColumnSpec = readonly [string, string, (e: never) => unknown];

/**
 * ONE statement per batch: a data-modifying CTE per kind, each an INSERT … SELECT FROM unnest(arrays) with
 * ON CONFLICT DO NOTHING on (store, camera, event_id, ts) — the tables are partitioned by month on ts, and PostgreSQL
 * wants the partition key in every unique index; an edge re-send carries the same ts, so it still collides. One statement is atomic on its own and costs one round
 * trip; RETURNING tells which rows were new. `$1..$3` are org/store/camera, then each kind's arrays in KINDS order
 * ({@link batchInsertParams}).
 */
export const BATCH_INSERT_SQL = (() => {
  let n = 4;
  const ctes = KINDS.map((kind) => {
    const { table, columns } = EVENT_KINDS[kind];
    const specs = [['event_id', 'text'], ['ts', 'timestamptz'], ['person_key', 'text'], ...(columns as readonly ColumnSpec[])];
    const arrays = specs.map(([, type]) => `$${n++}::${type}[]`).join(', ');
    return `${kind} AS (INSERT INTO ${table} (org_id, store_id, camera_id, ${specs.map(([c]) => c).join(', ')})
      SELECT $1::uuid, $2, $3, * FROM unnest(${arrays})
      ON CONFLICT (store_id, camera_id, event_id, ts) DO NOTHING RETURNING event_id)`;
  });
  return `WITH ${ctes.join(',\n')}\n${KINDS.map((k) => `SELECT '${k}' AS kind, event_id FROM ${k}`).join(' UNION ALL ')}`;
})();

/** The parameters of {@link BATCH_INSERT_SQL} for a batch split by kind. */
export function batchInsertParams(scope: { orgId: string; storeId: string; cameraId: string }, byKind: EventsByKind<{ event_id: string }>): unknown[] {
  const params: unknown[] = [scope.orgId, scope.storeId, scope.cameraId];
  for (const kind of KINDS) {
    const events = byKind[kind] as (StoreEvent & { event_id: string })[];
    params.push(
      events.map((e) => e.event_id),
      events.map((e) => e.ts),
      events.map((e) => e.person_key),
    );
    for (const [, , read] of EVENT_KINDS[kind].columns as readonly ColumnSpec[]) params.push(events.map((e) => (read as (e: unknown) => unknown)(e)));
  }
  return params;
}

/** `SELECT …` of every kind's table joined by UNION ALL: `select(kind, table)` writes one arm. */
export function unionOverKinds(select: (kind: EventKind, table: string) => string): string {
  return KINDS.map((k) => select(k, EVENT_KINDS[k].table)).join('\n  UNION ALL ');
}
