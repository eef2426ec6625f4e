// Redis key names of the live dashboard. The store id sits in a {hash tag}, so every key of one store
// lands in one Redis Cluster slot and the Lua scripts may touch them together.

export interface StoreDayKeys {
  /**
   * Absent: not built (events are not counted, a read rebuilds); `building:<token>`: a rebuild runs (events
   * are parked); `reconciling:<token>`: a reconciliation runs (events are counted and parked); `ready`.
   */
  state: string;
  /** Hash of counters, see live-counters.ts. */
  counters: string;
  /** Batches stored while a rebuild runs, applied by the rebuild when it finishes. */
  pending: string;
  /** Event keys the last rebuild's snapshot already counted, so their late listeners do not count them again. */
  recent: string;
  /** + zone id: HyperLogLog of the zone's visitors (person keys) that day. */
  visitorsPrefix: string;
  /** + rebuild token: the next `recent` set, written before the swap and renamed onto `recent` by it. */
  recentNextPrefix: string;
}

/**
 * `hoursTag` (occupancy.ts sessionsTag) names the day's opening ranges when the store has opening hours: other
 * hours count into other keys, so a change of hours starts that day's counters afresh, rebuilt from PostgreSQL.
 */
export function storeDayKeys(prefix: string, storeId: string, date: string, hoursTag?: string | null): StoreDayKeys {
  const base = `${prefix}:live:{${storeId}}:${date}${hoursTag ? `:h${hoursTag}` : ''}`;
  return {
    state: `${base}:state`,
    counters: `${base}:counters`,
    pending: `${base}:pending`,
    recent: `${base}:recent`,
    visitorsPrefix: `${base}:visitors:`,
    recentNextPrefix: `${base}:recent-next:`,
  };
}

/** A SCAN pattern matching every store-day key and lock of the store (not the camera board: {@link cameraBoardKey}). */
export function storeLiveKeysPattern(prefix: string, storeId: string): string {
  return `${prefix}:live:{${storeId.replace(/[*?[\]\\]/g, '\\$&')}}:*`;
}

/** Sorted set: store id → when it last ingested (ms). The stores whose live counters are reconciled. */
export function activeStoresKey(prefix: string): string {
  return `${prefix}:live:active-stores`;
}

/** Held (SET NX PX) by the process that reconciles the store in the current period. */
export function reconcileLockKey(prefix: string, storeId: string): string {
  return `${prefix}:live:{${storeId}}:reconcile-lock`;
}

/** Hash: `_ready`, `_gen`, `cam:<id>` → camera JSON, `hb:<id>` → `<received ms>|<status_data JSON>`. */
export function cameraBoardKey(prefix: string, storeId: string): string {
  return `${prefix}:cameras:{${storeId}}`;
}
