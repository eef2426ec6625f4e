import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { ReadableStores } from '../../src/admin/readable-stores.service.ts';
import { storeDayKeys } from '../../src/dashboard/live-keys.ts';
import { LiveReconciler } from '../../src/dashboard/live-reconciler.ts';
import { LiveStoreMetrics, type LiveStoreView } from '../../src/dashboard/live-store-metrics.service.ts';
import { localDate, startOfLocalDay } from '../../src/common/store-clock.ts';
import { REDIS } from '../../src/redis/redis.module.ts';
import { guideBatch } from '../guide-examples.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';
import { comparable, flushRedis, iso, postEvents, startSibling, todayWindow } from './dashboard-fixtures.ts';

describe('Live store metrics in Redis (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  let metrics: LiveStoreMetrics;
  let stores: ReadableStores;
  const today = todayWindow();
  const B = today.base;

  const live = async (storeId = cam.storeId) => {
    const r = await t.call('GET', `/api/dashboard/live?store_id=${storeId}`, { token: t.config.adminToken });
    expect(r.status).toBe(200);
    return r.body as LiveStoreView;
  };
  const fromPostgres = async (storeId = cam.storeId) => metrics.liveFromPostgres((await stores.lookup(storeId))!);

  const guide = () => guideBatch(cam, iso(B)).events;
  /** Hand-counted on top of the guide batch (p1: in, electronics 90 s, shelf_A1 12.5 s, checkout_1 100 s). */
  const more = () => [
    { type: 'entrance', ts: iso(B + 5_000), direction: 'in', person_key: 'p2' },
    { type: 'entrance', ts: iso(B + 6_000), direction: 'in', person_key: 'p3' },
    { type: 'entrance', ts: iso(B + 200_000), direction: 'out', person_key: 'cam_entrance_01_run1_1' },
    { type: 'zone', ts: iso(B + 50_000), zone_id: 'electronics', enter_ts: iso(B + 20_000), exit_ts: iso(B + 50_000), dwell_seconds: 30, person_key: 'p2' },
    {
      type: 'zone',
      ts: iso(B + 300_000),
      zone_id: 'electronics',
      enter_ts: iso(B + 240_000),
      exit_ts: iso(B + 300_000),
      dwell_seconds: 60,
      person_key: 'cam_entrance_01_run1_1',
    },
    { type: 'zone', ts: iso(B + 90_000), zone_id: 'grocery', enter_ts: iso(B + 45_000), exit_ts: iso(B + 90_000), dwell_seconds: 45, person_key: 'p3' },
    { type: 'shelf', ts: iso(B + 60_000), shelf_id: 'shelf_A1', dwell_seconds: 7.5, person_key: 'p2' },
    { type: 'shelf', ts: iso(B + 95_000), shelf_id: 'shelf_B2', dwell_seconds: 3, person_key: 'p3' },
    { type: 'queue', ts: iso(B + 150_000), queue_id: 'checkout_1', enter_ts: iso(B + 110_000), exit_ts: iso(B + 150_000), wait_seconds: 40, person_key: 'p2' },
    { type: 'queue', ts: iso(B + 330_000), queue_id: 'checkout_1', enter_ts: iso(B + 169_000), exit_ts: iso(B + 330_000), wait_seconds: 161, person_key: 'p3' },
  ];
  const expected = {
    footfall: 3,
    occupancy: 2,
    zones: { electronics: { entries: 3, unique_visitors: 2, avg_dwell: 60 }, grocery: { entries: 1, unique_visitors: 1, avg_dwell: 45 } },
    shelves: { shelf_A1: { interactions: 2, avg_dwell: 10 }, shelf_B2: { interactions: 1, avg_dwell: 3 } },
    queues: { checkout_1: { waits: 3, avg_wait: 100.33, max_wait: 161 } },
  };

  beforeAll(async () => {
    t = await startTestApp();
    cam = await provisionCamera(t, { storeId: 'store_demo_001', cameraId: 'cam_entrance_01', timezone: today.tz });
    metrics = t.app.get(LiveStoreMetrics);
    stores = t.app.get(ReadableStores);
  });
  afterAll(async () => {
    await t.close();
  });

  it('starts at zero for a store with no events today', async () => {
    const v = await live();
    expect(v).toEqual({
      store_id: 'store_demo_001',
      date: today.date,
      timezone: today.tz,
      footfall: 0,
      occupancy: 0,
      zones: {},
      shelves: {},
      queues: {},
      capacity: null,
      utilisation: null,
      open: null,
      closed_out: 0,
      opening_hours: null,
      queue_lengths: [],
      sales: null,
      cameras: [expect.objectContaining({ camera_id: 'cam_entrance_01', status: 'offline', last_heartbeat: null })],
      timestamp: expect.any(String),
    });
  });

  it('counts the four guide example events as they are ingested', async () => {
    expect(await postEvents(t, cam, guide())).toMatchObject({ accepted: 4 });
    expect(await live()).toMatchObject({
      footfall: 1,
      occupancy: 1,
      zones: { electronics: { entries: 1, unique_visitors: 1, avg_dwell: 90 } },
      shelves: { shelf_A1: { interactions: 1, avg_dwell: 12.5 } },
      queues: { checkout_1: { waits: 1, avg_wait: 100, max_wait: 100 } },
    });
  });

  it('matches hand-computed numbers for a known set of events, and what PostgreSQL says', async () => {
    expect(await postEvents(t, cam, more())).toMatchObject({ accepted: 10 });
    const v = await live();
    expect(v).toMatchObject(expected);
    expect(Object.keys(v.zones)).toEqual(['electronics', 'grocery']);
    expect(comparable(v)).toEqual(comparable(await fromPostgres()));
  });

  it('never counts duplicates: re-sent batches and ids repeated within a batch move nothing', async () => {
    expect(await postEvents(t, cam, guide())).toEqual({ status: 'ok', received: 4, accepted: 0, duplicates: 4 });
    expect(await postEvents(t, cam, [...more(), ...more()])).toEqual({ status: 'ok', received: 20, accepted: 0, duplicates: 20 });
    expect(await live()).toMatchObject(expected);
  });

  it('counts an event toward its own local day: a late event for yesterday does not inflate today', async () => {
    const yesterday = startOfLocalDay(today.date, today.tz) - 1;
    await postEvents(t, cam, [{ type: 'entrance', ts: iso(yesterday), direction: 'in', person_key: 'late' }]);
    expect(await live()).toMatchObject(expected);
  });

  it('rebuilds from PostgreSQL after Redis is flushed, to the same numbers', async () => {
    const before = comparable(await live());
    expect(await flushRedis(t)).toBeGreaterThan(0);
    const after = await live();
    expect(comparable(after)).toEqual(before);
    expect(after).toMatchObject(expected);
  });

  it('rebuilds correctly when events arrive after the flush but before any read', async () => {
    await flushRedis(t);
    await postEvents(t, cam, [{ type: 'entrance', ts: iso(B + 400_000), direction: 'in', person_key: 'p4' }]);
    const v = await live();
    expect(v).toMatchObject({ footfall: 4, occupancy: 3 });
    expect(comparable(v)).toEqual(comparable(await fromPostgres()));
  });

  it('stays exact when a flush meets concurrent ingest and reads from two app instances', async () => {
    const sibling = await startSibling(t.config);
    try {
      for (let round = 0; round < 3; round++) {
        await flushRedis(t);
        const work: Promise<unknown>[] = [];
        for (let i = 0; i < 12; i++) {
          const events = Array.from({ length: 25 }, (_, j) => ({
            type: 'zone',
            event_id: `r${round}-b${i}-e${j}`,
            ts: iso(B + 1_000 * (i * 25 + j)),
            zone_id: `z${j % 3}`,
            enter_ts: iso(B),
            exit_ts: iso(B + 1_000 * (i * 25 + j)),
            dwell_seconds: ((i * 25 + j) % 17) + 0.25,
            person_key: `v${(i * 25 + j) % 40}`,
          }));
          work.push(
            postEvents(t, cam, [
              ...events,
              { type: 'entrance', event_id: `r${round}-in${i}`, ts: iso(B + i), direction: i % 3 ? 'in' : 'out', person_key: `v${i}` },
            ]),
          );
          const base = i % 2 ? sibling.baseUrl : t.baseUrl;
          work.push(
            fetch(`${base}/api/dashboard/live?store_id=${cam.storeId}`, { headers: { authorization: `Bearer ${t.config.adminToken}` } }).then((r) => r.json()),
          );
        }
        await Promise.all(work);
        expect(comparable(await live())).toEqual(comparable(await fromPostgres()));
      }
    } finally {
      await sibling.app.close();
    }
  });

  it('reads Redis only in the steady state: /live answers while every table is locked in PostgreSQL', async () => {
    const viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' })).body.api_key;
    const read = () =>
      fetch(`${t.baseUrl}/api/dashboard/live?store_id=${cam.storeId}`, { headers: { authorization: `Bearer ${viewer}` }, signal: AbortSignal.timeout(30_000) });
    expect((await read()).status).toBe(200); // warm: key verified, store, counters and cameras cached
    const locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE organizations, stores, cameras, viewer_keys, edge_keys, entrance_events, zone_events,
        shelf_interactions, queue_events, camera_heartbeats IN ACCESS EXCLUSIVE MODE`);
      // A query on any of them would hang until the ROLLBACK below, which comes only after this read: the abort
      // (30 s, generous for a loaded machine) fails the test then, so no elapsed-time bound is needed.
      const r = await read();
      expect(r.status).toBe(200);
      expect(((await r.json()) as LiveStoreView).footfall).toBeGreaterThan(0);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }, 90_000); // beyond the reads' 30 s aborts, so a hang fails with its own error

  it('estimates unique visitors with HyperLogLog within 3% (1,500 people, 3,000 zone entries)', async () => {
    const big = await provisionCamera(t, { orgId: cam.orgId, storeId: 'store_big', cameraId: 'cam_1', timezone: today.tz });
    await live('store_big'); // built (empty) first, so the rest is counted incrementally
    for (let b = 0; b < 3; b++) {
      await postEvents(
        t,
        big,
        Array.from({ length: 1000 }, (_, j) => {
          const i = b * 1000 + j;
          return {
            type: 'zone',
            event_id: `hll-${i}`,
            ts: iso(B + i),
            zone_id: 'aisle',
            enter_ts: iso(B),
            exit_ts: iso(B + i),
            dwell_seconds: 10,
            person_key: `shopper-${i % 1500}`,
          };
        }),
      );
    }
    const v = await live('store_big');
    expect(v.zones.aisle.entries).toBe(3000);
    expect(Math.abs(v.zones.aisle.unique_visitors - 1500)).toBeLessThanOrEqual(45);
    expect((await fromPostgres('store_big')).zones.aisle.unique_visitors).toBe(1500);
    await flushRedis(t);
    expect((await live('store_big')).zones.aisle.unique_visitors).toBe(v.zones.aisle.unique_visitors); // same members, same registers
  });

  it('reconciliation heals counters that missed rows, exactly, while batches keep arriving and two instances reconcile', async () => {
    const redis = t.app.get<Redis>(REDIS);
    const store = (await stores.lookup(cam.storeId))!;
    await live(); // ready
    await postEvents(t, cam, [{ type: 'entrance', event_id: 'rc-first', ts: iso(B + 500), direction: 'in', person_key: 'rc' }]); // now it is an active store
    const keys = storeDayKeys(t.config.redisPrefix, cam.storeId, today.date);
    // As if an API process died after inserting two entrances and a zone entry, before counting them.
    await redis.hincrby(keys.counters, 'in', -2);
    await redis.hincrby(keys.counters, 'zn:electronics', -1);
    expect(comparable(await live())).not.toEqual(comparable(await fromPostgres()));
    expect(await t.app.get(LiveReconciler).tick()).toBeGreaterThanOrEqual(1);
    expect(comparable(await live())).toEqual(comparable(await fromPostgres()));

    const sibling = await startSibling(t.config);
    try {
      for (let round = 0; round < 3; round++) {
        await redis.hincrby(keys.counters, 'in', 5); // drift the other way this time
        const work: Promise<unknown>[] = [];
        for (let i = 0; i < 10; i++) {
          const events = Array.from({ length: 20 }, (_, j) => ({
            type: 'zone',
            event_id: `rc${round}-b${i}-e${j}`,
            ts: iso(B + 1_000 * j),
            zone_id: `z${j % 3}`,
            enter_ts: iso(B),
            exit_ts: iso(B + 1_000 * j),
            dwell_seconds: j + 0.5,
            person_key: `v${j}`,
          }));
          work.push(postEvents(t, cam, [...events, { type: 'entrance', event_id: `rc${round}-in${i}`, ts: iso(B + i), direction: 'in', person_key: `v${i}` }]));
          if (i === 3) work.push(metrics.reconcile(store), sibling.app.get(LiveStoreMetrics).reconcile(store));
        }
        const outcomes = await Promise.all(work);
        // At least one swapped (both, if one finished before the other began): the drift is gone and no batch
        // posted around the swaps is lost or counted twice, with no further reconciliation.
        expect(outcomes.filter((o) => o === true).length).toBeGreaterThanOrEqual(1);
        expect(comparable(await live())).toEqual(comparable(await fromPostgres()));
      }
    } finally {
      await sibling.app.close();
    }
  });

  it('keeps working when Redis was unreachable during ingest: the store-day is rebuilt afterwards', async () => {
    const redis = t.app.get<Redis>(REDIS);
    const before = (await live()).footfall;
    redis.disconnect(); // the next command fails: ioredis is told not to reconnect by disconnect()
    const r = await postEvents(t, cam, [{ type: 'entrance', ts: iso(B + 410_000), direction: 'in', person_key: 'p5' }]);
    expect(r.accepted).toBe(1); // the ingest itself succeeds: the row is in PostgreSQL
    await redis.connect();
    expect((await live()).footfall).toBe(before + 1);
  });
});

describe('The store day across local midnight, far from UTC', () => {
  let t: TestApp;
  let sibling: { app: INestApplication } | null = null;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await sibling?.app.close();
    await t.close();
  });

  it.each(['Asia/Kolkata', 'America/Los_Angeles'])('in %s, events just before local midnight are yesterday, from midnight on today', async (tz) => {
    const storeId = `store_${tz.split('/')[1].toLowerCase()}`;
    const cam = await provisionCamera(t, { storeId, cameraId: 'cam_1', timezone: tz });
    const metrics = t.app.get(LiveStoreMetrics);
    const store = (await t.app.get(ReadableStores).lookup(storeId))!;
    const midnight = startOfLocalDay(localDate(Date.now(), tz), tz); // the latest local midnight, in the past
    // Read both days first so the events below are counted incrementally, not by a rebuild.
    expect((await metrics.live(store, midnight - 1)).footfall).toBe(0);
    expect((await metrics.live(store, midnight)).footfall).toBe(0);

    await postEvents(t, cam, [
      { type: 'entrance', ts: iso(midnight - 1_000), direction: 'in', person_key: 'late_shopper' },
      {
        type: 'zone',
        ts: iso(midnight - 1),
        zone_id: 'z',
        enter_ts: iso(midnight - 60_000),
        exit_ts: iso(midnight - 1),
        dwell_seconds: 60,
        person_key: 'late_shopper',
      },
      { type: 'entrance', ts: iso(midnight - 500), direction: 'out', person_key: 'late_shopper' },
      { type: 'entrance', ts: iso(midnight), direction: 'in', person_key: 'early_1' },
      { type: 'entrance', ts: iso(midnight + 1), direction: 'in', person_key: 'early_2' },
    ]);
    const yesterday = await metrics.live(store, midnight - 1);
    const todayView = await metrics.live(store, midnight + 1);
    expect(yesterday.date < todayView.date).toBe(true);
    expect(yesterday).toMatchObject({ footfall: 1, occupancy: 0, zones: { z: { entries: 1, unique_visitors: 1, avg_dwell: 60 } } });
    expect(todayView).toMatchObject({ date: localDate(Date.now(), tz), footfall: 2, occupancy: 2, zones: {} });
    expect(comparable(yesterday)).toEqual(comparable(await metrics.liveFromPostgres(store, midnight - 1)));

    const http = await t.call('GET', `/api/dashboard/live?store_id=${storeId}`, { token: t.config.adminToken });
    if (http.body.date === todayView.date) expect(http.body).toMatchObject({ footfall: 2, occupancy: 2 }); // unless midnight passed meanwhile
  });

  it('serves the day from a second instance too (shared Redis, no in-process state needed)', async () => {
    const s = await startSibling(t.config);
    sibling = s;
    const r = await fetch(`${s.baseUrl}/api/dashboard/live?store_id=store_kolkata`, { headers: { authorization: `Bearer ${t.config.adminToken}` } });
    const body = (await r.json()) as LiveStoreView;
    const tz = 'Asia/Kolkata';
    if (body.date === localDate(Date.now(), tz)) expect(body).toMatchObject({ footfall: 2, occupancy: 2 });
  });
});
