import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import type { StoreView } from '../admin/store-directory.service.ts';
import { localDate, localDateReader } from '../common/store-clock.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { IngestService, type StoredEvents } from '../ingest/ingest.service.ts';
import { StoreTotalsReader, storedEventKey } from '../ingest/store-totals.reader.ts';
import { REDIS } from '../redis/redis.module.ts';
import type { CameraStatusView } from './camera-board.ts';
import { CameraStatus } from './camera-status.service.ts';
import { countersFromHash, countersFromTotals, durationMs, hashFromCounters, liveMetrics, type LiveMetrics } from './live-counters.ts';
import { storeDayKeys, cameraBoardKey, type StoreDayKeys } from './live-keys.ts';
import { liveScripts, type LiveScripts } from './live-scripts.ts';
import { dayBounds, liveKeysExpireAt } from './store-day.ts';

export type LiveStoreView = { store_id: string; date: string; timezone: string } & LiveMetrics & { cameras: CameraStatusView[]; timestamp: string };

/** An event as the Redis scripts take it: [kind, unique key, id or direction, ms, person key]. */
type LiveEvent = [string, string, string, number?, string?];

/**
 * Rows stored this recently may still have their ingest listener ahead of them when a rebuild snapshots
 * PostgreSQL; the rebuild remembers them so those listeners do not count them a second time.
 */
const RECENT_WINDOW_S = 60;

/** A rebuild that has not finished in this time is presumed dead; its lock expires and another may start. */
const REBUILD_LOCK_MS = 10_000;
const PFADD_CHUNK = 1000;

/**
 * Today's numbers of each store, kept in Redis as events are stored, so that reading them costs one
 * Redis round trip and no PostgreSQL query.
 *
 * - Counted at ingest: IngestService.onStored hands over only rows the insert actually stored, so edge
 *   retries (duplicates) never move a counter. Events count toward the store-LOCAL date of their `ts`.
 * - A store-day is counted only while its `state` key says `ready`. A missing state (Redis flushed,
 *   restarted, or a new day nobody read yet) makes the next read rebuild that store-day from
 *   PostgreSQL; see docs/dashboard.md for why the rebuild is exact even while events keep arriving.
 */
@Injectable()
export class LiveStoreMetrics implements OnModuleInit {
  private readonly logger = new Logger(LiveStoreMetrics.name);
  private readonly scripts: LiveScripts;
  /** One rebuild per store-day per process; other processes are kept out by the state key (a Redis lock). */
  private readonly rebuilds = new Map<string, Promise<void>>();
  /** State keys whose counting failed (Redis unreachable): dropped as soon as Redis answers, forcing a rebuild. */
  private readonly unsynced = new Set<string>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly totals: StoreTotalsReader,
    private readonly stores: ReadableStores,
    private readonly cameras: CameraStatus,
    private readonly ingest: IngestService,
  ) {
    this.scripts = liveScripts(redis);
  }

  onModuleInit(): void {
    this.ingest.onStored((stored) => this.record(stored));
  }

  /** The live view of the store's current local day. */
  async live(store: StoreView, nowMs = Date.now()): Promise<LiveStoreView> {
    const date = localDate(nowMs, store.timezone);
    const keys = this.keys(store.store_id, date);
    await this.resync();
    for (let attempt = 0; attempt < 3; attempt++) {
      const [ready, counterFields, visitorPairs, board] = await this.scripts.run<[number, string[], (string | number)[], string[]]>(
        'winkLiveRead', keys.state, keys.counters, cameraBoardKey(this.config.redisPrefix, store.store_id), keys.visitorsPrefix,
      );
      if (ready !== 1) {
        await this.rebuild(store, date, keys);
        continue;
      }
      const visitors: Record<string, number> = {};
      for (let i = 0; i < visitorPairs.length; i += 2) visitors[String(visitorPairs[i])] = Number(visitorPairs[i + 1]);
      const cameras = await this.cameras.fromBoard(store.store_id, pairs(board), nowMs);
      return this.view(store, date, liveMetrics(countersFromHash(pairs(counterFields)), visitors), cameras, nowMs);
    }
    throw new ServiceUnavailableException({
      statusCode: 503, error: 'Service Unavailable', field: 'store_id',
      message: `store_id: live metrics of store ${store.store_id} are being rebuilt; retry in a moment`,
    });
  }

  /** The same answer computed straight from PostgreSQL (exact visitor counts): the reference for tests and the benchmark. */
  async liveFromPostgres(store: StoreView, nowMs = Date.now()): Promise<LiveStoreView> {
    const date = localDate(nowMs, store.timezone);
    const { start, end } = dayBounds(date, store.timezone);
    const [totals, cameras] = await Promise.all([this.totals.totals(store.store_id, start, end), this.cameras.fromPostgres(store.store_id, nowMs)]);
    const { counters, visitors } = countersFromTotals(totals);
    return this.view(store, date, liveMetrics(counters, visitors), cameras, nowMs);
  }

  private view(store: StoreView, date: string, metrics: LiveMetrics, cameras: CameraStatusView[], nowMs: number): LiveStoreView {
    return { store_id: store.store_id, date, timezone: store.timezone, ...metrics, cameras, timestamp: new Date(nowMs).toISOString() };
  }

  /** Ingest listener: counts newly stored events, one atomic script per store-day touched by the batch. */
  private async record(stored: StoredEvents): Promise<void> {
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
    for (const e of stored.entrance) add(e.ts, ['e', storedEventKey('entrance', cam, e.event_id!), e.direction]);
    for (const e of stored.zone) add(e.ts, ['z', storedEventKey('zone', cam, e.event_id!), e.zone_id, durationMs(e.dwell_seconds), e.person_key]);
    for (const e of stored.shelf) add(e.ts, ['s', storedEventKey('shelf', cam, e.event_id!), e.shelf_id, durationMs(e.dwell_seconds)]);
    for (const e of stored.queue) add(e.ts, ['q', storedEventKey('queue', cam, e.event_id!), e.queue_id, durationMs(e.wait_seconds)]);

    const touched = [...byDate.keys()].map((date) => this.keys(stored.storeId, date));
    try {
      await this.resync();
      const pipe = this.redis.pipeline();
      for (const [date, events] of byDate) {
        const k = this.keys(stored.storeId, date);
        this.scripts.queue(pipe, 'winkLiveRecord', k.state, k.counters, k.pending, k.recent, k.visitorsPrefix, liveKeysExpireAt(date), JSON.stringify(events));
      }
      const results = (await pipe.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (e) {
      // The rows are safe in PostgreSQL. Whether Redis counted them is unknown, so those store-days are
      // rebuilt once Redis answers again; the ingest request itself still succeeds.
      for (const k of touched) this.unsynced.add(k.state);
      this.logger.warn(`live counters of ${stored.storeId} not updated: ${(e as Error).message}`);
    }
  }

  private rebuild(store: StoreView, date: string, keys: StoreDayKeys): Promise<void> {
    let running = this.rebuilds.get(keys.state);
    if (!running) {
      running = this.runRebuild(store, date, keys).finally(() => this.rebuilds.delete(keys.state));
      this.rebuilds.set(keys.state, running);
    }
    return running;
  }

  /**
   * Lock (state := building:<token>), snapshot PostgreSQL, swap the snapshot in and mark ready.
   * Batches stored meanwhile are parked by their listeners and applied at the swap unless the snapshot
   * already saw them (the `recent` set), so each event is counted exactly once.
   */
  private async runRebuild(store: StoreView, date: string, keys: StoreDayKeys): Promise<void> {
    const token = `building:${randomUUID()}`;
    if (!(await this.scripts.run<number>('winkLiveBeginRebuild', keys.state, keys.pending, token, REBUILD_LOCK_MS))) {
      await this.waitWhileBuilding(keys.state); // another process rebuilds it
      return;
    }
    const { start, end } = dayBounds(date, store.timezone);
    // One snapshot for totals, visitors and recent keys: "already counted" must mean "in these totals".
    const snapshot = await this.totals.countingSnapshot(store.store_id, start, end, RECENT_WINDOW_S);
    const expireAt = liveKeysExpireAt(date);
    // HyperLogLogs and the recent set only ever gain members of this day's stored events, so they can be
    // written before the swap (PFADD is idempotent and order-free: same members, same registers).
    const pipe = this.redis.pipeline();
    for (const { zoneId, persons } of snapshot.visitors) {
      for (let i = 0; i < persons.length; i += PFADD_CHUNK) pipe.pfadd(keys.visitorsPrefix + zoneId, ...persons.slice(i, i + PFADD_CHUNK));
      pipe.expireat(keys.visitorsPrefix + zoneId, expireAt);
    }
    const recent = snapshot.recentEventKeys;
    for (let i = 0; i < recent.length; i += PFADD_CHUNK) pipe.sadd(keys.recent, ...recent.slice(i, i + PFADD_CHUNK));
    pipe.expire(keys.recent, RECENT_WINDOW_S * 2);
    const failed = ((await pipe.exec()) ?? []).find(([err]) => err);
    if (failed) throw failed[0];
    const { counters } = countersFromTotals(snapshot.totals);
    const swapped = await this.scripts.run<number>('winkLiveFinishRebuild', keys.state, keys.counters, keys.pending, keys.recent,
      token, keys.visitorsPrefix, expireAt, JSON.stringify(hashFromCounters(counters)));
    if (!swapped) this.logger.warn(`rebuild of ${keys.state} outlived its ${REBUILD_LOCK_MS} ms lock; the next read retries`);
  }

  private async waitWhileBuilding(stateKey: string): Promise<void> {
    const deadline = Date.now() + REBUILD_LOCK_MS;
    while (Date.now() < deadline) {
      const state = await this.redis.get(stateKey);
      if (!state?.startsWith('building:')) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async resync(): Promise<void> {
    if (this.unsynced.size === 0) return;
    const stale = [...this.unsynced];
    await this.redis.del(...stale);
    for (const k of stale) this.unsynced.delete(k);
  }

  private keys(storeId: string, date: string): StoreDayKeys {
    return storeDayKeys(this.config.redisPrefix, storeId, date);
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
