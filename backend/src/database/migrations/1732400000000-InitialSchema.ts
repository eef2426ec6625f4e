import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1732400000000 implements MigrationInterface {
  name = 'InitialSchema1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE organizations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE stores (
      store_id text PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      name text NOT NULL,
      timezone text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX idx_stores_org ON stores (org_id)`);
    await q.query(`CREATE TABLE cameras (
      store_id text NOT NULL REFERENCES stores(store_id),
      camera_id text NOT NULL,
      name text NOT NULL,
      capabilities text[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (store_id, camera_id),
      CHECK (capabilities <@ ARRAY['entrance','zones','shelves','queue']::text[]))`);
    await q.query(`CREATE TABLE edge_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      key_hash text NOT NULL UNIQUE,
      key_prefix text NOT NULL,
      org_id uuid NOT NULL REFERENCES organizations(id),
      store_id text NOT NULL,
      camera_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz,
      last_used_at timestamptz,
      FOREIGN KEY (store_id, camera_id) REFERENCES cameras(store_id, camera_id))`);
    await q.query(`CREATE INDEX idx_edge_keys_store ON edge_keys (store_id)`);

    // Event tables carry no foreign keys: the edge key already proves the camera exists, and the
    // write path should not pay a lookup per row.
    const common = `id bigserial PRIMARY KEY,
      org_id uuid NOT NULL,
      store_id text NOT NULL,
      camera_id text NOT NULL,
      event_id text NOT NULL,
      ts timestamptz NOT NULL,
      person_key text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()`;
    await q.query(`CREATE TABLE entrance_events (${common},
      direction text NOT NULL CHECK (direction IN ('in','out')))`);
    await q.query(`CREATE TABLE zone_events (${common},
      zone_id text NOT NULL, enter_ts timestamptz NOT NULL, exit_ts timestamptz NOT NULL,
      dwell_seconds double precision NOT NULL CHECK (dwell_seconds >= 0))`);
    await q.query(`CREATE TABLE shelf_interactions (${common},
      shelf_id text NOT NULL,
      dwell_seconds double precision NOT NULL CHECK (dwell_seconds >= 0))`);
    await q.query(`CREATE TABLE queue_events (${common},
      queue_id text NOT NULL, enter_ts timestamptz NOT NULL, exit_ts timestamptz NOT NULL,
      wait_seconds double precision NOT NULL CHECK (wait_seconds >= 0))`);
    for (const t of ['entrance_events', 'zone_events', 'shelf_interactions', 'queue_events']) {
      // Idempotent ingest: an edge retry re-sends the same event ids, the unique index drops them.
      await q.query(`CREATE UNIQUE INDEX uq_${t}_event ON ${t} (store_id, camera_id, event_id)`);
      await q.query(`CREATE INDEX idx_${t}_store_ts ON ${t} (store_id, ts)`);
    }
    await q.query(`CREATE TABLE camera_heartbeats (
      id bigserial PRIMARY KEY,
      store_id text NOT NULL,
      camera_id text NOT NULL,
      device_ts timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      status_data jsonb NOT NULL DEFAULT '{}'::jsonb)`);
    await q.query(`CREATE INDEX idx_camera_heartbeats_latest ON camera_heartbeats (store_id, camera_id, received_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'camera_heartbeats',
      'queue_events',
      'shelf_interactions',
      'zone_events',
      'entrance_events',
      'edge_keys',
      'cameras',
      'stores',
      'organizations',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
