/**
 * The read contract: what the dashboard and analytics APIs answer, declared once. The backend services and
 * controllers that build these answers and the web dashboard (web/src/api.ts) both import these types, so a
 * field renamed here breaks both builds. Types only: this module has no runtime code, and its imports are
 * type-only (status-data.ts and event-kinds.ts need zod, not node:), so nothing of it reaches the browser bundle.
 * Docs: docs/dashboard.md, docs/analytics.md, README section 7.
 */
import type { SUBJECT_METRICS } from './event-kinds.ts';
import type { KnownStatusData, StreamStateName } from './status-data.ts';

export type { KnownStatusData, StreamStateName };

// ---- GET /api/dashboard/stores ----

/** Opening hours per ISO weekday name, store-local "HH:MM" ranges ([] = closed that day). */
export type OpeningHours = Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string][]>;
export interface StoreSummary {
  store_id: string;
  name: string;
  timezone: string;
  opening_hours: OpeningHours | null;
  capacity: number | null;
}
export interface StoreListView {
  stores: StoreSummary[];
}

// ---- metrics shared by /live and /history ----

// Each subject kind's numbers, named once in SUBJECT_METRICS (shared/src/event-kinds.ts): a new event kind
// appears in /live and /history, and here, without an edit. Durations are seconds to 2 decimals.

type Names = typeof SUBJECT_METRICS;
type Optional<N, F extends string> = N extends { readonly [K in F]: infer V extends string } ? V : never;
/** One subject's numbers: its count, mean duration, maximum (kinds keeping one) and distinct visitors (zones). */
type SubjectMetrics<N extends Names[keyof Names]> = { [F in N['count'] | Optional<N, 'visitors'> | N['avg'] | Optional<N, 'max'>]: number };

/** `entries`, `unique_visitors` (distinct person_keys: an id switch counts a person again, an upper bound on people), `avg_dwell`. */
export type ZoneMetrics = SubjectMetrics<Names['zone']>;
/** `interactions`, `avg_dwell`. */
export type ShelfMetrics = SubjectMetrics<Names['shelf']>;
/** `waits`, `avg_wait`, `max_wait`. */
export type QueueMetrics = SubjectMetrics<Names['queue']>;
/** Footfall and occupancy, then per subject kind its group (`zones`, `shelves`, `queues` …): subject id → numbers. */
export type LiveMetrics = {
  footfall: number;
  occupancy: number;
} & { [K in keyof Names as Names[K]['group']]: Record<string, SubjectMetrics<Names[K]>> };

// ---- cameras: GET /api/dashboard/cameras, and /live's cameras ----

/**
 * `online`: heard from within the online window and analysing (stream_state `streaming`, or an edge that does
 * not report it); `not_analysing`: heard from, but its stream is starting, reconnecting, stalled, ended,
 * restarting or stopped — no numbers are being made; `offline`: not heard from within the window.
 */
export type CameraState = 'online' | 'not_analysing' | 'offline';

/** A heartbeat's status_data as stored: the known fields (status-data.ts) plus whatever else the edge sent. */
export type HeartbeatStatusData = KnownStatusData & Record<string, unknown>;

export interface CameraStatusView {
  camera_id: string;
  name: string;
  capabilities: string[];
  status: CameraState;
  /** The reported stream_state of the latest heartbeat, or null. */
  stream_state: StreamStateName | null;
  last_heartbeat: string | null;
  status_data: HeartbeatStatusData | null;
}
export interface CamerasView {
  cameras: CameraStatusView[];
}

// ---- GET /api/dashboard/live ----

export interface OccupancyNow {
  /** People inside now: max(0, in − out) since the current opening (since local midnight without hours); 0 while closed. */
  occupancy: number;
  capacity: number | null;
  /** occupancy ÷ capacity to 3 decimals (may exceed 1); null without a capacity. */
  utilisation: number | null;
  /** Open now by the opening hours; null without opening hours. */
  open: boolean | null;
  /** People still counted inside at today's closings so far, closed out (0 without hours). */
  closed_out: number;
  /** Today's opening ranges (store-local "HH:MM"), null without opening hours. */
  opening_hours: [string, string][] | null;
}

/** One queue's length as the latest heartbeat of its camera said, and how old that reading is. */
export interface QueueLengthReading {
  queue_id: string;
  length: number;
  camera_id: string;
  read_at: string;
  age_seconds: number;
}

/** The store-day's numbers as the live service builds them (`occupancy` opening-hours aware). */
export type LiveStoreView = { store_id: string; date: string; timezone: string } & LiveMetrics &
  OccupancyNow & { cameras: CameraStatusView[]; timestamp: string };
/**
 * What GET /api/dashboard/live answers. `sales`: today so far (store-local day) from the POS feed, the
 * conversion made against today's footfall so far; null when the store sent no sales today.
 */
export type LiveView = LiveStoreView & { queue_lengths: QueueLengthReading[]; sales: SalesMeasures | null };

// ---- GET /api/dashboard/history ----

export interface BucketOccupancy {
  /** Occupancy at the end of the bucket, just before any closing at that instant (without hours: in − out since local midnight, as before). */
  occupancy: number;
  /** Time-weighted mean occupancy over the bucket's elapsed part, 2 decimals; null for a bucket not yet begun. */
  occupancy_avg: number | null;
  /** Highest occupancy at any instant of the bucket's elapsed part; null for a bucket not yet begun. */
  occupancy_peak: number | null;
  /** People closed out at closings within the bucket. */
  closed_out: number;
}

/** Share of the bucket really analysed (0–1, null = unknown: before the camera's first heartbeat); see backend/src/ingest/data-completeness.ts. */
export interface BucketCompleteness {
  store: number | null;
  incomplete: boolean;
  cameras: Record<string, number | null>;
}
export type HistoryBucket = { bucket: string } & LiveMetrics &
  BucketOccupancy & {
    completeness: BucketCompleteness;
    /** null when the store sent no sales for the range (no POS connected): nothing is missing then. */
    sales: SalesMeasures | null;
  };

/** A closing at which the people still counted inside were closed out (one row of occupancy_corrections). */
export interface OccupancyCorrectionView {
  date: string;
  opened_at: string;
  closed_at: string;
  count: number;
  reason: string;
  recorded_at: string;
}

export interface StoreHistoryView {
  store_id: string;
  timezone: string;
  granularity: 'hour' | 'day';
  from: string;
  to: string;
  /** A bucket whose store completeness is below this is `incomplete` (its numbers undercount). */
  completeness_threshold: number;
  buckets: HistoryBucket[];
  /** The closings in [from, to] at which people still counted inside were closed out (table occupancy_corrections). */
  corrections: OccupancyCorrectionView[];
}

// ---- analytics reports: GET /api/analytics/spikes, /promo, /reports/:id ----

export type ReportKind = 'spikes' | 'promo' | 'comparison';
export type ReportStatus = 'pending' | 'running' | 'ready' | 'failed';
/** The 202 answer (and the head of every report). */
export interface ReportHead {
  report_id: string;
  kind: ReportKind;
  status: ReportStatus;
  created_at: string;
  poll?: string;
}
export interface Report<R> extends ReportHead {
  result: R;
  completed_at: string | null;
}

/** How a report was computed, in words and parameters (SPIKE_METHOD, PROMO_METHOD in the backend). */
export type ReportMethod = Readonly<Record<string, string | number>>;

export interface SpikeHour {
  local: string;
  utc: string;
  count: number | null;
  expected: number | null;
  threshold: number | null;
  spike: boolean;
  /** Share of the hour the store's entrance cameras really analysed (null: unknown, before heartbeats); below the threshold the hour is not judged. */
  completeness: number | null;
  incomplete: boolean;
}
/** Under-covered hours left out of the report: not judged (period) and not used as baseline points (history). Local ISO times. */
export interface LeftOutHours {
  threshold: number;
  hours: number;
  period_hours: string[];
  baseline_hours: string[];
}
export interface Spike {
  local: string;
  utc: string;
  count: number;
  expected: number;
  threshold: number;
  score: number;
  p_value: number;
  baseline: string;
  baseline_points: number;
}
export interface SpikeResult {
  store_id: string;
  timezone: string;
  days: number;
  start_date: string;
  end_date: string;
  method: ReportMethod;
  summary: { hours: number; hours_with_data: number; hours_without_baseline: number; hours_incomplete: number; footfall: number; spikes: number };
  /** Which hours were left out because their cameras did not really analyse them (local ISO times). */
  left_out: LeftOutHours;
  spikes: Spike[];
  series: SpikeHour[];
}

export interface CountLift {
  kind: 'count';
  unit: 'per_day';
  promo: number;
  baseline: number;
  promo_total: number;
  baseline_total: number;
  lift_abs: number;
  lift_pct: number | null;
  ci95_pct: [number, number | null] | null;
  p_value: number;
  method: 'poisson_exact' | 'quasi_poisson';
  dispersion: number;
  significant: boolean;
}
export interface RatioLift {
  kind: 'ratio';
  promo: number;
  baseline: number;
  lift_abs: number;
  lift_pct: number;
  ci95_abs: [number, number] | null;
  ci95_pct: [number, number] | null;
  method: 'bootstrap_days';
  resamples: number;
  seed: number;
  significant: boolean | null;
}
export interface DidLift {
  /** Lift of the target net of the control stores' change over the same periods. */
  lift_pct: number | null;
  ci95_pct: [number, number] | null;
  p_value: number | null;
  method: 'log_rate_ratio_contrast' | 'bootstrap_days';
  significant: boolean | null;
}
export interface Unavailable {
  available: false;
  reason: string;
}
export type MetricName =
  | 'footfall'
  | 'shelf_interactions'
  | 'interactions_per_visitor'
  | 'avg_dwell_seconds'
  | 'avg_shelf_dwell_seconds'
  | 'avg_queue_wait_seconds'
  | 'conversion_rate'
  | 'sales_per_visitor';

export type PromoBaseline = { mode: 'same_weekdays'; weeks: number } | { mode: 'range'; start_date: string; end_date: string };
export interface PeriodSummary {
  start_date: string;
  end_date: string;
  days: number;
  days_with_data: number;
  missing_dates: string[];
  /** Days left out because an hour of them was analysed less than the completeness threshold (from heartbeats), and those hours (local ISO). */
  incomplete_dates: string[];
  left_out_hours: string[];
}
export interface PromoResult {
  store_id: string;
  timezone: string;
  filters: { shelf_id: string | null; zone_id: string | null };
  promo: PeriodSummary;
  baseline: PeriodSummary & PromoBaseline;
  metrics: Record<MetricName, CountLift | RatioLift | Unavailable>;
  did: { control_store_ids: string[]; promo_store_days: number; baseline_store_days: number; metrics: Record<MetricName, DidLift | Unavailable> } | null;
  method: ReportMethod;
}

// ---- sales beside footfall (issue #17): /history buckets ----

/** Why a bucket's conversion is not given: no sales sent for it, no footfall beside its transactions, or under-covered footfall. */
export type SalesLeftOut = 'no_sales' | 'no_footfall' | 'incomplete';

/**
 * A bucket's sales and the measures made from them. `conversion_rate` = transactions ÷ footfall (3 decimals),
 * `sales_per_visitor` = sales_amount ÷ footfall, both null (and `left_out` says why) when either side is missing
 * or the footfall under-covered; `atv` (average transaction value) = sales_amount ÷ transactions, null without
 * transactions. Amounts in the store's `currency`, 2 decimals.
 */
export interface SalesMeasures {
  transactions: number | null;
  sales_amount: number | null;
  currency: string | null;
  conversion_rate: number | null;
  atv: number | null;
  sales_per_visitor: number | null;
  left_out: SalesLeftOut | null;
}

// ---- multi-store comparison (issue #17): GET /api/analytics/comparison ----

/** What the comparison ranks stores on. */
export type ComparisonMetricName = 'footfall' | 'conversion_rate' | 'sales_per_visitor';
/**
 * One measure of one store: the period's value (footfall per day; conversion and sales per visitor over the
 * period's complete hours), the same store's own baseline, the change, and the store's rank in the organisation
 * (1 = highest period value; null when the store has no value, e.g. no POS connected).
 */
export interface ComparisonMeasure {
  period: number | null;
  baseline: number | null;
  change_pct: number | null;
  rank: number | null;
}
export interface ComparisonStore {
  store_id: string;
  name: string;
  timezone: string;
  currency: string | null;
  days_with_data: number;
  /** Hours left out of the store's conversion (under-covered footfall or sales without footfall). */
  left_out_hours: number;
  measures: Record<ComparisonMetricName, ComparisonMeasure>;
}
export interface ComparisonResult {
  start_date: string;
  end_date: string;
  days: number;
  baseline: PromoBaseline & { start_date: string; end_date: string };
  method: ReportMethod;
  /** Every store of the reader's organisation (or the ones asked for), ordered by footfall rank. */
  stores: ComparisonStore[];
}
