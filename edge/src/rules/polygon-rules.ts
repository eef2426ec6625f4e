// The rules drawn as named polygons (zones, shelves, queues …), one entry per capability: the config key holding
// its polygons, its own per-camera numbers and how its rule is built. The config schema and its checks
// (runtime/config.ts), the start-up banner, the self-test and the pipeline (vision/camera-vision-pipeline.ts) walk
// this table, and so does `wink-edge audit` (its figures per polygon, audit/clip-audit.ts), so a new polygon kind
// on the edge is its rule file and an entry here.
import type { Capability, CAPABILITY_FOR_EVENT, StoreEvent, SubjectEventType } from '../../../shared/src/events.ts';
import type { Polygon } from '../vision/geometry.ts';
import type { FrameRule, PersonKey, UnsentEvent } from './frame-rule.ts';
import { QueueWaitTracker } from './queue-wait.ts';
import { DEFAULT_MIN_SHELF_DWELL_MS, ShelfInteractionDetector } from './shelf-interaction.ts';
import { ZoneDwellTracker, type ZonePresenceOptions, type ZoneVisit } from './zone-dwell.ts';

/** A per-camera number of one polygon rule: its bounds (`unit` for the messages) and its default. */
export interface RuleOption {
  min: number;
  max: number;
  unit: string;
  default: number;
}

/** What every area rule takes besides its polygons: how a person is named, and the presence timing (evaluation overrides). */
export type Presence = Partial<ZonePresenceOptions> & { personKey: PersonKey };

/** An event of any kind as a rule makes it (the outbox assigns event_id). */
export type UnsentStoreEvent = StoreEvent extends infer E ? (E extends StoreEvent ? UnsentEvent<E> : never) : never;

/** A rule built from a camera's polygons; one whose areas are queues reports their lengths (heartbeat `queue_lengths`). */
export interface AreaRule extends FrameRule<UnsentStoreEvent> {
  /** The event the rule makes of one finished visit, or null (e.g. a passer-by at a shelf). */
  eventFor(visit: ZoneVisit): UnsentStoreEvent | null;
  lengths?(): Record<string, number>;
}

/**
 * How `wink-edge audit` reports a polygon rule: per polygon, how many of its events and their mean duration.
 * `count` and `mean` name the figures in the report's JSON; the text reads `<n> <count>, <meanLabel> <x> s` and the
 * comparison with a truth `<event type> <id> <count>` (and `… <meanLabel> s` when `compareMean`).
 */
export interface AuditSpec<Subject extends string = string, Seconds extends string = string> {
  /** The event field naming the polygon. */
  subject: Subject;
  /** The event field holding the duration in seconds. */
  seconds: Seconds;
  count: string;
  mean: string;
  meanLabel: string;
  compareMean: boolean;
}
type EventOf<T> = Extract<StoreEvent, { type: T }>;
type FieldOf<E, V> = { [F in keyof E]-?: E[F] extends V ? F : never }[keyof E] & string;
/** The event type a polygon capability's rule makes (shared CAPABILITY_FOR_EVENT, read backwards). */
type EventFor<C> = { [T in SubjectEventType]: (typeof CAPABILITY_FOR_EVENT)[T] extends C ? T : never }[SubjectEventType];
/** An AuditSpec whose `subject` and `seconds` are fields of the capability's own event (a text and a number). */
type AuditSpecFor<C> = AuditSpec<FieldOf<EventOf<EventFor<C>>, string>, FieldOf<EventOf<EventFor<C>>, number>>;

export interface PolygonRuleSpec {
  /** The camera's config key holding the polygons by name. */
  key: string;
  /** Its row in the start-up banner. */
  label: string;
  /** Its own per-camera numbers (config keys), validated and defaulted like any other key. */
  options: Readonly<Record<string, RuleOption>>;
  /** The rule for the polygons (frame pixels) with the camera's option values. */
  build(areas: Readonly<Record<string, Polygon>>, presence: Presence, options: Readonly<Record<string, number>>): AreaRule;
  /** Its figures in `wink-edge audit`. */
  audit: AuditSpec;
}

export const POLYGON_RULES = {
  zones: {
    key: 'zones',
    label: 'Zones',
    options: {},
    build: (areas, presence) => new ZoneDwellTracker(areas, presence),
    audit: { subject: 'zone_id', seconds: 'dwell_seconds', count: 'visits', mean: 'meanDwellS', meanLabel: 'mean dwell', compareMean: true },
  },
  shelves: {
    key: 'shelves',
    label: 'Shelves',
    options: { min_shelf_dwell_s: { min: 2, max: 3, unit: ' s', default: DEFAULT_MIN_SHELF_DWELL_MS / 1000 } },
    build: (areas, presence, options) => new ShelfInteractionDetector(areas, { ...presence, minDwellMs: options.min_shelf_dwell_s * 1000 }),
    audit: { subject: 'shelf_id', seconds: 'dwell_seconds', count: 'interactions', mean: 'meanDwellS', meanLabel: 'mean dwell', compareMean: false },
  },
  queue: {
    key: 'queues',
    label: 'Queues',
    options: {},
    build: (areas, presence) => new QueueWaitTracker(areas, presence),
    audit: { subject: 'queue_id', seconds: 'wait_seconds', count: 'waits', mean: 'meanWaitS', meanLabel: 'mean wait', compareMean: true },
  },
} as const satisfies { [C in Exclude<Capability, 'entrance'>]: PolygonRuleSpec & { audit: AuditSpecFor<C> } };

export type PolygonCapability = keyof typeof POLYGON_RULES;
type Spec<C extends PolygonCapability> = (typeof POLYGON_RULES)[C];
/** The config keys of the polygons (`zones`, `shelves`, `queues` …). */
export type PolygonKey = Spec<PolygonCapability>['key'];
/** The config keys of the rules' own numbers (`min_shelf_dwell_s` …). */
export type RuleOptionName = { [C in PolygonCapability]: keyof Spec<C>['options'] & string }[PolygonCapability];

/** The entries in declaration order (the order of the rules, of the config keys and of the banner rows). */
export const POLYGON_RULE_LIST = Object.entries(POLYGON_RULES) as [PolygonCapability, PolygonRuleSpec][];
export const POLYGON_KEYS = POLYGON_RULE_LIST.map(([, spec]) => spec.key as PolygonKey);
/** Every rule's own numbers, by config key. */
export const RULE_OPTIONS = Object.fromEntries(POLYGON_RULE_LIST.flatMap(([, spec]) => Object.entries(spec.options))) as Record<RuleOptionName, RuleOption>;

/** A camera's values of one rule's numbers: as configured, else the default. */
export function ruleOptionValues(spec: PolygonRuleSpec, camera: Partial<Record<RuleOptionName, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, camera[name as RuleOptionName] ?? option.default]));
}

/**
 * The event a polygon rule makes of one stay of `personKey` in `subject` (the self-test's and the synthetic pipeline's
 * made-up events are the rules' own). Throws when the rule would make none of it (a stay shorter than its minimum).
 */
export function visitEvent(capability: PolygonCapability, subject: string, enterMs: number, exitMs: number, personKey: string): UnsentStoreEvent {
  const spec: PolygonRuleSpec = POLYGON_RULES[capability];
  const rule = spec.build({}, { personKey: () => personKey }, ruleOptionValues(spec, {}));
  const event = rule.eventFor({ zoneId: subject, trackId: 0, enterMs, exitMs });
  if (!event) throw new Error(`a ${(exitMs - enterMs) / 1000} s stay makes no ${capability} event`);
  return event;
}
