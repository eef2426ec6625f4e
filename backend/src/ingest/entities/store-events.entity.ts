import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One table per event type keeps each row narrow and each index specific to the queries that read it.
 * Rows are written with one multi-row statement per type per batch (see IngestService), so these
 * entities exist for reads, not for the write path. Indexes and constraints live in the migrations,
 * which are the schema's single source of truth.
 */
abstract class StoreEventRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'store_id', type: 'text' })
  storeId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'timestamptz' })
  ts!: Date;

  @Column({ name: 'person_key', type: 'text' })
  personKey!: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}

@Entity({ name: 'entrance_events' })
export class EntranceEventRow extends StoreEventRow {
  @Column({ type: 'text' })
  direction!: 'in' | 'out';
}

@Entity({ name: 'zone_events' })
export class ZoneEventRow extends StoreEventRow {
  @Column({ name: 'zone_id', type: 'text' })
  zoneId!: string;

  @Column({ name: 'enter_ts', type: 'timestamptz' })
  enterTs!: Date;

  @Column({ name: 'exit_ts', type: 'timestamptz' })
  exitTs!: Date;

  @Column({ name: 'dwell_seconds', type: 'double precision' })
  dwellSeconds!: number;
}

@Entity({ name: 'shelf_interactions' })
export class ShelfInteractionRow extends StoreEventRow {
  @Column({ name: 'shelf_id', type: 'text' })
  shelfId!: string;

  @Column({ name: 'dwell_seconds', type: 'double precision' })
  dwellSeconds!: number;
}

@Entity({ name: 'queue_events' })
export class QueueEventRow extends StoreEventRow {
  @Column({ name: 'queue_id', type: 'text' })
  queueId!: string;

  @Column({ name: 'enter_ts', type: 'timestamptz' })
  enterTs!: Date;

  @Column({ name: 'exit_ts', type: 'timestamptz' })
  exitTs!: Date;

  @Column({ name: 'wait_seconds', type: 'double precision' })
  waitSeconds!: number;
}

@Entity({ name: 'camera_heartbeats' })
export class CameraHeartbeatRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'store_id', type: 'text' })
  storeId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ name: 'device_ts', type: 'timestamptz' })
  deviceTs!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'status_data', type: 'jsonb' })
  statusData!: Record<string, unknown>;
}
