// How the schema maps onto a distributed PostgreSQL (Citus), declared once: README section 5, "Beyond one
// PostgreSQL", says how to apply it; backend/test/distribution-key.spec.ts checks that every statement on a
// distributed table names the distribution key, so a query stays on one shard (one store's node) or says why not.

/** The distribution column of every distributed table: all of a store's rows live on one node, colocated. */
export const DISTRIBUTION_KEY = 'store_id';

/** Tables that grow with stores × time, distributed by store_id and colocated (joins and transactions per store stay on one node). */
export const DISTRIBUTED_TABLES = [
  'entrance_events',
  'zone_events',
  'shelf_interactions',
  'queue_events',
  'camera_heartbeats',
  'camera_coverage_days',
  'heartbeat_compaction',
  'hourly_rollups',
  'rollup_dirty_hours',
  'occupancy_corrections',
  'sales_hours',
  'sales_receipts',
  'sales_corrections',
] as const;

/** Small tables every node needs for its joins (the tenant tree, keys, settings): replicated to all nodes. */
export const REFERENCE_TABLES = [
  'organizations',
  'stores',
  'cameras',
  'edge_keys',
  'viewer_keys',
  'pos_keys',
  'retention_settings',
  'alert_rules',
  'webhook_endpoints',
] as const;

/** Tables kept on the coordinator alone: per-organisation traffic, small, read by id (Citus "local tables"). */
export const COORDINATOR_TABLES = ['analytics_reports', 'alerts', 'webhook_deliveries', 'migrations'] as const;
