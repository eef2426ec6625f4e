import { DataSource } from 'typeorm';
import { DEMO_CAMERAS } from '../../tools/cli/demo-store.ts';
import { SIMULATED_ORG_NAME } from '../../tools/simulator/simulated-fleet.ts';
import { StoreTrafficSimulator, runSimulation, type SimulationSettings } from '../../tools/simulator/store-traffic-simulator.ts';
import { synthesizeStoreDay } from '../../tools/simulator/visitor-journey.ts';
import { WinkApiError } from '../../tools/simulator/wink-api-client.ts';
import { waitFor } from './analytics/analytics-harness.ts';
import { TEST_ADMIN_TOKEN, provisionCamera, startTestApp, type TestApp } from './test-app.ts';

const TABLES = { entrance: 'entrance_events', zone: 'zone_events', shelf: 'shelf_interactions', queue: 'queue_events' } as const;

describe('traffic simulator through the real admin and ingest APIs (real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const settings = (over: Partial<SimulationSettings> = {}): SimulationSettings => ({
    api: t.baseUrl,
    adminToken: TEST_ADMIN_TOKEN,
    target: { stores: 2 },
    days: 2,
    from: '2024-03-08',
    rate: 6,
    promotion: null,
    spikeProbability: 0.5,
    seed: 'e2e',
    batchSize: 200,
    concurrency: 2,
    ...over,
  });

  /** Rows per event type in PostgreSQL, for the stores matching a LIKE pattern and optionally a UTC time range. */
  async function rows(storePattern: string, range?: [string, string]): Promise<Record<keyof typeof TABLES, number>> {
    const ds = t.app.get(DataSource);
    const out = {} as Record<keyof typeof TABLES, number>;
    for (const [type, table] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
      const [r] = range
        ? await ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE store_id LIKE $1 AND ts >= $2 AND ts < $3`, [storePattern, ...range])
        : await ds.query(`SELECT count(*)::int AS n FROM ${table} WHERE store_id LIKE $1`, [storePattern]);
      out[type] = r.n;
    }
    return out;
  }

  it('provisions 2 stores and stores exactly the events it reports, per type', async () => {
    const report = await runSimulation(settings());
    expect(report.stores).toEqual([
      { storeId: 'sim_store_001', timezone: 'Europe/London', firstDate: '2024-03-08', lastDate: '2024-03-09', visitors: expect.any(Number) },
      { storeId: 'sim_store_002', timezone: 'America/Los_Angeles', firstDate: '2024-03-08', lastDate: '2024-03-09', visitors: expect.any(Number) },
    ]);
    expect(report.sent).toBeGreaterThan(300);
    expect(Object.values(report.eventsByType).every((n) => n > 0)).toBe(true);
    expect(report).toMatchObject({ accepted: report.sent, duplicates: 0, heldBack: 0, interrupted: false });
    expect(await rows('sim_store_%')).toEqual(report.eventsByType);

    // The run's edge keys were revoked at the end; the org, stores and cameras stay.
    const keys = await t.admin('GET', '/api/admin/edge-keys?store_id=sim_store_001');
    expect(keys.body.edge_keys).toHaveLength(3);
    expect(keys.body.edge_keys.every((k: { revoked_at: string | null }) => k.revoked_at !== null)).toBe(true);
  });

  it('stores 0 new rows when the same simulation runs again (reusing its stores, with new keys)', async () => {
    const before = await rows('sim_store_%');
    const report = await runSimulation(settings());
    expect(report.sent).toBe(Object.values(before).reduce((a, b) => a + b, 0));
    expect(report.eventsByType).toEqual(before);
    expect(report).toMatchObject({ accepted: 0, duplicates: report.sent });
    expect(await rows('sim_store_%')).toEqual(before);

    const orgs = (await t.admin('GET', '/api/admin/orgs')).body.orgs.filter((o: { name: string }) => o.name === SIMULATED_ORG_NAME);
    expect(orgs).toHaveLength(1);
    const stores = (await t.admin('GET', `/api/admin/stores?org_id=${orgs[0].id}`)).body.stores;
    expect(stores.map((s: { store_id: string }) => s.store_id)).toEqual(['sim_store_001', 'sim_store_002']);
    expect((await t.admin('GET', '/api/admin/cameras?store_id=sim_store_002')).body.cameras).toHaveLength(3);
    expect((await t.admin('GET', '/api/admin/edge-keys?store_id=sim_store_001')).body.edge_keys).toHaveLength(6);
  });

  it('feeds an existing store with the keys an operator hands over, and leaves those keys alone', async () => {
    const keys: Record<string, string> = {};
    let orgId: string | undefined;
    for (const cam of DEMO_CAMERAS) {
      const p = await provisionCamera(t, {
        orgId,
        storeId: 'store_demo_001',
        cameraId: cam.camera_id,
        timezone: 'Europe/London',
        capabilities: cam.capabilities,
      });
      orgId = p.orgId;
      keys[cam.camera_id] = p.apiKey;
    }
    const report = await runSimulation(settings({ target: { storeId: 'store_demo_001', keys }, days: 1, rate: 10 }));
    expect(report.stores).toEqual([
      { storeId: 'store_demo_001', timezone: 'Europe/London', firstDate: '2024-03-08', lastDate: '2024-03-08', visitors: expect.any(Number) },
    ]);
    expect(report.accepted).toBe(report.sent);
    expect(await rows('store_demo_001')).toEqual(report.eventsByType);
    const listed = (await t.admin('GET', '/api/admin/edge-keys?store_id=store_demo_001')).body.edge_keys;
    expect(listed.every((k: { revoked_at: string | null }) => k.revoked_at === null)).toBe(true);
  });

  it("sends the stores' sales through the POS API: conversion in a plausible band, varying by hour, raised by a promotion", async () => {
    // Two weeks from a Monday (before the other tests' days); the second is a promotion (×1.3 footfall, ×1.15 conversion in the model).
    const promotion = { first: '2024-02-12', last: '2024-02-18', lift: 1.3 };
    const report = await runSimulation(
      settings({ target: { stores: 1 }, days: 14, from: '2024-02-05', rate: 60, promotion, spikeProbability: 0, seed: 'sales' }),
    );
    expect(report.sales.receipts).toBeGreaterThan(1000);
    expect(report.sales.amount.GBP).toBeGreaterThan(report.sales.receipts * 15);
    // Through the POS API with a key of the run's own, revoked at the end like its edge keys.
    const posKeys = (await t.admin('GET', '/api/admin/pos-keys')).body.pos_keys.filter((k: { store_id: string }) => k.store_id === 'sim_store_001');
    expect(posKeys.length).toBeGreaterThan(0);
    expect(posKeys.every((k: { revoked_at: string | null }) => k.revoked_at !== null)).toBe(true);

    const history = (await t.admin('GET', '/api/dashboard/history?store_id=sim_store_001&from=2024-02-05&to=2024-02-19&granularity=hour')).body;
    type Bucket = { bucket: string; footfall: number; sales: { transactions: number | null; conversion_rate: number | null } | null };
    const buckets = history.buckets as Bucket[];
    // Every receipt is in an hour: nothing was lost.
    expect(buckets.reduce((a, b) => a + (b.sales?.transactions ?? 0), 0)).toBe(report.sales.receipts);
    /** Transactions ÷ footfall over the hours that have both, optionally only at one store-local hour of the day. */
    const conversion = (week: 'baseline' | 'promo', hour?: number) => {
      let tx = 0;
      let footfall = 0;
      for (const b of buckets) {
        const inPromo = b.bucket.slice(0, 10) >= promotion.first;
        if ((week === 'promo') !== inPromo || b.sales?.conversion_rate == null) continue;
        if (hour !== undefined && Number(b.bucket.slice(11, 13)) !== hour) continue;
        tx += b.sales.transactions ?? 0;
        footfall += b.footfall;
      }
      return tx / footfall;
    };
    const baseline = conversion('baseline');
    expect(baseline).toBeGreaterThan(0.15);
    expect(baseline).toBeLessThan(0.35);
    // Lunch shoppers buy; mid-afternoon browsers less.
    expect(conversion('baseline', 12)).toBeGreaterThan(conversion('baseline', 15) * 1.15);
    expect(conversion('promo') / baseline).toBeGreaterThan(1.05);
  }, 180_000);

  it("stops with the API's status and message when it refuses a batch", async () => {
    const run = runSimulation(
      settings({ target: { storeId: 'store_demo_001', keys: { cam_entrance_01: 'wink_edge_not-a-real-key' } }, days: 1, seed: 'bad-key' }),
    );
    await expect(run).rejects.toThrow(WinkApiError);
    await expect(run).rejects.toThrow('POST /api/ingest/events → 401: authorization: unknown or revoked edge key');
  });

  it('sends nothing from the future, then goes live from where the backfill stopped', async () => {
    // A pinned clock in the past (Tuesday 2024-03-12, 15:00 in London) that runs 600x fast once live.
    const t0 = Date.parse('2024-03-12T15:00:00Z');
    let clock = t0;
    const simulator = new StoreTrafficSimulator(settings({ target: { stores: 1 }, days: 1, from: null, rate: 60, seed: 'live' }), { now: () => clock });
    await simulator.prepare();
    try {
      const backfill = await simulator.backfill();
      expect(backfill.stores[0]).toMatchObject({ firstDate: '2024-03-12', lastDate: '2024-03-12' });
      expect(backfill.heldBack).toBeGreaterThan(0);
      const day: [string, string] = ['2024-03-12T00:00:00Z', '2024-03-13T00:00:00Z'];
      expect(await rows('sim_store_001', day)).toEqual(backfill.eventsByType);
      const [latest] = await t.app.get(DataSource).query(`SELECT max(ts) AS ts FROM entrance_events WHERE store_id = 'sim_store_001' AND ts >= $1`, [day[0]]);
      expect(latest.ts.getTime()).toBeLessThanOrEqual(t0);

      const stop = new AbortController();
      const liveStart = Date.now();
      const ticking = setInterval(() => {
        clock = t0 + (Date.now() - liveStart) * 600;
      }, 50);
      // Live until its first events are sent (the clock runs 600×); the backstop stays hours before the day ends.
      const backstop = setTimeout(() => stop.abort(), 30_000);
      const live = await simulator.live(stop.signal, (status) => status.sent > 0 && stop.abort());
      clearTimeout(backstop);
      clearInterval(ticking);
      expect(live.sent).toBeGreaterThan(0);
      expect(live).toMatchObject({ accepted: live.sent, duplicates: 0 });
      const total = await rows('sim_store_001', day);
      for (const type of Object.keys(TABLES) as (keyof typeof TABLES)[]) expect(total[type]).toBe(backfill.eventsByType[type] + live.eventsByType[type]);
      const [beats] = await t.app.get(DataSource).query(`SELECT count(DISTINCT camera_id)::int AS n FROM camera_heartbeats WHERE store_id = 'sim_store_001'`);
      expect(beats.n).toBe(3);
    } finally {
      await simulator.release();
    }
  }, 120_000);

  it('goes on into the next store-local day when live passes midnight', async () => {
    // From 21:00 UTC on 12 March (London closed) at 10 hours per real second, through all of 13 March.
    const t0 = Date.parse('2024-03-12T21:00:00Z');
    let clock = t0;
    const simulator = new StoreTrafficSimulator(settings({ target: { stores: 1 }, days: 1, from: '2024-03-12', rate: 20, seed: 'midnight' }), {
      now: () => clock,
    });
    const [store] = await simulator.prepare();
    try {
      await simulator.backfill();
      const expected = synthesizeStoreDay(simulator.planFor(store, '2024-03-13'), store.layout).events;
      const byType = Object.fromEntries(Object.keys(TABLES).map((type) => [type, expected.filter((e) => e.event.type === type).length]));
      expect(expected.length).toBeGreaterThan(100);
      const stop = new AbortController();
      const liveStart = Date.now();
      // The clock runs at 10 hours per real second up to 06:00 on the 14th and stays there; the run stops once
      // all of the 13th is stored (a condition, not a wall-clock window: a loaded machine only takes longer).
      const end = Date.parse('2024-03-14T06:00:00Z');
      const ticking = setInterval(() => {
        clock = Math.min(end, t0 + (Date.now() - liveStart) * 36_000);
      }, 20);
      const day13: [string, string] = ['2024-03-13T00:00:00Z', '2024-03-14T00:00:00Z'];
      const caughtUp = waitFor(
        'all of 13 March stored',
        async () => clock === end && JSON.stringify(await rows('sim_store_001', day13)) === JSON.stringify(byType),
        120_000,
      ).finally(() => stop.abort());
      await Promise.all([simulator.live(stop.signal), caughtUp]);
      clearInterval(ticking);
      expect(await rows('sim_store_001', day13)).toEqual(byType);
    } finally {
      await simulator.release();
    }
  }, 150_000);
});
