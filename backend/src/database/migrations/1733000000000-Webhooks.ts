import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (issue #15): an organisation's HTTPS endpoints, each with its signing secret, and one delivery row per
 * (event, endpoint) whose id is also the BullMQ job id and the `Wink-Delivery` header, so a delivery is enqueued
 * and received at most once per id.
 */
export class Webhooks1733000000000 implements MigrationInterface {
  name = 'Webhooks1733000000000';

  async up(q: QueryRunner): Promise<void> {
    // The secret is kept in plaintext: signing needs it (a hash would not do), and it never leaves the API after creation.
    await q.query(`CREATE TABLE webhook_endpoints (
      endpoint_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      url text NOT NULL,
      secret text NOT NULL,
      description text,
      enabled boolean NOT NULL DEFAULT true,
      disabled_at timestamptz,
      disabled_reason text,
      consecutive_failures integer NOT NULL DEFAULT 0,
      failing_since timestamptz,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX idx_webhook_endpoints_org ON webhook_endpoints (org_id)`);
    // payload is the exact body sent (serialised from this column at every attempt, so each retry sends the same bytes).
    await q.query(`CREATE TABLE webhook_deliveries (
      delivery_id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(endpoint_id) ON DELETE CASCADE,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_status integer,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      first_attempt_at timestamptz,
      delivered_at timestamptz,
      latency_ms integer)`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_org ON webhook_deliveries (org_id, created_at DESC)`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC)`);
    // The redrive sweep looks for pending deliveries only.
    await q.query(`CREATE INDEX idx_webhook_deliveries_pending ON webhook_deliveries (created_at) WHERE state = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS webhook_endpoints`);
  }
}
