import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PARTITIONED_TABLES, type PartitionedTable } from '../ingest/partitioned-tables.ts';
import { missingMonths, monthOfKey, monthOfPartition, monthsToHave, partitionName, type Month } from './partition-planner.ts';
import {
  countRowsSql,
  createMonthPartitionSql,
  defaultMonthsSql,
  deleteExpiredDefaultSql,
  dropPartitionSql,
  EXISTS_SQL,
  LIST_PARTITIONS_SQL,
  PARTITION_LOCK_SQL,
} from './retention.queries.ts';

export interface CreatedPartition {
  table: string;
  month: string;
  /** Rows moved into it from the default partition. */
  moved: number;
}

/**
 * The month partitions of the event and heartbeat tables, managed by the application rather than pg_partman so
 * that any PostgreSQL 13+ (CI's, a managed service's, Citus) needs no extension. Creates the current month and
 * PARTITION_MONTHS_AHEAD more, gives rows waiting in a default partition their month, and drops whole months.
 * Every change to a table holds an advisory lock, so workers running the same job at once do not collide.
 */
@Injectable()
export class TimePartitions {
  private readonly logger = new Logger('TimePartitions');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The month partitions of a table, oldest first (the default partition is not one). */
  async months(table: string): Promise<Month[]> {
    const rows = (await this.db.query(LIST_PARTITIONS_SQL, [table])) as { name: string }[];
    return rows
      .map((r) => monthOfPartition(table, r.name))
      .filter((m): m is Month => m !== null)
      .sort((a, b) => a.fromMs - b.fromMs);
  }

  /**
   * Every table gets this month and the next `ahead` (planner default), and a month for any rows sitting in its
   * default partition (a late event older than every partition, a clock far ahead). → the partitions created.
   */
  async ensureAhead(nowMs = Date.now(), ahead?: number): Promise<CreatedPartition[]> {
    const created: CreatedPartition[] = [];
    for (const t of PARTITIONED_TABLES) {
      const waiting = ((await this.db.query(defaultMonthsSql(t.table, t.column))) as { key: string }[])
        .map((r) => monthOfKey(r.key))
        .filter((m): m is Month => m !== null);
      const wanted = [...monthsToHave(nowMs, ahead), ...waiting];
      for (const month of missingMonths(await this.months(t.table), wanted)) {
        const moved = await this.createMonth(t, month);
        if (moved !== null) created.push({ table: t.table, month: month.key, moved });
      }
    }
    if (created.length) this.logger.log(`partitions created: ${created.map((c) => `${c.table} ${c.month} (${c.moved} moved)`).join(', ')}`);
    return created;
  }

  /** Creates one month's partition of a table, moving its rows out of the default. → rows moved, null if it existed. */
  async createMonth(t: PartitionedTable, month: Month): Promise<number | null> {
    const name = partitionName(t.table, month);
    return this.db.transaction(async (tx) => {
      await tx.query(PARTITION_LOCK_SQL, [t.table]);
      if (((await tx.query(EXISTS_SQL, [name])) as { found: boolean }[])[0].found) return null;
      const from = new Date(month.fromMs).toISOString();
      const to = new Date(month.toMs).toISOString();
      for (const sql of createMonthPartitionSql(t.table, t.column, name, from, to)) await tx.query(sql);
      return ((await tx.query(countRowsSql(name))) as { n: number }[])[0].n;
    });
  }

  /** Drops a table's month partitions that end at or before `cutoffMs`, and deletes older rows left in its default. → months dropped. */
  async dropBefore(t: PartitionedTable, cutoffMs: number): Promise<string[]> {
    const dropped: string[] = [];
    for (const month of await this.months(t.table)) {
      if (month.toMs > cutoffMs) break;
      await this.db.transaction(async (tx) => {
        await tx.query(PARTITION_LOCK_SQL, [t.table]);
        for (const sql of dropPartitionSql(partitionName(t.table, month))) await tx.query(sql);
      });
      dropped.push(month.key);
    }
    await this.db.query(deleteExpiredDefaultSql(t.table, t.column), [new Date(cutoffMs)]);
    if (dropped.length) this.logger.log(`${t.table}: dropped ${dropped.join(', ')}`);
    return dropped;
  }
}
