/**
 * The simulation run: provision (or attach to) stores through the admin API, then send every modelled
 * event through the real ingest API with each camera's own edge key — first a backfill of the requested
 * days, then, if asked, live traffic as the clock advances. The CLI (cli/simulate.ts) only wires flags,
 * the progress bar and Ctrl-C to this class; tests drive it directly.
 */
import { EVENT_TYPES, type EventType } from '../../shared/src/events.ts';
import { attachExistingStore, provisionSimulatedStores, releaseFleet, type Fleet, type SimulatedStore } from './simulated-fleet.ts';
import { addDays, datesBetween, localDate, localMinuteAt } from '../../backend/src/common/store-clock.ts';
import { planDay, visitorsPerHour, type DayPlan, type PlantedSpikes, type Promotion, type Spike } from './traffic-model.ts';
import { synthesizeStoreDaySales, type SimulatedReceipt } from './sales-model.ts';
import { synthesizeStoreDay, type SimulatedEvent } from './visitor-journey.ts';
import { WinkApiClient, type IngestResult, type WinkApiClientOptions } from './wink-api-client.ts';

export interface SimulationSettings {
  api: string;
  adminToken: string;
  /**
   * N simulated stores, or one existing store (with the operator's keys, or keys this run issues; `conversion`
   * multiplies the sales model's conversion for it, 1 when absent).
   */
  target: { stores: number } | { storeId: string; keys: Record<string, string> | null; conversion?: number };
  days: number;
  /** First store-local date; null = the `days` days ending today. */
  from: string | null;
  /** Mean visitors per open hour at the weekly peak. */
  rate: number;
  promotion: Promotion | null;
  /** Probability per store-day of a spike hour. */
  spikeProbability: number;
  /** Spikes on a fixed rhythm of dates, on top of the random ones (the demo plants one in every week). */
  plantedSpikes?: PlantedSpikes | null;
  seed: string;
  batchSize: number;
  concurrency: number;
}

export interface SimulatorHooks {
  /** The clock (tests pin it); events later than it are never sent. */
  now?: () => number;
  onProgress?: (p: SimulationProgress) => void;
  log?: (message: string) => void;
  onRetry?: WinkApiClientOptions['onRetry'];
}

export interface SimulationProgress {
  sent: number;
  total: number;
  accepted: number;
  duplicates: number;
  elapsedMs: number;
}

export interface SpikeRecord extends Spike {
  storeId: string;
  date: string;
  timezone: string;
}

export interface SimulationReport {
  /** Per store, its simulated store-local dates (null when none: --from is still tomorrow there). */
  stores: { storeId: string; timezone: string; firstDate: string | null; lastDate: string | null; visitors: number }[];
  visitors: number;
  /** Events sent, by type (every one was accepted or counted as a duplicate). */
  eventsByType: Record<EventType, number>;
  sent: number;
  accepted: number;
  duplicates: number;
  requests: number;
  /** Events of today still in the future, not sent (a live run sends them when their time comes). */
  heldBack: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** Ground truth for anomaly detection: the spike hours of the simulated days (store-local hours). */
  spikes: SpikeRecord[];
  promotion: Promotion | null;
  /** Stopped early (Ctrl-C); the counts are what was sent until then. */
  interrupted: boolean;
  /** What the stores' tills sent through POST /api/sales (stores with a POS key). */
  sales: SalesTally;
}

/** Receipts sent through the POS API, and what it did with the hours they roll into. */
export interface SalesTally {
  receipts: number;
  /** Per currency: a store reports in one. */
  amount: Record<string, number>;
  requests: number;
  hoursInserted: number;
  hoursCorrected: number;
  hoursUnchanged: number;
}

export interface LiveStatus extends Omit<SimulationProgress, 'total'> {
  /** Visitors per hour the model gives right now, over all stores. */
  visitorsPerHourNow: number;
  requests: number;
}

interface BatchJob {
  store: SimulatedStore;
  cameraId: string;
  events: SimulatedEvent[];
}

/** Receipts per POST /api/sales (the API takes 10,000): a few days of a store's till in one request. */
const SALES_BATCH = 1000;
/** Up to this many events of the counting pass are kept for the sending pass instead of being generated again. */
const DAY_CACHE_EVENTS = 300_000;
const LIVE_TICK_MS = 1000;
const HEARTBEAT_INTERVAL_MS = 30_000;

/** Counts of what the API said about the batches sent. */
class SendTally {
  eventsByType: Record<EventType, number> = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
  sent = 0;
  accepted = 0;
  duplicates = 0;
  requests = 0;

  add(job: BatchJob, result: IngestResult): void {
    for (const e of job.events) this.eventsByType[e.event.type]++;
    this.sent += job.events.length;
    this.accepted += result.accepted;
    this.duplicates += result.duplicates;
    this.requests++;
  }
}

export class StoreTrafficSimulator {
  readonly api: WinkApiClient;
  private fleet: Fleet | null = null;
  /** The "now" of the backfill: it sent everything up to here, live mode continues from here. */
  private cutoffMs: number | null = null;
  private readonly now: () => number;
  private readonly log: (m: string) => void;
  private readonly dayCache = new Map<string, SimulatedEvent[]>();
  private readonly sales: SalesTally = emptySalesTally();

  constructor(
    private readonly settings: SimulationSettings,
    private readonly hooks: SimulatorHooks = {},
  ) {
    this.api = new WinkApiClient(settings.api, settings.adminToken, { onRetry: hooks.onRetry });
    this.now = hooks.now ?? Date.now;
    this.log = hooks.log ?? (() => {});
  }

  /** Checks that the API answers, then sets up the stores, cameras and edge keys. */
  async prepare(): Promise<SimulatedStore[]> {
    await this.api.health();
    const t = this.settings.target;
    this.fleet =
      'stores' in t ? await provisionSimulatedStores(this.api, t.stores, this.log) : await attachExistingStore(this.api, t.storeId, t.keys, t.conversion);
    return this.fleet.stores;
  }

  /** Revokes the edge keys this run issued. Safe to call more than once. */
  async release(): Promise<void> {
    if (this.fleet) await releaseFleet(this.api, this.fleet);
  }

  /** The store-local dates simulated for a store: --from on, or the days ending today; never after today. */
  datesFor(store: SimulatedStore, nowMs: number): string[] {
    const today = localDate(nowMs, store.timezone);
    const first = this.settings.from ?? addDays(today, -(this.settings.days - 1));
    const last = addDays(first, this.settings.days - 1);
    return datesBetween(first, last < today ? last : today);
  }

  planFor(store: SimulatedStore, date: string): DayPlan {
    const s = this.settings;
    return planDay({
      seed: s.seed,
      storeId: store.storeId,
      timezone: store.timezone,
      date,
      peakVisitorsPerHour: s.rate * store.size,
      openingHours: store.openingHours,
      promotion: s.promotion,
      spikeProbability: s.spikeProbability,
      plantedSpikes: s.plantedSpikes,
    });
  }

  /** Sends the simulated days' events (up to now) and reports what the API stored. */
  async backfill(signal?: AbortSignal): Promise<SimulationReport> {
    const fleet = this.requireFleet();
    const started = performance.now();
    const cutoff = this.now();
    this.cutoffMs = cutoff;

    // Pass 1: plan every store-day and count what will be sent, for the progress bar's total.
    const storeDays: { store: SimulatedStore; date: string }[] = [];
    const stores: SimulationReport['stores'] = [];
    const spikes: SpikeRecord[] = [];
    let total = 0;
    let heldBack = 0;
    let visitors = 0;
    let cached = 0;
    const receipts = new Map<SimulatedStore, SimulatedReceipt[]>();
    for (const store of fleet.stores) {
      const dates = this.datesFor(store, cutoff);
      let storeVisitors = 0;
      for (const date of dates) {
        const plan = this.planFor(store, date);
        if (plan.spike) spikes.push({ storeId: store.storeId, date, timezone: store.timezone, ...plan.spike });
        const day = synthesizeStoreDay(plan, store.layout);
        const due = day.events.filter((e) => e.atMs <= cutoff);
        // The till's receipts of the day so far (paid before now), from the same visitors.
        if (store.posKey) {
          let list = receipts.get(store);
          if (!list) receipts.set(store, (list = []));
          for (const r of synthesizeStoreDaySales(plan, day.events, store.conversion)) if (r.atMs <= cutoff) list.push(r);
        }
        storeVisitors += day.visitors;
        total += due.length;
        heldBack += day.events.length - due.length;
        if (cached + due.length <= DAY_CACHE_EVENTS) {
          this.dayCache.set(`${store.storeId}|${date}`, due);
          cached += due.length;
        }
        storeDays.push({ store, date });
      }
      visitors += storeVisitors;
      stores.push({ storeId: store.storeId, timezone: store.timezone, firstDate: dates[0] ?? null, lastDate: dates.at(-1) ?? null, visitors: storeVisitors });
    }
    this.log(
      `${storeDays.length} store-day(s), ${visitors.toLocaleString('en-US')} visitors, ${total.toLocaleString('en-US')} events to send` +
        (heldBack ? ` (${heldBack.toLocaleString('en-US')} later today held back)` : ''),
    );

    // Pass 2: the same days again (deterministic), batched per camera, sent in parallel.
    const tally = new SendTally();
    const progress = () =>
      this.hooks.onProgress?.({ sent: tally.sent, total, accepted: tally.accepted, duplicates: tally.duplicates, elapsedMs: performance.now() - started });
    progress();
    await this.sendBatches(
      this.backfillJobs(storeDays, cutoff),
      (job, result) => {
        tally.add(job, result);
        progress();
      },
      signal,
    );
    for (const [store, list] of receipts) {
      for (let i = 0; i < list.length && !signal?.aborted; i += SALES_BATCH) await this.sendReceipts(store, list.slice(i, i + SALES_BATCH));
    }

    const elapsedMs = performance.now() - started;
    return {
      stores,
      visitors,
      eventsByType: tally.eventsByType,
      sent: tally.sent,
      accepted: tally.accepted,
      duplicates: tally.duplicates,
      requests: tally.requests,
      heldBack,
      elapsedMs,
      eventsPerSecond: tally.sent / Math.max(elapsedMs / 1000, 1e-3),
      spikes,
      promotion: this.settings.promotion,
      interrupted: !!signal?.aborted,
      sales: { ...this.sales, amount: { ...this.sales.amount } },
    };
  }

  /**
   * Real time: every second, sends the events whose moment has come (the same deterministic days,
   * continuing where the backfill stopped), and a heartbeat per camera every 30 s so the cameras show
   * online. Runs until `signal` aborts; the batch in flight is finished first.
   */
  async live(
    signal: AbortSignal,
    onStatus?: (s: LiveStatus) => void,
  ): Promise<Omit<SimulationReport, 'stores' | 'visitors' | 'heldBack' | 'spikes' | 'sales'>> {
    const fleet = this.requireFleet();
    const started = performance.now();
    const startMs = this.cutoffMs ?? this.now();
    const cursors = fleet.stores.map((store) => {
      const date = localDate(startMs, store.timezone);
      const plan = this.planFor(store, date);
      const events = synthesizeStoreDay(plan, store.layout).events;
      const firstUnsent = events.findIndex((e) => e.atMs > startMs);
      const receipts = store.posKey ? synthesizeStoreDaySales(plan, events, store.conversion) : [];
      const firstUnpaid = receipts.findIndex((r) => r.atMs > startMs);
      return {
        store,
        date,
        plan,
        events,
        index: firstUnsent === -1 ? events.length : firstUnsent,
        receipts,
        paid: firstUnpaid === -1 ? receipts.length : firstUnpaid,
      };
    });
    const tally = new SendTally();
    let lastHeartbeat = -Infinity;
    while (!signal.aborted) {
      const t = this.now();
      const jobs: BatchJob[] = [];
      let perHourNow = 0;
      for (const c of cursors) {
        const due: SimulatedEvent[] = [];
        const paid: SimulatedReceipt[] = [];
        for (;;) {
          while (c.index < c.events.length && c.events[c.index].atMs <= t) due.push(c.events[c.index++]);
          while (c.paid < c.receipts.length && c.receipts[c.paid].atMs <= t) paid.push(c.receipts[c.paid++]);
          if (localDate(t, c.store.timezone) <= c.date) break;
          // Midnight passed in the store: move on to its next day.
          c.date = addDays(c.date, 1);
          c.plan = this.planFor(c.store, c.date);
          c.events = synthesizeStoreDay(c.plan, c.store.layout).events;
          c.index = 0;
          c.receipts = c.store.posKey ? synthesizeStoreDaySales(c.plan, c.events, c.store.conversion) : [];
          c.paid = 0;
        }
        jobs.push(...this.batchesOf(c.store, due));
        if (paid.length) await this.sendReceipts(c.store, paid);
        perHourNow += visitorsPerHour(c.plan, localMinuteAt(t, c.store.timezone));
      }
      if (t - lastHeartbeat >= HEARTBEAT_INTERVAL_MS) {
        await this.sendHeartbeats(fleet, t);
        lastHeartbeat = t;
      }
      await this.sendBatches(jobs, (job, result) => tally.add(job, result));
      onStatus?.({
        sent: tally.sent,
        accepted: tally.accepted,
        duplicates: tally.duplicates,
        requests: tally.requests,
        elapsedMs: performance.now() - started,
        visitorsPerHourNow: perHourNow,
      });
      await sleep(LIVE_TICK_MS, signal);
    }
    const elapsedMs = performance.now() - started;
    return {
      eventsByType: tally.eventsByType,
      sent: tally.sent,
      accepted: tally.accepted,
      duplicates: tally.duplicates,
      requests: tally.requests,
      elapsedMs,
      eventsPerSecond: tally.sent / Math.max(elapsedMs / 1000, 1e-3),
      promotion: this.settings.promotion,
      interrupted: true,
    };
  }

  /** The till's receipts through POST /api/sales with the store's POS key; re-sent receipts change nothing. */
  private async sendReceipts(store: SimulatedStore, receipts: SimulatedReceipt[]): Promise<void> {
    if (!store.posKey || receipts.length === 0) return;
    const result = await this.api.sendSales(store.posKey, {
      store_id: store.storeId,
      currency: store.currency,
      receipts: receipts.map((r) => ({ receipt_id: r.receipt_id, ts: new Date(r.atMs).toISOString(), amount: r.amount, units: r.units })),
    });
    const s = this.sales;
    s.receipts += receipts.length;
    s.amount[store.currency] = Math.round(((s.amount[store.currency] ?? 0) + receipts.reduce((a, r) => a + r.amount, 0)) * 100) / 100;
    s.requests++;
    s.hoursInserted += result.inserted;
    s.hoursCorrected += result.corrected;
    s.hoursUnchanged += result.unchanged;
  }

  private requireFleet(): Fleet {
    if (!this.fleet) throw new Error('StoreTrafficSimulator: call prepare() first');
    return this.fleet;
  }

  /** The backfill's batches, store-day by store-day, generated as the senders ask for them. */
  private *backfillJobs(storeDays: { store: SimulatedStore; date: string }[], cutoff: number): Generator<BatchJob> {
    for (const { store, date } of storeDays) {
      const key = `${store.storeId}|${date}`;
      const due = this.dayCache.get(key) ?? synthesizeStoreDay(this.planFor(store, date), store.layout).events.filter((e) => e.atMs <= cutoff);
      this.dayCache.delete(key);
      yield* this.batchesOf(store, due);
    }
  }

  /** A store-day's events per camera, in time order, in batches of at most --batch. */
  private *batchesOf(store: SimulatedStore, events: SimulatedEvent[]): Generator<BatchJob> {
    const byCamera = new Map<string, SimulatedEvent[]>();
    for (const e of events) {
      let list = byCamera.get(e.cameraId);
      if (!list) byCamera.set(e.cameraId, (list = []));
      list.push(e);
    }
    for (const [cameraId, list] of byCamera) {
      for (let i = 0; i < list.length; i += this.settings.batchSize) yield { store, cameraId, events: list.slice(i, i + this.settings.batchSize) };
    }
  }

  /**
   * `--concurrency` requests in flight, each worker taking the next batch when its previous one is done.
   * The first refusal stops every worker (after their requests in flight) and is thrown.
   */
  private async sendBatches(jobs: Iterable<BatchJob>, onSent: (job: BatchJob, result: IngestResult) => void, signal?: AbortSignal): Promise<void> {
    const it = jobs[Symbol.iterator]();
    let failure: { error: unknown } | null = null;
    const worker = async () => {
      while (!failure && !signal?.aborted) {
        const next = it.next();
        if (next.done) return;
        const job = next.value;
        const key = job.store.keys[job.cameraId];
        try {
          const result = await this.api.ingestEvents(key, {
            org_id: job.store.orgId,
            store_id: job.store.storeId,
            camera_id: job.cameraId,
            device_ts: new Date(this.now()).toISOString(),
            events: job.events.map((e) => e.event),
          });
          onSent(job, result);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
    if (failure) throw (failure as { error: unknown }).error;
  }

  private async sendHeartbeats(fleet: Fleet, t: number): Promise<void> {
    for (const store of fleet.stores) {
      for (const [cameraId, key] of Object.entries(store.keys)) {
        await this.api.heartbeat(key, {
          org_id: store.orgId,
          store_id: store.storeId,
          camera_id: cameraId,
          device_ts: new Date(t).toISOString(),
          status_data: { simulated: true, stream_state: 'streaming', fps: 5 },
        });
      }
    }
  }
}

function emptySalesTally(): SalesTally {
  return { receipts: 0, amount: {}, requests: 0, hoursInserted: 0, hoursCorrected: 0, hoursUnchanged: 0 };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Prepare, backfill, release: the whole non-live run, as the CLI and the tests use it. */
export async function runSimulation(settings: SimulationSettings, hooks: SimulatorHooks = {}, signal?: AbortSignal): Promise<SimulationReport> {
  const simulator = new StoreTrafficSimulator(settings, hooks);
  await simulator.prepare();
  let report: SimulationReport;
  try {
    report = await simulator.backfill(signal);
  } catch (e) {
    // The run's own error matters more than a failed clean-up.
    await simulator.release().catch(() => {});
    throw e;
  }
  await simulator.release();
  return report;
}
