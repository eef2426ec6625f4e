import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { REDIS } from '../redis/redis.module.ts';

/**
 * How long a verified key is trusted from memory. A revocation ends it at once; this bounds the damage if a
 * broadcast is lost anyway, at the price of one PostgreSQL lookup per key and process per minute.
 */
const REMEMBER_MS = 60_000;
/** A flood of distinct keys cannot grow the memory past this. */
const MAX_REMEMBERED = 10_000;
/**
 * The revocation channel is almost silent, so a connection that died without a FIN (a NAT or load balancer
 * dropping it) would go unnoticed for hours of TCP keepalive: ask for a PONG this often instead.
 */
const PING_EVERY_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;

/**
 * API keys this process has verified, so that an edge's batch or a dashboard's poll costs no database
 * lookup (bench:ingest profile: the key query was a PostgreSQL round trip per request).
 *
 * Revocation must still be immediate in every API process: `revoked()` forgets the key here and publishes
 * its hash on a Redis channel every process listens to. Memory is used only while this process's
 * subscription is confirmed and answering pings: when it drops, everything remembered is forgotten and each
 * request is verified against PostgreSQL until it is back, so a revocation can never be missed.
 */
@Injectable()
export class VerifiedKeyMemory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(VerifiedKeyMemory.name);
  private readonly remembered = new Map<string, { scope: unknown; until: number }>();
  private readonly subscriber: Redis;
  private readonly channel: string;
  private subscribed = false;
  /**
   * Bumped by every revocation heard and every change of subscription: a lookup that raced one of them does
   * not store its (possibly stale) answer — a revocation published while we were not listening included.
   */
  private generation = 0;
  private pinger?: NodeJS.Timeout;

  constructor(@Inject(REDIS) private readonly redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    this.channel = `${config.redisPrefix}:key-revocations`;
    // A subscribed connection can only listen, so it is a connection of its own.
    this.subscriber = redis.duplicate({ lazyConnect: true, autoResubscribe: false, maxRetriesPerRequest: null });
  }

  onModuleInit(): void {
    this.subscriber.on('message', (_channel: string, hash: string) => {
      this.generation++;
      this.remembered.delete(hash);
    });
    // Memory is trusted only once Redis has confirmed the subscription (on every (re)connect), and it starts
    // empty then: anything revoked while this process was not listening was not heard.
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(() => this.trust(true), (e: Error) => {
        this.logger.warn(`key revocations not subscribed (${e.message}); every request is verified against PostgreSQL`);
      });
    });
    this.subscriber.on('close', () => this.trust(false));
    this.subscriber.on('error', () => undefined); // the main connection reports Redis trouble; here it only means "not subscribed"
    this.subscriber.connect().catch(() => undefined); // retried by ioredis; until then nothing is remembered
    this.pinger = setInterval(() => void this.checkSubscription(), PING_EVERY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pinger);
    this.subscriber.disconnect();
  }

  /** The remembered scope for a key hash, else `verify()`'s answer (remembered when it is a live key). */
  async lookup<S>(hash: string, verify: () => Promise<S | null>): Promise<S | null> {
    const now = Date.now();
    const hit = this.remembered.get(hash);
    if (this.subscribed && hit && hit.until > now) return hit.scope as S;
    const before = this.generation;
    const scope = await verify();
    if (scope && this.subscribed && before === this.generation) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(hash, { scope, until: now + REMEMBER_MS });
    } else if (!scope) {
      this.remembered.delete(hash);
    }
    return scope;
  }

  /**
   * Call after the revocation is committed: every API process forgets the key. When the broadcast fails the
   * caller gets a 503 (the revocation itself stands; repeating it repeats the broadcast), because another
   * process may still trust the key from memory for up to a minute.
   */
  async revoked(hash: string): Promise<void> {
    this.generation++;
    this.remembered.delete(hash);
    try {
      await within(this.redis.publish(this.channel, hash), PING_TIMEOUT_MS, 'no answer from Redis');
    } catch (e) {
      this.logger.error(`revocation of a key not broadcast: ${(e as Error).message}`);
      throw new ServiceUnavailableException({
        statusCode: 503, error: 'Service Unavailable', field: 'id',
        message: `id: the key is revoked in the database, but other API processes could not be told (Redis: ${(e as Error).message}); they stop trusting it within a minute — repeat the request to broadcast again`,
      });
    }
  }

  private trust(subscribed: boolean): void {
    this.generation++;
    this.remembered.clear();
    this.subscribed = subscribed;
  }

  /** A subscription that stopped answering is treated as gone, and the connection is made afresh. */
  private async checkSubscription(): Promise<void> {
    if (!this.subscribed) return;
    try {
      await within(this.subscriber.ping(), PING_TIMEOUT_MS, 'no PONG');
    } catch {
      if (!this.subscribed) return;
      this.logger.warn('key revocation subscription stopped answering; reconnecting (keys are checked in PostgreSQL meanwhile)');
      this.trust(false);
      this.subscriber.disconnect(true);
    }
  }
}
