import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RedisClient } from '../redis/redis-connection.ts';
import type { DataSource } from 'typeorm';
import { within } from '../common/within.ts';
import { REDIS } from '../redis/redis.module.ts';
import { PING_SQL } from './ingest.queries.ts';

export interface HealthReport {
  status: 'ok' | 'degraded';
  database: 'up' | 'down';
  redis: 'up' | 'down';
  timestamp: string;
}

const PROBE_TIMEOUT_MS = 1500;

@Injectable()
export class SystemHealth {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, redis] = await Promise.all([
      within(this.db.query(PING_SQL), PROBE_TIMEOUT_MS, 'timeout').then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      within(this.redis.ping(), PROBE_TIMEOUT_MS, 'timeout').then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    ]);
    return { status: database === 'up' && redis === 'up' ? 'ok' : 'degraded', database, redis, timestamp: new Date().toISOString() };
  }
}
