import { EVENT_KINDS, KINDS } from './event-kinds.ts';

/**
 * The ingest tables partitioned by month (migration TimePartitions): every event kind's table on its event time
 * `ts`, and the heartbeats on `received_at` (the server's clock). `retention` names the organisation setting that
 * expires their months (retention/retention-policy.ts). The partitions themselves are kept by
 * retention/time-partitions.service.ts; a new event kind's table joins this list through EVENT_KINDS.
 */
export interface PartitionedTable {
  table: string;
  /** The partition key, a timestamptz column. */
  column: string;
  retention: 'rawEvents' | 'heartbeats';
}

export const HEARTBEAT_TABLE: PartitionedTable = { table: 'camera_heartbeats', column: 'received_at', retention: 'heartbeats' };

export const PARTITIONED_TABLES: readonly PartitionedTable[] = [
  ...KINDS.map((k): PartitionedTable => ({ table: EVENT_KINDS[k].table, column: 'ts', retention: 'rawEvents' })),
  HEARTBEAT_TABLE,
];
