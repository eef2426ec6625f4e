import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { finishedDaysUntil, HeartbeatCompactor } from '../ingest/heartbeat-compactor.service.ts';
import { HEARTBEAT_TABLE, PARTITIONED_TABLES } from '../ingest/partitioned-tables.ts';
import { OrganisationRetention } from './organisation-retention.service.ts';
import { retentionPlan } from './retention-policy.ts';
import { deleteExpiredRowsSql } from './retention.queries.ts';
import { TimePartitions } from './time-partitions.service.ts';

export interface RetentionOutcome {
  /** Months dropped, per table. */
  dropped: Record<string, string[]>;
  /** Rows deleted for organisations whose retention is shorter than the longest. */
  deletedRows: number;
  /** Store-days of heartbeats compacted. */
  compactedDays: number;
}

/**
 * The daily retention run (retention-policy.ts): heartbeats compacted, then expired months dropped whole; rows
 * deleted only for organisations keeping less than the longest retention. Rollups, reports and compacted days stay.
 */
@Injectable()
export class RetentionEnforcer {
  private readonly logger = new Logger('RetentionEnforcer');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly settings: OrganisationRetention,
    private readonly directory: StoreDirectory,
    private readonly partitions: TimePartitions,
    private readonly compactor: HeartbeatCompactor,
  ) {}

  async run(nowMs = Date.now()): Promise<RetentionOutcome> {
    const plan = retentionPlan(nowMs, await this.settings.all());
    const outcome: RetentionOutcome = { dropped: {}, deletedRows: 0, compactedDays: 0 };
    // Rows of a shorter retention are deleted from the oldest month that stays (older ones are dropped whole).
    const oldestKept = async (table: string, dropBefore: number) => {
      const kept = (await this.partitions.months(table)).find((m) => m.toMs > dropBefore);
      return kept ? Math.min(kept.fromMs, dropBefore) : dropBefore;
    };
    const heartbeatsFrom = await oldestKept(HEARTBEAT_TABLE.table, plan.heartbeatsDropBefore);
    for (const org of plan.perOrg) {
      const stores = (await this.directory.listStores(org.orgId, { includeDeleted: true })).map((s) => s.store_id);
      // Every store compacted up to its organisation's point first: after that, nothing it reads is dropped.
      for (const s of stores) outcome.compactedDays += await this.compactor.compact(s, org.heartbeats.compactUntil);
      if (org.heartbeats.deleteBefore > heartbeatsFrom)
        outcome.deletedRows += await this.deleteRows(HEARTBEAT_TABLE.table, HEARTBEAT_TABLE.column, stores, heartbeatsFrom, org.heartbeats.deleteBefore);
      for (const t of PARTITIONED_TABLES.filter((p) => p.retention === 'rawEvents')) {
        const from = await oldestKept(t.table, plan.eventsDropBefore);
        if (org.eventsBefore > from) outcome.deletedRows += await this.deleteRows(t.table, t.column, stores, from, org.eventsBefore);
      }
    }
    for (const t of PARTITIONED_TABLES)
      outcome.dropped[t.table] = await this.partitions.dropBefore(t, t.retention === 'heartbeats' ? plan.heartbeatsDropBefore : plan.eventsDropBefore);
    this.logger.log(`retention: ${JSON.stringify(outcome)}`);
    return outcome;
  }

  /**
   * The hourly compaction: every store's finished UTC days, so completeness over any past range reads 96 figures a
   * camera a day instead of 2,880 heartbeats (reports stay flat as history grows). → store-days compacted.
   */
  async compactFinishedDays(nowMs = Date.now()): Promise<number> {
    let days = 0;
    for (const s of await this.directory.listStores(undefined, { includeDeleted: true }))
      days += await this.compactor.compact(s.store_id, finishedDaysUntil(nowMs));
    return days;
  }

  private async deleteRows(table: string, column: string, stores: string[], from: number, before: number): Promise<number> {
    if (!stores.length) return 0;
    const [, count] = (await this.db.query(deleteExpiredRowsSql(table, column), [stores, new Date(from), new Date(before)])) as [unknown, number];
    return count;
  }
}
