import { createRequire } from 'node:module';
import { type ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import fastifyRateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../redis/redis-connection.ts';
import { Counter } from 'prom-client';
import { APP_CONFIG, type AppConfig, DEFAULT_AUTH_FAILURES_PER_MINUTE } from '../config/app-config.ts';
import { WinkMetrics } from '../observability/wink-metrics.service.ts';
import { REDIS } from '../redis/redis.module.ts';

const WINDOW_MS = 60_000;
/** A Redis that takes longer than this to count a failure is bypassed for the in-memory count. */
const REDIS_TIMEOUT_MS = 500;

type Counted = { current: number; ttl: number };
type Done = (err: Error | null, res?: Counted) => void;
interface CountStore {
  incr(key: string, done: Done, timeWindow: number, max: number): void;
  read(key: string, done: Done, timeWindow: number, max: number): void;
}

// The plugin's own two stores (it exports neither, and its `redis` option has no fallback when Redis is down).
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => CountStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: RedisClient,
  key?: string,
) => CountStore;

/**
 * Counts in Redis, so that every API process sees an address's failures; while Redis is down or slow, in this
 * process's memory (the plugin's LRU store), so the throttle keeps working per process instead of failing open.
 */
class RedisOrMemoryStore implements CountStore {
  private readonly local = new LocalStore(false, false, 10_000);

  constructor(
    private readonly redis: RedisClient,
    private readonly shared: CountStore,
  ) {}

  incr(key: string, done: Done, timeWindow: number, max: number): void {
    this.run('incr', key, done, timeWindow, max);
  }

  read(key: string, done: Done, timeWindow: number, max: number): void {
    this.run('read', key, done, timeWindow, max);
  }

  /** Per-route limits are not used (the plugin is registered with `global: false`). */
  child(): this {
    return this;
  }

  private run(op: 'incr' | 'read', key: string, done: Done, timeWindow: number, max: number): void {
    if (this.redis.status !== 'ready') {
      this.local[op](key, done, timeWindow, max);
      return;
    }
    let settled = false;
    const inMemory = () => {
      if (settled) return;
      settled = true;
      this.local[op](key, done, timeWindow, max);
    };
    const timer = setTimeout(inMemory, REDIS_TIMEOUT_MS).unref();
    this.shared[op](
      key,
      (err, res) => {
        clearTimeout(timer);
        if (err) return inMemory();
        if (settled) return;
        settled = true;
        done(null, res);
      },
      timeWindow,
      max,
    );
  }
}

type CountFailure = (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type Check = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Failed authentication, throttled per client address with @fastify/rate-limit: only failures count (a 401
 * is about to be answered), so an edge's steady stream of good requests never touches the limiter. Past
 * `AUTH_FAILURES_PER_MINUTE` failures in a minute, the address's further failures answer 429 with
 * Retry-After (and the plugin's x-ratelimit-* headers) instead of 401.
 *
 * Good API keys from a throttled address are still served: they are 256 random bits, so serving them helps
 * no guesser, and a revoked camera must not lock its store's other cameras out behind the same NAT. The
 * admin token is the one secret a person chooses: from a throttled address it is not even compared, the
 * request counts as one more failure.
 */
@Injectable()
export class AuthFailureThrottle {
  private server?: FastifyInstance;
  private countFailure?: CountFailure;
  private check?: Check;
  private readonly throttledTotal: Counter;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: WinkMetrics,
  ) {
    this.throttledTotal = new Counter({
      name: 'wink_auth_throttled_total',
      help: 'Failed authentications answered 429 because their address had used up its failures',
      registers: [metrics.registry],
    });
  }

  /** Registers the plugin on the app's Fastify server (no limit on any route by itself: `global: false`). */
  async register(app: NestFastifyApplication): Promise<void> {
    const redis = this.redis;
    const shared = new RedisStore(false, false, redis, `${this.config.redisPrefix}:auth-failures:`);
    await app.register(fastifyRateLimit, {
      global: false,
      max: this.config.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE,
      timeWindow: WINDOW_MS,
      store: class extends RedisOrMemoryStore {
        constructor() {
          super(redis, shared);
        }
      },
      skipOnError: true,
      onExceeded: () => this.throttledTotal.inc(),
      errorResponseBuilder: (_req, ctx) =>
        new HttpException(
          {
            statusCode: 429,
            error: 'Too Many Requests',
            field: 'authorization',
            message: `authorization: too many failed attempts from this address; retry in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`,
          },
          429,
        ),
    });
    this.server = app.getHttpAdapter().getInstance() as FastifyInstance;
    this.countFailure = this.server.rateLimit() as CountFailure;
    this.check = this.server.createRateLimit();
  }

  /** True while the request's address has used up its failures (counts nothing). */
  async throttled(req: FastifyRequest): Promise<boolean> {
    if (!this.check) return false;
    const r = await this.check(req, { increment: false });
    return !r.isAllowed && r.isExceeded;
  }

  /**
   * Counts a failed authentication and throws: `refusal` (the 401), or past the limit the plugin's 429
   * with Retry-After.
   */
  async refuse(ctx: ExecutionContext, refusal: HttpException): Promise<never> {
    const http = ctx.switchToHttp();
    if (this.countFailure && this.server) await this.countFailure.call(this.server, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
    throw refusal;
  }
}
