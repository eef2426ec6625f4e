import { BadRequestException, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import {
  CAPABILITY_FOR_EVENT, deriveEventId, findFutureTimestamp,
  type EntranceEvent, type EventBatch, type Heartbeat, type QueueEvent, type ShelfEvent, type StoreEvent, type ZoneEvent,
} from '../../../shared/src/events.ts';
import type { EdgeKeyScope } from '../admin/edge-key.service.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';

export interface IngestResult { status: 'ok'; received: number; accepted: number; duplicates: number }
export interface DryRunResult { status: 'ok'; dry_run: true; received: number; stored: 0 }

/** The rows a batch actually stored (duplicates excluded; all four lists empty for a batch of duplicates only), for anything that counts them. */
export interface StoredEvents {
  orgId: string; storeId: string; cameraId: string;
  entrance: EntranceEvent[]; zone: ZoneEvent[]; shelf: ShelfEvent[]; queue: QueueEvent[];
}

type WithId<E> = E & { event_id: string };

/**
 * Per event type: its table, its own columns and how to read them from an event. The write path turns
 * this into ONE statement per batch: a data-modifying CTE per type, each an INSERT … SELECT FROM
 * unnest(arrays) with ON CONFLICT DO NOTHING on (store, camera, event_id). One statement is atomic on
 * its own and costs one round trip; RETURNING tells which rows were new.
 */
const EVENT_TABLES = {
  entrance: { table: 'entrance_events', columns: [['direction', 'text', (e: EntranceEvent) => e.direction]] },
  zone: {
    table: 'zone_events',
    columns: [['zone_id', 'text', (e: ZoneEvent) => e.zone_id], ['enter_ts', 'timestamptz', (e: ZoneEvent) => e.enter_ts], ['exit_ts', 'timestamptz', (e: ZoneEvent) => e.exit_ts], ['dwell_seconds', 'float8', (e: ZoneEvent) => e.dwell_seconds]],
  },
  shelf: { table: 'shelf_interactions', columns: [['shelf_id', 'text', (e: ShelfEvent) => e.shelf_id], ['dwell_seconds', 'float8', (e: ShelfEvent) => e.dwell_seconds]] },
  queue: {
    table: 'queue_events',
    columns: [['queue_id', 'text', (e: QueueEvent) => e.queue_id], ['enter_ts', 'timestamptz', (e: QueueEvent) => e.enter_ts], ['exit_ts', 'timestamptz', (e: QueueEvent) => e.exit_ts], ['wait_seconds', 'float8', (e: QueueEvent) => e.wait_seconds]],
  },
} as const;

type EventKind = keyof typeof EVENT_TABLES;
const KINDS = Object.keys(EVENT_TABLES) as EventKind[];
type ColumnSpec = readonly [string, string, (e: never) => unknown];

/** Built once: `$1..$3` are org/store/camera, then each type's arrays in KINDS order. */
const BATCH_INSERT_SQL = (() => {
  let n = 4;
  const ctes = KINDS.map((kind) => {
    const { table, columns } = EVENT_TABLES[kind];
    const specs = [['event_id', 'text'], ['ts', 'timestamptz'], ['person_key', 'text'], ...(columns as readonly ColumnSpec[])];
    const arrays = specs.map(([, type]) => `$${n++}::${type}[]`).join(', ');
    return `${kind} AS (INSERT INTO ${table} (org_id, store_id, camera_id, ${specs.map(([c]) => c).join(', ')})
      SELECT $1::uuid, $2, $3, * FROM unnest(${arrays})
      ON CONFLICT (store_id, camera_id, event_id) DO NOTHING RETURNING event_id)`;
  });
  return `WITH ${ctes.join(',\n')}\n${KINDS.map((k) => `SELECT '${k}' AS kind, event_id FROM ${k}`).join(' UNION ALL ')}`;
})();

function batchParams(scope: EdgeKeyScope, byKind: Record<EventKind, WithId<StoreEvent>[]>): unknown[] {
  const params: unknown[] = [scope.orgId, scope.storeId, scope.cameraId];
  for (const kind of KINDS) {
    const events = byKind[kind];
    params.push(events.map((e) => e.event_id), events.map((e) => e.ts), events.map((e) => e.person_key));
    for (const [, , read] of EVENT_TABLES[kind].columns as readonly ColumnSpec[]) params.push(events.map((e) => (read as (e: unknown) => unknown)(e)));
  }
  return params;
}



export type StoredEventsListener = (stored: StoredEvents) => Promise<void>;

/** A heartbeat as stored; `receivedAt` is the server's clock, which decides online/offline. */
export interface RecordedHeartbeat { storeId: string; cameraId: string; receivedAt: Date; statusData: Record<string, unknown> }
export type HeartbeatListener = (hb: RecordedHeartbeat) => Promise<void>;

@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly listeners: StoredEventsListener[] = [];
  private readonly heartbeatListeners: HeartbeatListener[] = [];

  constructor(@InjectDataSource() private readonly db: DataSource, private readonly metrics: WinkMetrics) {}

  /** Other modules (live metrics, rollups) subscribe here instead of reading the event tables' repositories. */
  onStored(listener: StoredEventsListener): void {
    this.listeners.push(listener);
  }

  /** Camera status caches (the live dashboard) subscribe here, as event counters do with onStored. */
  onHeartbeat(listener: HeartbeatListener): void {
    this.heartbeatListeners.push(listener);
  }

  async ingest(scope: EdgeKeyScope, batch: EventBatch, nowMs = Date.now()): Promise<IngestResult> {
    refuseUnstorable(scope, batch, nowMs);

    // An id repeated inside one batch is a duplicate too: keep its first occurrence only.
    const byKind: Record<EventKind, WithId<StoreEvent>[]> = { entrance: [], zone: [], shelf: [], queue: [] };
    const seen = new Set<string>();
    for (const e of batch.events) {
      const eventId = e.event_id ?? deriveEventId(e);
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      byKind[e.type].push({ ...e, event_id: eventId });
    }

    const rows = await this.insertBatch(batchParams(scope, byKind));
    const isNew = new Set(rows.map((r) => `${r.kind}/${r.event_id}`));
    const stored: StoredEvents = { orgId: scope.orgId, storeId: scope.storeId, cameraId: scope.cameraId, entrance: [], zone: [], shelf: [], queue: [] };
    for (const kind of KINDS) (stored[kind] as StoreEvent[]).push(...byKind[kind].filter((e) => isNew.has(`${kind}/${e.event_id}`)));
    for (const kind of KINDS) {
      const storedCount = stored[kind].length;
      if (storedCount) this.metrics.ingestEvents.inc({ type: kind, result: 'accepted' }, storedCount);
      if (byKind[kind].length > storedCount) this.metrics.ingestEvents.inc({ type: kind, result: 'duplicate' }, byKind[kind].length - storedCount);
    }
    const accepted = stored.entrance.length + stored.zone.length + stored.shelf.length + stored.queue.length;
    // Live counters and rollup triggers are independent: run them side by side. They run for a batch of
    // duplicates only too (an edge's retry after the API died between its insert and the listeners): that
    // stores nothing, but tells the live counters this store needs reconciling. The rows are committed, so
    // a listener that fails (Redis down) is logged and the batch is still acknowledged.
    if (batch.events.length > 0) {
      const outcomes = await Promise.allSettled(this.listeners.map((l) => l(stored)));
      for (const o of outcomes) if (o.status === 'rejected') this.logger.warn(`after storing ${accepted} events of ${scope.storeId}: ${o.reason instanceof Error ? o.reason.message : o.reason}`);
    }
    return { status: 'ok', received: batch.events.length, accepted, duplicates: batch.events.length - accepted };
  }

  /**
   * A named prepared statement through the driver's pool: PostgreSQL plans the four-table CTE once per
   * connection instead of once per batch (TypeORM's query() cannot name statements).
   */
  private async insertBatch(values: unknown[]): Promise<{ kind: EventKind; event_id: string }[]> {
    const pool = (this.db.driver as PostgresDriver).master as Pool;
    const result = await pool.query<{ kind: EventKind; event_id: string }>({ name: 'wink_ingest_batch_v1', text: BATCH_INSERT_SQL, values });
    return result.rows;
  }

  /**
   * A dry run (the edge's self-test): the same key, scope, capability and clock checks as ingest(), and
   * nothing stored, so a test never adds a visitor to a store's real day.
   */
  check(scope: EdgeKeyScope, body: EventBatch | Heartbeat, nowMs = Date.now()): DryRunResult {
    if ('events' in body) refuseUnstorable(scope, body, nowMs);
    else assertScope(scope, body);
    return { status: 'ok', dry_run: true, received: 'events' in body ? body.events.length : 1, stored: 0 };
  }

  async recordHeartbeat(scope: EdgeKeyScope, hb: Heartbeat): Promise<{ status: 'ok'; received_at: string }> {
    assertScope(scope, hb);
    const rows: { received_at: Date }[] = await this.db.query(
      `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, status_data) VALUES ($1, $2, $3, $4) RETURNING received_at`,
      [scope.storeId, scope.cameraId, hb.device_ts, JSON.stringify(hb.status_data)],
    );
    this.metrics.heartbeats.inc();
    for (const l of this.heartbeatListeners) await l({ storeId: scope.storeId, cameraId: scope.cameraId, receivedAt: rows[0].received_at, statusData: hb.status_data });
    return { status: 'ok', received_at: rows[0].received_at.toISOString() };
  }
}

/** Everything that would refuse a batch before it reaches PostgreSQL. */
function refuseUnstorable(scope: EdgeKeyScope, batch: EventBatch, nowMs: number): void {
  assertScope(scope, batch);
  assertCapabilities(scope, batch);
  const future = findFutureTimestamp(batch, nowMs);
  if (future) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', ...future, message: `${future.field}: ${future.message}` });
}

/** A camera sends only the kinds of events it was set up for (an entrance-only camera sends no zone visits). */
function assertCapabilities(scope: EdgeKeyScope, batch: EventBatch): void {
  const i = batch.events.findIndex((e) => !scope.capabilities.includes(CAPABILITY_FOR_EVENT[e.type]));
  if (i < 0) return;
  const needed = CAPABILITY_FOR_EVENT[batch.events[i].type];
  const field = `events[${i}].type`;
  throw new ForbiddenException({
    statusCode: 403, error: 'Forbidden', field, event_index: i,
    message: `${field}: camera ${scope.cameraId} has no "${needed}" capability (its capabilities: ${scope.capabilities.join(', ') || 'none'})`,
  });
}

/** An edge key speaks for one camera of one store of one organisation, and for nothing else. */
function assertScope(scope: EdgeKeyScope, body: { org_id: string; store_id: string; camera_id: string }): void {
  const mismatch =
    body.org_id !== scope.orgId ? 'org_id' : body.store_id !== scope.storeId ? 'store_id' : body.camera_id !== scope.cameraId ? 'camera_id' : null;
  if (mismatch) {
    throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', field: mismatch, message: `${mismatch}: this edge key is not allowed to write for ${body[mismatch]}` });
  }
}
