import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { createSubscriber, publishEverywhere, type RedisClient } from '../redis/redis-connection.ts';
import { REDIS } from '../redis/redis.module.ts';

/**
 * How long a verified key is trusted from memory. A revocation ends it at once; this bounds the damage if a
 * broadcast is lost anyway, at the price of one PostgreSQL lookup per key and process per minute.
 */
const REMEMBER_MS = 60_000;
/** A flood of distinct keys cannot grow the memory past this. */
const MAX_REMEMBERED = 10_000;
/** How long a key PostgreSQL did not know (or knew as revoked) is answered from memory. */
const UNKNOWN_FOR_MS = 60_000;
/** Unknown keys remembered at most; the oldest is forgotten first (a flood of random keys cannot grow it). */
const MAX_UNKNOWN = 10_000;
/**
 * The revocation channel is almost silent, so a connection that died without a FIN (a NAT or load balancer
 * dropping it) would go unnoticed for hours of TCP keepalive: ask for a PONG this often instead.
 */
const PING_EVERY_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;
/**
 * A message on the channel that names a store (changed, disabled or deleted) rather than a key hash. A process of
 * an older version takes it for a hash it does not know and ignores it, so a rolling upgrade is safe.
 */
const STORE_MESSAGE = 'store:';

/**
 * API keys this process has verified, so that an edge's batch or a dashboard's poll costs no database
 * lookup (bench:ingest profile: the key query was a PostgreSQL round trip per request).
 *
 * Revocation must still be immediate in every API process: `revoked()` forgets the key here and publishes
 * its hash on a Redis channel every process listens to. Memory is used only while this process's
 * subscription is confirmed and answering pings: when it drops, everything remembered is forgotten and each
 * request is verified against PostgreSQL until it is back, so a revocation can never be missed.
 *
 * Unknown (and revoked) keys are remembered too, for a minute and in a bounded map, so that a client
 * repeating a wrong key costs no lookup either. That memory can only be wrong about a key created since,
 * and `created()` clears it here and on the same channel; a new key is 256 random bits that nobody can
 * have presented before it existed, so it does not depend on the subscription (it also works, and matters
 * most, while Redis is down).
 */
@Injectable()
export class VerifiedKeyMemory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(VerifiedKeyMemory.name);
  private readonly remembered = new Map<string, { scope: unknown; until: number }>();
  /** hash → until when it is answered "unknown"; insertion order is age order. */
  private readonly unknown = new Map<string, number>();
  /** Lookups that went to PostgreSQL (the tests count them; operators see a flood of unknown keys). */
  private readonly lookups: Counter<'result'>;
  private subscriber: Redis;
  /** Which seed of a Redis Cluster the subscription is on; the next one is tried when a seed gives up. */
  private seedIndex = 0;
  private closing = false;
  private lastMoveLoggedMs = 0;
  private readonly config: AppConfig;
  private readonly channel: string;
  private subscribed = false;
  /**
   * Bumped by every revocation heard and every change of subscription: a lookup that raced one of them does
   * not store its (possibly stale) answer — a revocation published while we were not listening included.
   */
  private generation = 0;
  private pinger?: NodeJS.Timeout;
  private readonly storeListeners: ((storeId: string) => void)[] = [];

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: WinkMetrics,
  ) {
    // The channel's name predates key creations travelling on it too; renaming it would split a rolling upgrade.
    this.channel = `${config.redisPrefix}:key-revocations`;
    this.lookups = new Counter({
      name: 'wink_key_lookups_total',
      help: 'API key lookups in PostgreSQL (the rest are answered from memory), by result (live, unknown)',
      labelNames: ['result'] as const,
      registers: [metrics.registry],
    });
    this.config = config;
    // A subscribed connection can only listen, so it is a connection of its own (to one node of a Redis Cluster).
    this.subscriber = this.newSubscriber();
  }

  private newSubscriber(): Redis {
    return createSubscriber(this.config, { lazyConnect: true, autoResubscribe: false, maxRetriesPerRequest: null }, this.seedIndex);
  }

  onModuleInit(): void {
    this.listen();
    this.pinger = setInterval(() => void this.checkSubscription(), PING_EVERY_MS).unref();
  }

  private listen(): void {
    const subscriber = this.subscriber;
    subscriber.on('message', (_channel: string, hash: string) => {
      if (hash.startsWith(STORE_MESSAGE)) {
        for (const l of this.storeListeners) l(hash.slice(STORE_MESSAGE.length));
        return;
      }
      this.generation++;
      this.remembered.delete(hash);
      this.unknown.delete(hash);
    });
    // Memory is trusted only once Redis has confirmed the subscription (on every (re)connect), and it starts
    // empty then: anything revoked while this process was not listening was not heard.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => this.trust(true),
        (e: Error) => {
          this.logger.warn(`key revocations not subscribed (${e.message}); every request is verified against PostgreSQL`);
        },
      );
    });
    subscriber.on('close', () => this.trust(false));
    subscriber.on('error', () => undefined); // the main connection reports Redis trouble; here it only means "not subscribed"
    // A Redis Cluster seed that stopped answering is given up on ('end'): the subscription moves to the next seed.
    subscriber.on('end', () => {
      if (this.closing || subscriber !== this.subscriber) return;
      this.seedIndex++;
      this.subscriber = this.newSubscriber();
      // Once a minute at most: with the whole cluster down this goes round the seeds every second or so.
      if (Date.now() - this.lastMoveLoggedMs > 60_000) {
        this.lastMoveLoggedMs = Date.now();
        const { host, port } = this.subscriber.options;
        this.logger.warn(`key revocations: Redis node unreachable, subscribing on ${host}:${port}`);
      }
      this.listen();
    });
    subscriber.connect().catch(() => undefined); // retried by ioredis; until then nothing is remembered
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.pinger);
    this.subscriber.disconnect();
  }

  /** The remembered answer for a key hash (a scope, or null for unknown), else `verify()`'s answer, remembered. */
  async lookup<S>(hash: string, verify: () => Promise<S | null>): Promise<S | null> {
    const now = Date.now();
    const hit = this.remembered.get(hash);
    if (this.subscribed && hit && hit.until > now) return hit.scope as S;
    const unknownUntil = this.unknown.get(hash);
    if (unknownUntil !== undefined) {
      if (unknownUntil > now) return null;
      this.unknown.delete(hash);
    }
    const before = this.generation;
    const scope = await verify();
    this.lookups.inc({ result: scope ? 'live' : 'unknown' });
    if (scope && this.subscribed && before === this.generation) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(hash, { scope, until: now + REMEMBER_MS });
    } else if (!scope) {
      this.remembered.delete(hash);
      // Not when a key change was heard meanwhile: it may have been this key's creation.
      if (before === this.generation) this.rememberUnknown(hash, now);
    }
    return scope;
  }

  /**
   * Call after a new key is committed: no process answers it "unknown" from memory any more. Best effort:
   * key creation does not fail when Redis cannot carry the news (see the class comment for why that is safe).
   */
  async created(hash: string): Promise<void> {
    const failure = await this.changed([hash]);
    if (failure) this.logger.warn(`creation of a key not broadcast: ${failure}`);
  }

  /**
   * Call after the revocation is committed: every API process forgets the key. When the broadcast fails the
   * caller gets a 503 (the revocation itself stands; repeating it repeats the broadcast), because another
   * process may still trust the key from memory for up to a minute.
   */
  async revoked(hash: string): Promise<void> {
    await this.forget([hash], [], 'id', 'the key is revoked');
  }

  /**
   * Every API process forgets these keys (their next use is verified in PostgreSQL, so a key of a store just
   * disabled or deleted is refused at once) and tells its `onStoreChanged` listeners about these stores. Call after
   * the change is committed. 503 naming `field` when Redis cannot carry it (`done`: what stands in the database anyway).
   */
  async forget(hashes: readonly string[], storeIds: readonly string[], field: string, done: string): Promise<void> {
    const failure = await this.changed([...hashes, ...storeIds.map((id) => STORE_MESSAGE + id)]);
    for (const id of storeIds) for (const l of this.storeListeners) l(id);
    if (failure) {
      this.logger.error(`change of ${hashes.length} key(s) and ${storeIds.length} store(s) not broadcast: ${failure}`);
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        field,
        message: `${field}: ${done} in the database, but other API processes could not be told (Redis: ${failure}); they stop trusting its keys within a minute — repeat the request to broadcast again`,
      });
    }
  }

  /** Caches of stores (ReadableStores) forget a store when any process says it changed. */
  onStoreChanged(listener: (storeId: string) => void): void {
    this.storeListeners.push(listener);
  }

  /** Forgets what this process remembers of the keys and tells every process; the reason when Redis could not carry it. */
  private async changed(messages: readonly string[]): Promise<string | null> {
    this.generation++;
    for (const hash of messages) {
      this.remembered.delete(hash);
      this.unknown.delete(hash);
    }
    if (messages.length === 0) return null;
    try {
      // On a cluster, on every node: each has told its own subscribers when this returns.
      const failed = await within(publishEverywhere(this.redis, this.channel, messages), PING_TIMEOUT_MS, 'no answer from Redis');
      return failed ? failed.message : null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  private rememberUnknown(hash: string, now: number): void {
    this.unknown.delete(hash); // re-inserted as the newest
    if (this.unknown.size >= MAX_UNKNOWN) this.unknown.delete(this.unknown.keys().next().value as string);
    this.unknown.set(hash, now + UNKNOWN_FOR_MS);
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
