import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AlertEvidence } from '../../../shared/src/alerts.ts';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { sqlRowsOwner, TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { AlertsService } from '../alerts/alerts.service.ts';
import { flatRows } from '../common/returning-rows.ts';
import type { CreateWebhookDto } from './webhooks.dto.ts';
import {
  DELETE_ENDPOINT_SQL,
  DISABLE_ENDPOINT_SQL,
  DISABLE_ORG_ENDPOINTS_SQL,
  ENABLE_ENDPOINT_SQL,
  FORGET_ORG_SQL,
  GET_ENDPOINT_SQL,
  INSERT_ENDPOINT_SQL,
  LIST_ENDPOINTS_SQL,
  ROTATE_SECRET_SQL,
} from './webhooks.queries.ts';
import { newWebhookSecret } from './webhook-signature.ts';

interface EndpointRow {
  endpoint_id: string;
  org_id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  disabled_at: Date | null;
  disabled_reason: string | null;
  consecutive_failures: number;
  created_at: Date;
  secret_prefix: string;
}

/** An endpoint as the admin API shows it: the secret only by its first characters. */
export interface WebhookEndpointView {
  endpoint_id: string;
  org_id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  disabled_at: string | null;
  disabled_reason: string | null;
  consecutive_failures: number;
  created_at: string;
  secret_prefix: string;
}

const SECRET_MESSAGE = "Store this signing secret securely - it won't be shown again!";

export function endpointView(r: EndpointRow): WebhookEndpointView {
  return {
    endpoint_id: r.endpoint_id,
    org_id: r.org_id,
    url: r.url,
    description: r.description,
    enabled: r.enabled,
    disabled_at: r.disabled_at?.toISOString() ?? null,
    disabled_reason: r.disabled_reason,
    consecutive_failures: r.consecutive_failures,
    created_at: r.created_at.toISOString(),
    secret_prefix: `${r.secret_prefix}…`,
  };
}

/** The same answer for a missing endpoint and another organisation's: nothing to learn from ids. */
export function endpointNotFound(id: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `endpoint_id: webhook endpoint ${id} does not exist`, field: 'endpoint_id' });
}

/** An organisation's webhook endpoints (admin API). Every call is scoped by org_id. */
@Injectable()
export class WebhookEndpoints {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly directory: StoreDirectory,
    private readonly alerts: AlertsService,
    lifecycle: TenantLifecycle,
  ) {
    const rows = sqlRowsOwner('webhooks', db, { org: FORGET_ORG_SQL });
    lifecycle.ownData({
      name: rows.name,
      // Kept: the endpoints stay listed but disabled, so a deleted organisation is sent nothing more.
      forgetOrg: async (orgId, data) => (data === 'delete' ? rows.forgetOrg?.(orgId, data) : void (await db.query(DISABLE_ORG_ENDPOINTS_SQL, [orgId]))),
    });
  }

  /** The secret is in this answer only, like a viewer key. */
  async create(orgId: string, dto: CreateWebhookDto): Promise<WebhookEndpointView & { secret: string; message: string }> {
    await this.directory.getOrg(orgId);
    const secret = newWebhookSecret();
    const [row] = (await this.db.query(INSERT_ENDPOINT_SQL, [orgId, dto.url, secret, dto.description ?? null])) as EndpointRow[];
    return { ...endpointView(row), secret, message: SECRET_MESSAGE };
  }

  async list(orgId: string): Promise<WebhookEndpointView[]> {
    await this.directory.getOrg(orgId);
    return ((await this.db.query(LIST_ENDPOINTS_SQL, [orgId])) as EndpointRow[]).map(endpointView);
  }

  async get(orgId: string, endpointId: string): Promise<WebhookEndpointView> {
    await this.directory.getOrg(orgId);
    const [row] = (await this.db.query(GET_ENDPOINT_SQL, [orgId, endpointId])) as EndpointRow[];
    if (!row) throw endpointNotFound(endpointId);
    return endpointView(row);
  }

  /** The endpoint and its delivery log go; jobs still queued for it find nothing and end; its disabled alert resolves. */
  async delete(orgId: string, endpointId: string): Promise<{ endpoint_id: string; deleted: true }> {
    await this.directory.getOrg(orgId);
    const [row] = flatRows(await this.db.query(DELETE_ENDPOINT_SQL, [orgId, endpointId])) as { endpoint_id: string; url: string }[];
    if (!row) throw endpointNotFound(endpointId);
    await this.alerts.resolveOrgAlert(orgId, 'webhook_endpoint_disabled', endpointId, { endpoint_id: endpointId, url: row.url, deleted_by: 'admin' });
    return { endpoint_id: endpointId, deleted: true };
  }

  /** A new secret, shown once; attempts from now on (retries included) are signed with it. */
  async rotateSecret(orgId: string, endpointId: string): Promise<{ endpoint_id: string; secret: string; message: string }> {
    await this.directory.getOrg(orgId);
    const secret = newWebhookSecret();
    const rows = (await this.db.query(ROTATE_SECRET_SQL, [orgId, endpointId, secret])) as unknown[];
    if (flatRows(rows).length === 0) throw endpointNotFound(endpointId);
    return { endpoint_id: endpointId, secret, message: SECRET_MESSAGE };
  }

  /** Enabled again with its failure count at zero; the alert of its disabling (if any) resolves. */
  async enable(orgId: string, endpointId: string): Promise<WebhookEndpointView> {
    await this.directory.getOrg(orgId);
    const [row] = flatRows(await this.db.query(ENABLE_ENDPOINT_SQL, [orgId, endpointId])) as EndpointRow[];
    if (!row) throw endpointNotFound(endpointId);
    await this.alerts.resolveOrgAlert(orgId, 'webhook_endpoint_disabled', endpointId, { endpoint_id: endpointId, url: row.url, enabled_by: 'admin' });
    return endpointView(row);
  }

  /** The admin turns it off (no alert: someone chose it). Deliveries still pending end as failed at their next attempt. */
  async disable(orgId: string, endpointId: string): Promise<WebhookEndpointView> {
    await this.directory.getOrg(orgId);
    const [row] = flatRows(await this.db.query(DISABLE_ENDPOINT_SQL, [orgId, endpointId, 'disabled by the admin API'])) as EndpointRow[];
    return row ? endpointView(row) : this.get(orgId, endpointId);
  }

  /**
   * The delivery worker gives up on an endpoint. Only the call that turns it off raises the organisation alert
   * (once, whichever worker), which goes out to the organisation's other, still enabled endpoints.
   */
  async disableForFailures(orgId: string, endpointId: string, reason: string, evidence: AlertEvidence): Promise<boolean> {
    const [row] = flatRows(await this.db.query(DISABLE_ENDPOINT_SQL, [orgId, endpointId, reason])) as EndpointRow[];
    if (!row) return false;
    await this.alerts.raiseOrgAlert({
      org_id: orgId,
      type: 'webhook_endpoint_disabled',
      subject: endpointId,
      summary: `Webhook endpoint ${row.url} disabled: ${reason}`,
      evidence: { endpoint_id: endpointId, url: row.url, reason, ...evidence },
    });
    return true;
  }

  /** The test call needs an endpoint that takes deliveries. */
  async requireEnabled(orgId: string, endpointId: string): Promise<WebhookEndpointView> {
    const e = await this.get(orgId, endpointId);
    if (!e.enabled) {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: `endpoint_id: webhook endpoint ${endpointId} is disabled (${e.disabled_reason}); enable it first`,
        field: 'endpoint_id',
      });
    }
    return e;
  }
}
