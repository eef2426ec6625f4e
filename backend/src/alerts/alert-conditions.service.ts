import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.ts';
import { TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { REDIS } from '../redis/redis.module.ts';

/**
 * The store id in a {hash tag}, like every per-store key (live-keys.ts): one Redis Cluster slot per store. Keys of
 * older versions (no tag) are left to expire: losing them only restarts the clocks (see below).
 */
export function alertConditionsKey(prefix: string, storeId: string): string {
  return `${prefix}:alerts:conditions:{${storeId}}`;
}

/** A store's condition memory outlives a quiet weekend, not a month. */
const CONDITIONS_TTL_S = 3 * 86_400;

/**
 * What the duration and loss rules remember between evaluations, per store in one Redis hash: since when a
 * condition has held (a camera not analysing), the last footfall count seen and when it changed, each edge
 * camera's last loss counters. Shared by every process; losing it (Redis flushed) only restarts the clocks, so an
 * alert comes M minutes later, never twice.
 */
@Injectable()
export class AlertConditions {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    lifecycle: TenantLifecycle,
  ) {
    // Live state, not data: a deleted store's conditions go whatever ?data= says.
    lifecycle.ownData({ name: 'alert conditions (Redis)', forgetStore: (storeId) => this.forget(storeId) });
  }

  /** Everything remembered of the store: its clocks start afresh. */
  async forget(storeId: string): Promise<void> {
    await this.redis.del(this.key(storeId));
  }

  /** Since when `field` has held (first seen at `nowMs` if new), or null (and forgotten) when it does not hold. */
  async heldSince(storeId: string, field: string, holds: boolean, nowMs: number): Promise<number | null> {
    const key = this.key(storeId);
    if (!holds) {
      await this.redis.hdel(key, field);
      return null;
    }
    const results = await this.redis.multi().hsetnx(key, field, String(nowMs)).hget(key, field).expire(key, CONDITIONS_TTL_S).exec();
    const first = Number(results?.[1]?.[1]);
    return Number.isFinite(first) ? Math.min(first, nowMs) : nowMs;
  }

  async read<T>(storeId: string, field: string): Promise<T | null> {
    const raw = await this.redis.hget(this.key(storeId), field);
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  async write(storeId: string, field: string, value: unknown): Promise<void> {
    const key = this.key(storeId);
    await this.redis.multi().hset(key, field, JSON.stringify(value)).expire(key, CONDITIONS_TTL_S).exec();
  }

  private key(storeId: string): string {
    return alertConditionsKey(this.config.redisPrefix, storeId);
  }
}
