import { randomBytes } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { REDIS } from '../redis/redis.module.ts';
import type { CreateViewerKeyDto } from './admin.dto.ts';
import { hashKey } from './edge-key.service.ts';
import { ViewerKey } from './entities/viewer-key.entity.ts';
import { StoreDirectory } from './store-directory.service.ts';

export const VIEWER_KEY_PREFIX = 'wink_view_';
const DISPLAY_PREFIX_LENGTH = VIEWER_KEY_PREFIX.length + 6;
/** A verified key is remembered in Redis so a dashboard read costs no PostgreSQL query. */
const CACHE_SECONDS = 86_400;
/** Written over the cache entry on revocation, so a verification racing the revoke cannot re-cache the key as live. */
const REVOKED = 'revoked';
/**
 * Each process also remembers a verified key this long, saving the Redis round trip on a busy dashboard.
 * A revocation clears it here at once; other processes honour it within this time.
 */
const LOCAL_MEMORY_MS = 5_000;
const LOCAL_MEMORY_MAX = 10_000;

export interface ViewerKeyScope { keyId: string; orgId: string }

export interface ViewerKeyView {
  id: string; key_prefix: string; org_id: string; role: 'viewer'; name: string | null; created_at: string; revoked_at: string | null;
}

@Injectable()
export class ViewerKeyService {
  private readonly remembered = new Map<string, { scope: ViewerKeyScope; until: number }>();

  constructor(
    @InjectRepository(ViewerKey) private readonly keys: Repository<ViewerKey>,
    private readonly directory: StoreDirectory,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(dto: CreateViewerKeyDto): Promise<{ id: string; api_key: string; org_id: string; role: 'viewer'; name: string | null; message: string }> {
    await this.directory.getOrg(dto.org_id);
    const apiKey = VIEWER_KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.keys.save(this.keys.create({
      keyHash: hashKey(apiKey), keyPrefix: apiKey.slice(0, DISPLAY_PREFIX_LENGTH), orgId: dto.org_id, role: dto.role, name: dto.name ?? null, revokedAt: null,
    }));
    return { id: row.id, api_key: apiKey, org_id: row.orgId, role: row.role, name: row.name, message: "Store this API key securely - it won't be shown again!" };
  }

  async list(orgId?: string): Promise<ViewerKeyView[]> {
    const rows = await this.keys.find({ where: orgId ? { orgId } : {}, order: { createdAt: 'ASC' } });
    return rows.map((k) => ({
      id: k.id, key_prefix: k.keyPrefix, org_id: k.orgId, role: k.role, name: k.name,
      created_at: k.createdAt.toISOString(), revoked_at: k.revokedAt?.toISOString() ?? null,
    }));
  }

  /** Immediate: the Redis entry is overwritten with a tombstone after the row is marked revoked. */
  async revoke(id: string): Promise<{ id: string; revoked_at: string }> {
    const key = await this.keys.findOneBy({ id });
    if (!key) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `id: API key ${id} does not exist`, field: 'id' });
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.update({ id }, { revokedAt: key.revokedAt });
    }
    this.remembered.delete(key.keyHash);
    await this.redis.set(this.cacheKey(key.keyHash), REVOKED, 'EX', CACHE_SECONDS);
    return { id, revoked_at: key.revokedAt.toISOString() };
  }

  /** The organisation a live viewer key reads for, or null for an unknown or revoked key. */
  async verify(plaintext: string): Promise<ViewerKeyScope | null> {
    if (!plaintext.startsWith(VIEWER_KEY_PREFIX)) return null;
    const hash = hashKey(plaintext);
    const now = Date.now();
    const local = this.remembered.get(hash);
    if (local && local.until > now) return local.scope;
    const scope = await this.verifyShared(hash);
    if (scope) {
      if (this.remembered.size >= LOCAL_MEMORY_MAX) this.remembered.clear(); // bounded: a flood of keys cannot grow it
      this.remembered.set(hash, { scope, until: now + LOCAL_MEMORY_MS });
    } else {
      this.remembered.delete(hash);
    }
    return scope;
  }

  private async verifyShared(hash: string): Promise<ViewerKeyScope | null> {
    const cacheKey = this.cacheKey(hash);
    const cached = await this.redis.get(cacheKey).catch(() => null); // Redis down: PostgreSQL still answers
    if (cached === REVOKED) return null;
    if (cached) return JSON.parse(cached) as ViewerKeyScope;
    const row = await this.keys.findOneBy({ keyHash: hash });
    if (!row) return null; // unknown keys are not cached: nothing to remember, and guessing costs the guesser a round trip
    const scope: ViewerKeyScope = { keyId: row.id, orgId: row.orgId };
    // NX: never overwrite a tombstone written by a concurrent revoke.
    await this.redis.set(cacheKey, row.revokedAt ? REVOKED : JSON.stringify(scope), 'EX', CACHE_SECONDS, 'NX').catch(() => undefined);
    return row.revokedAt ? null : scope;
  }

  private cacheKey(hash: string): string {
    return `${this.config.redisPrefix}:viewer_key:${hash}`;
  }
}
