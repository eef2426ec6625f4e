import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { RETENTION_DEFAULTS, type OrgRetention, type RetentionSettings } from './retention-policy.ts';
import { GET_SETTINGS_SQL, LIST_SETTINGS_SQL, PUT_SETTINGS_SQL } from './retention.queries.ts';

/** Each organisation's retention settings (retention_settings; an organisation without a row has the defaults). */
@Injectable()
export class OrganisationRetention {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly directory: StoreDirectory,
  ) {}

  /** 404 when the organisation does not exist. */
  async get(orgId: string): Promise<RetentionSettings> {
    await this.directory.getOrg(orgId);
    const [row] = (await this.db.query(GET_SETTINGS_SQL, [orgId])) as RetentionSettings[];
    return row ?? { ...RETENTION_DEFAULTS };
  }

  async put(orgId: string, settings: RetentionSettings): Promise<RetentionSettings> {
    await this.directory.getOrg(orgId);
    await this.db.query(PUT_SETTINGS_SQL, [orgId, settings.raw_event_months, settings.heartbeat_days]);
    return this.get(orgId);
  }

  /** Every organisation with its settings. */
  async all(): Promise<OrgRetention[]> {
    const set = new Map(
      ((await this.db.query(LIST_SETTINGS_SQL)) as (RetentionSettings & { org_id: string })[]).map((r) => [
        r.org_id,
        { raw_event_months: r.raw_event_months, heartbeat_days: r.heartbeat_days },
      ]),
    );
    return (await this.directory.listOrgs()).map((o) => ({ orgId: o.id, settings: set.get(o.id) ?? { ...RETENTION_DEFAULTS } }));
  }
}
