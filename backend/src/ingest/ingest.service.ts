import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  deriveEventId, findFutureTimestamp,
  type EntranceEvent, type EventBatch, type Heartbeat, type QueueEvent, type ShelfEvent, type StoreEvent, type ZoneEvent,
} from '../../../shared/src/events.ts';
import type { EdgeKeyScope } from '../admin/edge-key.service.ts';

export interface IngestResult { status: 'ok'; received: number; accepted: number; duplicates: number }

/** The rows a batch actually stored (duplicates excluded), for anything that counts them. */
export interface StoredEvents {
  orgId: string; storeId: string; cameraId: string;
  entrance: EntranceEvent[]; zone: ZoneEvent[]; shelf: ShelfEvent[]; queue: QueueEvent[];
}

type WithId<E> = E & { event_id: string };

/**
 * One INSERT … SELECT FROM unnest(arrays) per event type per batch (≈30× a row at a time here), with
 * ON CONFLICT DO NOTHING on (store, camera, event_id) so an edge retry is stored once. RETURNING tells
 * which rows were new.
 */
const INSERTS = {
  entrance: {
    sql: `INSERT INTO entrance_events (org_id, store_id, camera_id, event_id, ts, person_key, direction)
          SELECT $1::uuid, $2, $3, * FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[])
          ON CONFLICT (store_id, camera_id, event_id) DO NOTHING RETURNING event_id`,
    columns: (es: WithId<EntranceEvent>[]) => [es.map((e) => e.event_id), es.map((e) => e.ts), es.map((e) => e.person_key), es.map((e) => e.direction)],
  },
  zone: {
    sql: `INSERT INTO zone_events (org_id, store_id, camera_id, event_id, ts, person_key, zone_id, enter_ts, exit_ts, dwell_seconds)
          SELECT $1::uuid, $2, $3, * FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::float8[])
          ON CONFLICT (store_id, camera_id, event_id) DO NOTHING RETURNING event_id`,
    columns: (es: WithId<ZoneEvent>[]) => [es.map((e) => e.event_id), es.map((e) => e.ts), es.map((e) => e.person_key), es.map((e) => e.zone_id), es.map((e) => e.enter_ts), es.map((e) => e.exit_ts), es.map((e) => e.dwell_seconds)],
  },
  shelf: {
    sql: `INSERT INTO shelf_interactions (org_id, store_id, camera_id, event_id, ts, person_key, shelf_id, dwell_seconds)
          SELECT $1::uuid, $2, $3, * FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::float8[])
          ON CONFLICT (store_id, camera_id, event_id) DO NOTHING RETURNING event_id`,
    columns: (es: WithId<ShelfEvent>[]) => [es.map((e) => e.event_id), es.map((e) => e.ts), es.map((e) => e.person_key), es.map((e) => e.shelf_id), es.map((e) => e.dwell_seconds)],
  },
  queue: {
    sql: `INSERT INTO queue_events (org_id, store_id, camera_id, event_id, ts, person_key, queue_id, enter_ts, exit_ts, wait_seconds)
          SELECT $1::uuid, $2, $3, * FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::float8[])
          ON CONFLICT (store_id, camera_id, event_id) DO NOTHING RETURNING event_id`,
    columns: (es: WithId<QueueEvent>[]) => [es.map((e) => e.event_id), es.map((e) => e.ts), es.map((e) => e.person_key), es.map((e) => e.queue_id), es.map((e) => e.enter_ts), es.map((e) => e.exit_ts), es.map((e) => e.wait_seconds)],
  },
} as const;

type EventKind = keyof typeof INSERTS;

export type StoredEventsListener = (stored: StoredEvents) => Promise<void>;

@Injectable()
export class IngestService {
  private readonly listeners: StoredEventsListener[] = [];

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Other modules (live metrics, rollups) subscribe here instead of reading the event tables' repositories. */
  onStored(listener: StoredEventsListener): void {
    this.listeners.push(listener);
  }

  async ingest(scope: EdgeKeyScope, batch: EventBatch, nowMs = Date.now()): Promise<IngestResult> {
    assertScope(scope, batch);
    const future = findFutureTimestamp(batch, nowMs);
    if (future) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', ...future, message: `${future.field}: ${future.message}` });

    // An id repeated inside one batch is a duplicate too: keep its first occurrence only.
    const byKind: Record<EventKind, WithId<StoreEvent>[]> = { entrance: [], zone: [], shelf: [], queue: [] };
    const seen = new Set<string>();
    for (const e of batch.events) {
      const eventId = e.event_id ?? deriveEventId(e);
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      byKind[e.type].push({ ...e, event_id: eventId });
    }

    const stored: StoredEvents = { orgId: scope.orgId, storeId: scope.storeId, cameraId: scope.cameraId, entrance: [], zone: [], shelf: [], queue: [] };
    await this.db.transaction(async (tx) => {
      for (const kind of Object.keys(INSERTS) as EventKind[]) {
        const events = byKind[kind];
        if (events.length === 0) continue;
        const newIds = await this.insert(tx, kind, scope, events);
        (stored[kind] as StoreEvent[]).push(...events.filter((e) => newIds.has(e.event_id)));
      }
    });
    const accepted = stored.entrance.length + stored.zone.length + stored.shelf.length + stored.queue.length;
    if (accepted > 0) for (const l of this.listeners) await l(stored);
    return { status: 'ok', received: batch.events.length, accepted, duplicates: batch.events.length - accepted };
  }

  private async insert(tx: EntityManager, kind: EventKind, scope: EdgeKeyScope, events: WithId<StoreEvent>[]): Promise<Set<string>> {
    const { sql, columns } = INSERTS[kind];
    const params = [scope.orgId, scope.storeId, scope.cameraId, ...(columns as (es: unknown[]) => unknown[][])(events)];
    const rows: { event_id: string }[] = await tx.query(sql, params);
    return new Set(rows.map((r) => r.event_id));
  }

  async recordHeartbeat(scope: EdgeKeyScope, hb: Heartbeat): Promise<{ status: 'ok'; received_at: string }> {
    assertScope(scope, hb);
    const rows: { received_at: Date }[] = await this.db.query(
      `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, status_data) VALUES ($1, $2, $3, $4) RETURNING received_at`,
      [scope.storeId, scope.cameraId, hb.device_ts, JSON.stringify(hb.status_data)],
    );
    return { status: 'ok', received_at: rows[0].received_at.toISOString() };
  }
}

/** An edge key speaks for one camera of one store of one organisation, and for nothing else. */
function assertScope(scope: EdgeKeyScope, body: { org_id: string; store_id: string; camera_id: string }): void {
  const mismatch =
    body.org_id !== scope.orgId ? 'org_id' : body.store_id !== scope.storeId ? 'store_id' : body.camera_id !== scope.cameraId ? 'camera_id' : null;
  if (mismatch) {
    throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', field: mismatch, message: `${mismatch}: this edge key is not allowed to write for ${body[mismatch]}` });
  }
}
