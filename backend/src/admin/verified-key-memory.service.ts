import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { REDIS } from '../redis/redis.module.ts';

/** How long a verified key is trusted from memory; a revocation ends it at once, this only bounds memory. */
const REMEMBER_MS = 10 * 60_000;
/** A flood of distinct keys cannot grow the memory past this. */
const MAX_REMEMBERED = 10_000;

/**
 * API keys this process has verified, so that an edge's batch or a dashboard's poll costs no database
 * lookup (bench:ingest profile: the key query was a PostgreSQL round trip per request).
 *
 * Revocation must still be immediate in every API process: `revoked()` forgets the key here and publishes
 * its hash on a Redis channel every process listens to. Memory is used only while this process is
 * subscribed: if the subscription drops (Redis restart, network), everything remembered is forgotten and
 * each request is verified against PostgreSQL until it is back, so a revocation can never be missed.
 */
@Injectable()
export class VerifiedKeyMemory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(VerifiedKeyMemory.name);
  private readonly remembered = new Map<string, { scope: unknown; until: number }>();
  private readonly subscriber: Redis;
  private readonly channel: string;
  private subscribed = false;
  /** Bumped by every revocation: a lookup that raced one does not store its (possibly stale) answer. */
  private revocations = 0;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    this.channel = `${config.redisPrefix}:key-revocations`;
    // A subscribed connection can only listen, so it is a connection of its own.
    this.subscriber = redis.duplicate({ lazyConnect: true, autoResubscribe: false, maxRetriesPerRequest: null });
  }

  onModuleInit(): void {
    this.subscriber.on('message', (_channel: string, hash: string) => this.forget(hash));
    // Memory is trusted only once Redis has confirmed the subscription (on every (re)connect), and it starts
    // empty then: anything revoked while this process was not listening was not heard.
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(() => { this.remembered.clear(); this.subscribed = true; }, (e: Error) => {
        this.logger.warn(`key revocations not subscribed (${e.message}); every request is verified against PostgreSQL`);
      });
    });
    this.subscriber.on('close', () => { this.subscribed = false; this.remembered.clear(); });
    this.subscriber.on('error', () => undefined); // the main connection reports Redis trouble; here it only means "not subscribed"
    this.subscriber.connect().catch(() => undefined); // retried by ioredis; until then nothing is remembered
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber.disconnect();
  }

  /** The remembered scope for a key hash, else `verify()`'s answer (remembered when it is a live key). */
  async lookup<S>(hash: string, verify: () => Promise<S | null>): Promise<S | null> {
    const now = Date.now();
    const hit = this.remembered.get(hash);
    if (this.subscribed && hit && hit.until > now) return hit.scope as S;
    const before = this.revocations;
    const scope = await verify();
    if (scope && this.subscribed && before === this.revocations) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(hash, { scope, until: now + REMEMBER_MS });
    } else if (!scope) {
      this.remembered.delete(hash);
    }
    return scope;
  }

  /** Call after the revocation is committed: every API process forgets the key. */
  async revoked(hash: string): Promise<void> {
    this.forget(hash);
    await this.redis.publish(this.channel, hash).catch((e: Error) => {
      // Other processes may still trust the key from memory; they drop it when their subscription drops.
      this.logger.error(`revocation of a key not broadcast (${e.message}): restart the other API processes to be sure`);
    });
  }

  private forget(hash: string): void {
    this.revocations++;
    this.remembered.delete(hash);
  }
}
