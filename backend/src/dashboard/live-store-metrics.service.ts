import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import { TenantLifecycle } from '../admin/tenant-lifecycle.service.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { localDate, localDateReader } from '../common/store-clock.ts';
import type { LiveStoreView } from '../../../shared/src/read-contract.ts';
import { TypedEvents } from '../common/typed-events.ts';
import { within } from '../common/within.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { secondsOf, SUBJECT_KINDS, subjectOf } from '../ingest/event-kinds.ts';
import { IngestService, type StoredEvents } from '../ingest/ingest.service.ts';
import { StoreTotalsReader, storedEventKey } from '../ingest/store-totals.reader.ts';
import type { CameraStatusView } from './camera-board.ts';
import { CameraStatus } from './camera-status.service.ts';
import { countersFromHash, countersFromTotals, durationMs, hashFromCounters, liveMetrics, type StoreDayCounters } from './live-counters.ts';
import { masters } from '../redis/redis-connection.ts';
import { activeStoresKey, cameraBoardKey, storeDayKeys, storeLiveKeysPattern, type StoreDayKeys } from './live-keys.ts';
import { LiveRedis, RedisUnavailable } from './live-redis.ts';
import { liveScripts, type LiveScripts } from './live-scripts.ts';
import { occupancyNow } from './occupancy.ts';
import { dayBounds, liveKeysExpireAt, storeDayPlan, type StoreDayPlan } from './store-day.ts';

/**
 * The live numbers' in-process events: 'batch.counted' once a stored batch is in the store's counters (or
 * failed to be, Redis down), so a subscriber (the alerts module) that reads /live's numbers sees that batch.
 */
export interface LiveMetricsEvents {
  'batch.counted': { store: StoreView; stored: StoredEvents };
}

/** `occupancy` there is opening-hours aware (occupancy.ts); the shape is declared in the read contract shared with the web dashboard. */
export type { LiveStoreView } from '../../../shared/src/read-contract.ts';
/** Where an answer came from: Redis (the normal case) or PostgreSQL (Redis down, slow, or the store-day still rebuilding). */
export type LiveSource = 'redis' | 'postgres';

/** An event as the Redis scripts take it: [kind, unique key, id or direction, ms, person key]. */
type LiveEvent = [string, string, string, number?, string?];

/**
 * Rows stored this recently may still have their ingest listener ahead of them when a rebuild snapshots
 * PostgreSQL; the rebuild remembers them so those listeners do not count them a second time.
 */
const RECENT_WINDOW_S = 60;

/** A rebuild that has not finished in this time is presumed dead; its lock expires and another may start. */
const REBUILD_LOCK_MS = 10_000;
/** A read waits this long for a rebuild of its store-day, then answers from PostgreSQL (the rebuild goes on). */
const REBUILD_WAIT_MS = 2000;
/** Each Redis step of a rebuild or reconciliation (off the request path, larger commands) is given this long. */
const REBUILD_STEP_TIMEOUT_MS = 5000;
const PFADD_CHUNK = 1000;
/** Stores that ingested (or had a batch answered `duplicate`) this recently have their live counters reconciled. */
export const ACTIVE_WINDOW_MS = 15 * 60_000;

/**
 * Today's numbers of each store, kept in Redis as events are stored, so that reading them costs one
 * Redis round trip and no PostgreSQL query.
 *
 * - Counted at ingest: IngestService's 'events.stored' event hands over only rows the insert actually stored, so edge
 *   retries (duplicates) never move a counter. Events count toward the store-LOCAL date of their `ts`.
 * - A store-day is counted only while its `state` key says `ready`. A missing state (Redis flushed,
 *   restarted, or a new day nobody read yet) makes the next read rebuild that store-day from
 *   PostgreSQL; see docs/dashboard.md for why the rebuild is exact even while events keep arriving.
 * - PostgreSQL is the source of truth: rows whose counting was lost (the API died between the insert and
 *   the Redis update; Redis unreachable) are healed by {@link reconcile}, run periodically by LiveReconciler
 *   for every recently active store. Redis unusable: `/live` answers the same numbers from PostgreSQL.
 */
@Injectable()
export class LiveStoreMetrics implements OnModuleInit {
  private readonly logger = new Logger(LiveStoreMetrics.name);
  readonly events = new TypedEvents<LiveMetricsEvents>(this.logger);
  private readonly scripts: LiveScripts;
  /** One rebuild per store-day per process; other processes are kept out by the state key (a Redis lock). */
  private readonly rebuilds = new Map<string, Promise<void>>();
  /** State keys whose counting failed (Redis unreachable): dropped as soon as Redis answers, forcing a rebuild. */
  private readonly unsynced = new Set<string>();
  /** Store id → last ingest (ms) in this process: survives a Redis flush (the Redis set survives an API restart). */
  private readonly active = new Map<string, number>();
  /** Concurrent PostgreSQL answers for one store-day share one query (Redis down must not multiply the load). */
  private readonly fallbacks = new Map<string, Promise<LiveStoreView>>();
  /** Store-day → its opening ranges as instants, computed once per store row (a change of hours is a new row). */
  private readonly plans = new Map<string, { store: StoreView; plan: StoreDayPlan }>();

  constructor(
    private readonly redis: LiveRedis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly totals: StoreTotalsReader,
    private readonly stores: ReadableStores,
    private readonly cameras: CameraStatus,
    private readonly ingest: IngestService,
    lifecycle: TenantLifecycle,
  ) {
    this.scripts = liveScripts(redis.client);
    // Live numbers are a cache of PostgreSQL: a deleted store's go whatever ?data= says (kept rows are rebuilt on a read).
    lifecycle.ownData({ name: 'live dashboard (Redis)', forgetStore: (storeId) => this.forgetStore(storeId) });
  }

  /** Removes every live key of the store: its store-days, locks, camera board and its place among the active stores. */
  async forgetStore(storeId: string): Promise<void> {
    this.active.delete(storeId);
    const client = this.redis.client;
    // A SCAN sees one server's keys: on a Redis Cluster, every master is scanned. One store's keys share its hash
    // tag, so each DEL stays within one slot.
    for (const node of masters(client)) {
      const stream = node.scanStream({ match: storeLiveKeysPattern(this.config.redisPrefix, storeId), count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await client.del(...keys);
    }
    await client.del(cameraBoardKey(this.config.redisPrefix, storeId));
    await client.zrem(activeStoresKey(this.config.redisPrefix), storeId);
  }

  onModuleInit(): void {
    this.ingest.events.on('events.stored', (stored) => this.record(stored));
  }

  /** The live view of the store's current local day. */
  async live(store: StoreView, nowMs = Date.now()): Promise<LiveStoreView> {
    return (await this.answer(store, nowMs)).view;
  }

  /** The live view and where it came from: Redis, or PostgreSQL when Redis cannot answer right now. */
  async answer(store: StoreView, nowMs = Date.now()): Promise<{ view: LiveStoreView; source: LiveSource }> {
    const view = await this.liveFromRedis(store, nowMs);
    return view ? { view, source: 'redis' } : { view: await this.postgresAnswer(store, nowMs), source: 'postgres' };
  }

  /** The same answer computed straight from PostgreSQL (exact visitor counts): the reference for tests and the benchmark. */
  async liveFromPostgres(store: StoreView, nowMs = Date.now()): Promise<LiveStoreView> {
    const date = localDate(nowMs, store.timezone);
    const { start, end } = dayBounds(date, store.timezone);
    const plan = this.plan(store, date);
    const [totals, cameras] = await Promise.all([
      this.totals.totals(store.store_id, start, end, plan.ranges),
      this.cameras.fromPostgres(store.store_id, nowMs),
    ]);
    const { counters, visitors } = countersFromTotals(totals);
    return this.view(store, date, counters, visitors, cameras, nowMs);
  }

  /**
   * Replaces the counters of the store's current day with what PostgreSQL holds, without losing batches
   * counted meanwhile (see {@link runRebuild}). Only a `ready` store-day is reconciled: an absent one is
   * rebuilt by its next read anyway. → whether it ran.
   */
  async reconcile(store: StoreView, nowMs = Date.now()): Promise<boolean> {
    const date = localDate(nowMs, store.timezone);
    return this.runRebuild(store, date, this.keys(store, date), 'reconcile');
  }

  /** Stores that ingested within {@link ACTIVE_WINDOW_MS}: known to this process, or to any (the Redis set). */
  async recentlyActive(nowMs = Date.now()): Promise<string[]> {
    const since = nowMs - ACTIVE_WINDOW_MS;
    for (const [id, at] of this.active) if (at < since) this.active.delete(id);
    const ids = new Set(this.active.keys());
    const key = activeStoresKey(this.config.redisPrefix);
    const fromRedis = await this.redis.run(
      'active stores',
      async () => {
        await this.redis.client.zremrangebyscore(key, '-inf', `(${since}`);
        return this.redis.client.zrangebyscore(key, since, '+inf');
      },
      REBUILD_STEP_TIMEOUT_MS,
    );
    for (const id of fromRedis) ids.add(id);
    return [...ids].sort();
  }

  private view(
    store: StoreView,
    date: string,
    counters: StoreDayCounters,
    visitors: Record<string, number>,
    cameras: CameraStatusView[],
    nowMs: number,
  ): LiveStoreView {
    const plan = this.plan(store, date);
    const occupancy = occupancyNow(counters, plan.sessions, plan.hoursToday, store.capacity, nowMs);
    return {
      store_id: store.store_id,
      date,
      timezone: store.timezone,
      ...liveMetrics(counters, visitors),
      ...occupancy,
      cameras,
      timestamp: new Date(nowMs).toISOString(),
    };
  }

  /** The store-day's opening ranges (null without opening hours), remembered while the store row is the same. */
  private plan(store: StoreView, date: string): StoreDayPlan {
    const key = `${store.store_id}|${date}`;
    const hit = this.plans.get(key);
    if (hit && hit.store === store) return hit.plan;
    if (this.plans.size > 10_000) this.plans.clear();
    const plan = storeDayPlan(date, store.opening_hours, store.timezone);
    this.plans.set(key, { store, plan });
    return plan;
  }

  /**
   * The view from Redis, or null when Redis cannot give it now (unreachable, no answer in time, or the
   * store-day still rebuilding after {@link REBUILD_WAIT_MS}): the caller answers from PostgreSQL.
   */
  private async liveFromRedis(store: StoreView, nowMs: number): Promise<LiveStoreView | null> {
    if (!this.redis.usable) return null;
    const date = localDate(nowMs, store.timezone);
    const keys = this.keys(store, date);
    try {
      await this.resync();
      for (let attempt = 0; attempt < 3; attempt++) {
        const [ready, counterFields, visitorPairs, board] = await this.redis.run('live read', () =>
          this.scripts.run<[number, string[], (string | number)[], string[]]>(
            'winkLiveRead',
            keys.state,
            keys.counters,
            cameraBoardKey(this.config.redisPrefix, store.store_id),
            keys.visitorsPrefix,
          ),
        );
        if (ready !== 1) {
          const rebuilt = await within(this.rebuild(store, date, keys), REBUILD_WAIT_MS, 'still rebuilding').then(
            () => true,
            () => false,
          );
          if (!rebuilt) return null;
          continue;
        }
        const visitors: Record<string, number> = {};
        for (let i = 0; i < visitorPairs.length; i += 2) visitors[String(visitorPairs[i])] = Number(visitorPairs[i + 1]);
        const cameras = await this.cameras.fromBoard(store.store_id, pairs(board), nowMs);
        return this.view(store, date, countersFromHash(pairs(counterFields)), visitors, cameras, nowMs);
      }
      return null; // rebuilt three times and still not ready (Redis flushed again meanwhile): PostgreSQL answers
    } catch (e) {
      if (!(e instanceof RedisUnavailable)) this.logger.warn(`live numbers of ${store.store_id} not read from Redis: ${(e as Error).message}`);
      return null;
    }
  }

  private postgresAnswer(store: StoreView, nowMs: number): Promise<LiveStoreView> {
    const key = `${store.store_id}|${localDate(nowMs, store.timezone)}`;
    let running = this.fallbacks.get(key);
    if (!running) {
      running = this.liveFromPostgres(store, nowMs).finally(() => this.fallbacks.delete(key));
      this.fallbacks.set(key, running);
    }
    return running.catch((e: Error) => {
      this.logger.warn(`live numbers of ${store.store_id} not read from PostgreSQL either: ${e.message}`);
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        field: 'store_id',
        message: `store_id: live metrics of store ${store.store_id} are unavailable (Redis and PostgreSQL unreachable); retry in a moment`,
      });
    });
  }

  /**
   * Ingest listener: counts newly stored events, one atomic script per store-day touched by the batch.
   * Called for batches answered entirely `duplicate` too (an edge's retry after the API died before
   * counting them): they count nothing, but keep the store in the set of stores to reconcile.
   */
  private async record(stored: StoredEvents): Promise<void> {
    const nowMs = Date.now();
    this.active.set(stored.storeId, nowMs);
    const store = await this.stores.lookup(stored.storeId);
    if (!store) return;
    const byDate = new Map<string, LiveEvent[]>();
    const dateOf = localDateReader(store.timezone);
    const add = (ts: string, ev: LiveEvent) => {
      const date = dateOf(Date.parse(ts));
      let list = byDate.get(date);
      if (!list) byDate.set(date, (list = []));
      list.push(ev);
    };
    const cam = stored.cameraId;
    // Stored events always carry their event_id (the edge's or the derived one).
    for (const e of stored.entrance) {
      // With opening hours, a crossing also counts toward the opening range it falls in (occupancy).
      const ev: LiveEvent = ['e', storedEventKey('entrance', cam, e.event_id!), e.direction];
      const t = Date.parse(e.ts);
      const range = this.plan(store, dateOf(t)).sessionAt(t);
      if (range !== undefined) ev.push(range);
      add(e.ts, ev);
    }
    for (const spec of SUBJECT_KINDS) {
      for (const e of stored[spec.kind]) {
        const ev: LiveEvent = [spec.live.code, storedEventKey(spec.kind, cam, e.event_id!), subjectOf(spec, e), durationMs(secondsOf(spec, e))];
        if (spec.live.visitors) ev.push(e.person_key);
        add(e.ts, ev);
      }
    }

    const touched = [...byDate.keys()].map((date) => this.keys(store, date));
    try {
      // Bounded: Redis down or silent must not hold the edge's batch (stored in PostgreSQL already) for seconds.
      await this.resync();
      // The pipeline holds this store's keys only (one Redis Cluster slot); the set of active stores is a key of its
      // own slot, so it is a command of its own, sent alongside.
      const pipe = this.redis.client.pipeline();
      for (const [date, events] of byDate) {
        const k = this.keys(store, date);
        this.scripts.queue(pipe, 'winkLiveRecord', k.state, k.counters, k.pending, k.recent, k.visitorsPrefix, liveKeysExpireAt(date), JSON.stringify(events));
      }
      const active = activeStoresKey(this.config.redisPrefix);
      const [results] = await this.redis.run('count a batch', () =>
        Promise.all([pipe.exec().then((r) => r ?? []), this.redis.client.zadd(active, nowMs, stored.storeId)]),
      );
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (e) {
      // The rows are safe in PostgreSQL. Whether Redis counted them is unknown, so those store-days are
      // rebuilt once Redis answers again (and reconciled meanwhile); the ingest request itself still succeeds.
      for (const k of touched) this.unsynced.add(k.state);
      if (!(e instanceof RedisUnavailable)) this.logger.warn(`live counters of ${stored.storeId} not updated: ${(e as Error).message}`);
    }
    await this.events.emit('batch.counted', { store, stored }, `after counting a batch of ${stored.storeId}`);
  }

  /** Rebuilds the store-day (once per process at a time); never rejects: a failed rebuild leaves it absent for the next read. */
  private rebuild(store: StoreView, date: string, keys: StoreDayKeys): Promise<void> {
    let running = this.rebuilds.get(keys.state);
    if (!running) {
      running = this.runRebuild(store, date, keys, 'rebuild')
        .then(
          () => undefined,
          (e: Error) => {
            if (!(e instanceof RedisUnavailable)) this.logger.warn(`rebuild of ${keys.state} failed: ${e.message}`);
          },
        )
        .finally(() => this.rebuilds.delete(keys.state));
      this.rebuilds.set(keys.state, running);
    }
    return running;
  }

  /**
   * Rebuild (state absent → `building:<token>`, batches parked, not counted) or reconciliation (state
   * `ready` → `reconciling:<token>`, batches counted AND parked, so readers keep current numbers): snapshot
   * PostgreSQL, then one script swaps the snapshot's counters in and applies the parked batches unless the
   * snapshot already holds them. Why no batch is lost or counted twice, whatever the interleaving:
   * - its listener ran before the state changed: the row was committed before the snapshot began, so the
   *   snapshot holds it (and the old count of it is replaced);
   * - its listener ran after: the batch was parked, and the swap applies it unless it is in the snapshot's
   *   `recent` keys (rows committed in the last {@link RECENT_WINDOW_S} s, read in the same snapshot);
   * - its listener runs after the swap: `recent` makes it skip rows the snapshot counted;
   * - its listener never ran (the API died): the snapshot holds the row. That is the healing.
   * Only the holder of the state token can swap, so concurrent rebuilds or reconciliations cannot mix.
   * → whether the swap happened.
   */
  private async runRebuild(store: StoreView, date: string, keys: StoreDayKeys, mode: 'rebuild' | 'reconcile'): Promise<boolean> {
    const step = <T>(what: string, call: () => Promise<T>) => this.redis.run(`${mode} ${what}`, call, REBUILD_STEP_TIMEOUT_MS);
    const token = `${mode === 'rebuild' ? 'building' : 'reconciling'}:${randomUUID()}`;
    const begin = mode === 'rebuild' ? 'winkLiveBeginRebuild' : 'winkLiveBeginReconcile';
    if (!(await step('start', () => this.scripts.run<number>(begin, keys.state, keys.pending, token, REBUILD_LOCK_MS)))) {
      if (mode === 'rebuild') await this.waitWhileBuilding(keys.state); // another process rebuilds it
      return false;
    }
    const { start, end } = dayBounds(date, store.timezone);
    // One snapshot for totals, visitors and recent keys: "already counted" must mean "in these totals".
    const snapshot = await this.totals.countingSnapshot(store.store_id, start, end, RECENT_WINDOW_S, this.plan(store, date).ranges);
    const expireAt = liveKeysExpireAt(date);
    // HyperLogLogs only ever gain members of this day's stored events, so they can be written before the
    // swap (PFADD is idempotent and order-free: same members, same registers). The recent keys go to a set
    // of this token's own, which the swap renames onto `recent`.
    const recentNext = keys.recentNextPrefix + token;
    const pipe = this.redis.client.pipeline();
    for (const { zoneId, persons } of snapshot.visitors) {
      for (let i = 0; i < persons.length; i += PFADD_CHUNK) pipe.pfadd(keys.visitorsPrefix + zoneId, ...persons.slice(i, i + PFADD_CHUNK));
      pipe.expireat(keys.visitorsPrefix + zoneId, expireAt);
    }
    const recent = snapshot.recentEventKeys;
    for (let i = 0; i < recent.length; i += PFADD_CHUNK) pipe.sadd(recentNext, ...recent.slice(i, i + PFADD_CHUNK));
    pipe.expire(recentNext, RECENT_WINDOW_S * 2);
    const failed = ((await step('write', () => pipe.exec())) ?? []).find(([err]) => err);
    if (failed) throw failed[0];
    const { counters } = countersFromTotals(snapshot.totals);
    const swapped = await step('swap', () =>
      this.scripts.run<number>(
        'winkLiveFinishRebuild',
        keys.state,
        keys.counters,
        keys.pending,
        keys.recent,
        recentNext,
        token,
        keys.visitorsPrefix,
        expireAt,
        JSON.stringify(hashFromCounters(counters)),
      ),
    );
    if (!swapped) this.logger.warn(`${mode} of ${keys.state} outlived its ${REBUILD_LOCK_MS} ms lock; the next read or reconciliation retries`);
    return swapped === 1;
  }

  private async waitWhileBuilding(stateKey: string): Promise<void> {
    const deadline = Date.now() + REBUILD_LOCK_MS;
    while (Date.now() < deadline) {
      const state = await this.redis.run('rebuild wait', () => this.redis.client.get(stateKey));
      if (!state?.startsWith('building:')) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async resync(): Promise<void> {
    if (this.unsynced.size === 0) return;
    // One DEL per key: the stale keys may be of several stores, and so of several Redis Cluster slots.
    for (const k of [...this.unsynced]) {
      await this.redis.run('resync', () => this.redis.client.del(k));
      this.unsynced.delete(k);
    }
  }

  /** A store-day's keys; with opening hours they name the day's ranges, so new hours start new counters (rebuilt from PostgreSQL). */
  private keys(store: StoreView, date: string): StoreDayKeys {
    return storeDayKeys(this.config.redisPrefix, store.store_id, date, this.plan(store, date).tag);
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
