import { BadRequestException, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { CAPABILITY_FOR_EVENT, deriveEventId, findFutureTimestamp, type EventBatch, type Heartbeat, type StoreEvent } from '../../../shared/src/events.ts';
import type { EdgeKeyScope } from '../admin/edge-key.service.ts';
import { sqlRowsOwner, TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { TypedEvents } from '../common/typed-events.ts';
import { BATCH_INSERT_SQL, batchInsertParams, emptyByKind, KINDS, type EventKind, type EventsByKind } from './event-kinds.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { MAX_HEARTBEAT_GAP_S } from './data-completeness.ts';
import { FORGET_STORE_SQL, INSERT_HEARTBEAT_SQL, REOPEN_COMPACTED_DAYS_SQL } from './ingest.queries.ts';

export interface IngestResult {
  status: 'ok';
  received: number;
  accepted: number;
  duplicates: number;
}
export interface DryRunResult {
  status: 'ok';
  dry_run: true;
  received: number;
  stored: 0;
}

/** The rows a batch actually stored (duplicates excluded; all four lists empty for a batch of duplicates only), for anything that counts them. */
export type StoredEvents = { orgId: string; storeId: string; cameraId: string } & EventsByKind;

/** Every stored row of a batch, all kinds together. */
export function storedRows(stored: StoredEvents): StoreEvent[] {
  return KINDS.flatMap((k): StoreEvent[] => stored[k]);
}

/** A heartbeat as stored; `receivedAt` is the server's clock, which decides online/offline. */
export interface RecordedHeartbeat {
  storeId: string;
  cameraId: string;
  receivedAt: Date;
  statusData: Record<string, unknown>;
}

/**
 * The ingest module's in-process events, declared once: name → payload. Other modules subscribe with
 * `ingest.events.on(name, listener)` instead of reading the event tables; emit awaits every listener (allSettled)
 * and logs the failures, so a listener never fails the request that stored the rows.
 */
export interface IngestEvents {
  /** A batch was inserted: only the rows actually stored (all lists empty for a batch of duplicates only). */
  'events.stored': StoredEvents;
  /** A heartbeat was inserted. */
  'heartbeat.recorded': RecordedHeartbeat;
}

@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  /** Subscribers: see the emit sites below. */
  readonly events = new TypedEvents<IngestEvents>(this.logger);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: WinkMetrics,
    lifecycle: TenantLifecycle,
  ) {
    lifecycle.ownData(sqlRowsOwner('ingest (events, heartbeats)', db, { store: FORGET_STORE_SQL }));
  }

  async ingest(scope: EdgeKeyScope, batch: EventBatch, nowMs = Date.now()): Promise<IngestResult> {
    refuseUnstorable(scope, batch, nowMs);

    // An id repeated inside one batch is a duplicate too: keep its first occurrence only.
    const byKind = emptyByKind<{ event_id: string }>();
    const seen = new Set<string>();
    for (const e of batch.events) {
      const eventId = e.event_id ?? deriveEventId(e);
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      (byKind[e.type] as (StoreEvent & { event_id: string })[]).push({ ...e, event_id: eventId });
    }

    const rows = await this.insertBatch(batchInsertParams(scope, byKind));
    const isNew = new Set(rows.map((r) => `${r.kind}/${r.event_id}`));
    const stored: StoredEvents = { orgId: scope.orgId, storeId: scope.storeId, cameraId: scope.cameraId, ...emptyByKind() };
    for (const kind of KINDS)
      (stored[kind] as StoreEvent[]).push(...(byKind[kind] as (StoreEvent & { event_id: string })[]).filter((e) => isNew.has(`${kind}/${e.event_id}`)));
    for (const kind of KINDS) {
      const storedCount = stored[kind].length;
      if (storedCount) this.metrics.ingestEvents.inc({ type: kind, result: 'accepted' }, storedCount);
      if (byKind[kind].length > storedCount) this.metrics.ingestEvents.inc({ type: kind, result: 'duplicate' }, byKind[kind].length - storedCount);
    }
    const accepted = storedRows(stored).length;
    // Subscribers, run side by side: LiveStoreMetrics.record (dashboard: the /live counters in Redis) and
    // RollupTrigger.onStored (analytics: marks the hours dirty and enqueues their hourly rollup). They run for a
    // batch of duplicates only too (an edge's retry after the API died between its insert and the listeners):
    // that stores nothing, but tells the live counters this store needs reconciling. The rows are committed, so
    // a listener that fails (Redis down) is logged and the batch is still acknowledged.
    if (batch.events.length > 0) await this.events.emit('events.stored', stored, `after storing ${accepted} events of ${scope.storeId}`);
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
    const rows: { received_at: Date }[] = await this.db.query(INSERT_HEARTBEAT_SQL, [
      scope.storeId,
      scope.cameraId,
      hb.device_ts,
      JSON.stringify(hb.status_data),
    ]);
    // Received for a UTC day already compacted (the compactor ran on a clock ahead of PostgreSQL's, or this insert
    // waited past the compaction delay): that day is read from the heartbeats again and compacted anew. Run after
    // the insert commits, so a compaction either sees the heartbeat or holds the mark until this moves it back.
    await this.db.query(REOPEN_COMPACTED_DAYS_SQL, [scope.storeId, rows[0].received_at, MAX_HEARTBEAT_GAP_S]);
    this.metrics.heartbeats.inc();
    // Subscriber: CameraStatus.recordHeartbeat (dashboard: the camera board in Redis, read by /cameras and /live).
    await this.events.emit(
      'heartbeat.recorded',
      { storeId: scope.storeId, cameraId: scope.cameraId, receivedAt: rows[0].received_at, statusData: hb.status_data },
      `after the heartbeat of ${scope.storeId}/${scope.cameraId}`,
    );
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
    statusCode: 403,
    error: 'Forbidden',
    field,
    event_index: i,
    message: `${field}: camera ${scope.cameraId} has no "${needed}" capability (its capabilities: ${scope.capabilities.join(', ') || 'none'})`,
  });
}

/** An edge key speaks for one camera of one store of one organisation, and for nothing else. */
function assertScope(scope: EdgeKeyScope, body: { org_id: string; store_id: string; camera_id: string }): void {
  const mismatch =
    body.org_id !== scope.orgId ? 'org_id' : body.store_id !== scope.storeId ? 'store_id' : body.camera_id !== scope.cameraId ? 'camera_id' : null;
  if (mismatch) {
    throw new ForbiddenException({
      statusCode: 403,
      error: 'Forbidden',
      field: mismatch,
      message: `${mismatch}: this edge key is not allowed to write for ${body[mismatch]}`,
    });
  }
}
