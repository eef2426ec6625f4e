// Issue #19, horizontal scale: two API processes (RUN_WORKERS=false) and two worker processes — four real node
// processes, as four machines would run them — share one PostgreSQL database and one Redis prefix. Events sent
// through both APIs (each batch re-sent through the other, some at the same instant) are stored once and counted
// once live on both; the rollup and report jobs are each processed once and shared by both workers; a key revoked
// or a store deleted on one API is refused by the other at once; a worker killed mid-job has its jobs taken over.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { StoreEvent } from '../../shared/src/events.ts';
import { JOB, queuePrefix, REPORT_QUEUE, ROLLUP_QUEUE } from '../src/analytics/analytics.queues.ts';
import { ROLLUP_LOCK_NAMESPACE } from '../src/analytics/hourly-rollup.service.ts';
import { SeededRandom } from '../src/common/seeded-random.ts';
import { addDays, localDate, startOfLocalDay } from '../src/common/store-clock.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../src/database/throwaway-database.ts';
import { type BackendTarget, spawnBackend, spawnWorker, TEST_ADMIN_TOKEN, waitFor } from './analytics/analytics-harness.ts';
import { dropRedisPrefix } from '../../bench/redis-prefix.ts';
import { todayWindow } from './dashboard/dashboard-fixtures.ts';
import { freePort } from './redis-cluster-node.ts';
import { redisUrlOptions } from '../src/redis/redis-connection.ts';

const HOUR = 3_600_000;
/** Starting four processes from the TypeScript sources takes seconds idle and far longer on a loaded 2-core machine. */
const START_MS = 180_000;
/** Every other wait: generous, since each ends as soon as its condition holds. */
const SETTLE_MS = 120_000;
/** The workers' job lock: a dead worker's jobs are taken over after about this (twice at most). Long enough that a loaded but live worker keeps its lock. */
const JOB_LOCK_MS = 5000;
const STORES = ['scale_a', 'scale_b', 'scale_c'];
const CAMERA = 'cam_1';
const BATCH = 40;

interface Api {
  name: string;
  baseUrl: string;
  child: ChildProcess;
}
interface Reply {
  status: number;
  body: any;
}

async function call(api: Api, method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, connection: 'close' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(api.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

const admin = (api: Api, method: string, path: string, body?: unknown) => call(api, method, path, TEST_ADMIN_TOKEN, body);

/** A job as BullMQ recorded it: who ran it last, how often it was started, and whether it was ever found stalled. */
function record(job: Job): { id: string; name: string; by: string | undefined; started: number; stalled: number } {
  return { id: job.id!, name: job.name, by: job.processedBy, started: job.attemptsStarted, stalled: job.stalledCounter };
}

/** Raw events per store and UTC hour against the rolled-up ones: the hours where they differ. */
const ROLLUP_MISMATCH_SQL = `
  WITH raw AS (SELECT store_id, date_trunc('hour', ts) AS h, count(*)::int AS n
                 FROM (SELECT store_id, ts FROM entrance_events UNION ALL SELECT store_id, ts FROM zone_events) e GROUP BY 1, 2),
       rolled AS (SELECT store_id, hour_start AS h, sum(event_count + exit_count)::int AS n FROM hourly_rollups GROUP BY 1, 2)
  SELECT coalesce(raw.store_id, rolled.store_id) AS store_id, coalesce(raw.h, rolled.h) AS h, raw.n AS raw, rolled.n AS rolled
    FROM raw FULL JOIN rolled ON raw.store_id = rolled.store_id AND raw.h = rolled.h
   WHERE raw.n IS DISTINCT FROM rolled.n AND coalesce(raw.n, 0) + coalesce(rolled.n, 0) > 0`;

/** Today's live numbers of a store, counted in PostgreSQL (no opening hours: occupancy is in − out since local midnight). */
const LIVE_TRUTH_SQL = `
  SELECT (SELECT count(*)::int FROM entrance_events WHERE store_id = $1 AND ts >= $2 AND direction = 'in') AS footfall,
         (SELECT count(*)::int FROM entrance_events WHERE store_id = $1 AND ts >= $2 AND direction = 'out') AS exits,
         (SELECT count(*)::int FROM zone_events WHERE store_id = $1 AND ts >= $2 AND zone_id = 'aisle') AS entries,
         (SELECT count(DISTINCT person_key)::int FROM zone_events WHERE store_id = $1 AND ts >= $2 AND zone_id = 'aisle') AS visitors`;

describe('two API processes and two worker processes share the load (real PostgreSQL, Redis, node processes)', () => {
  let db: ThrowawayDatabase;
  let target: BackendTarget;
  const apis: Api[] = [];
  const workers: ChildProcess[] = [];
  let pgc: pg.Client;
  let rollupQueue: Queue;
  let reportQueue: Queue;
  const keys = new Map<string, { keyId: string; apiKey: string }>();
  let orgId: string;
  let viewer: string;
  const { tz, base: todayBase } = todayWindow();
  const workerName = (w: ChildProcess) => `:${w.pid}`;
  const whoseIs = (by: string | undefined) => workers.findIndex((w) => by?.endsWith(workerName(w)));

  beforeAll(async () => {
    db = await createThrowawayDatabase();
    target = { db, config: { redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', redisPrefix: `wink_test_${randomBytes(4).toString('hex')}` } };
    pgc = new pg.Client({ connectionString: db.url });
    await pgc.connect();
    const connection = redisUrlOptions(target.config.redisUrl);
    rollupQueue = new Queue(ROLLUP_QUEUE, { connection, prefix: queuePrefix(target.config.redisPrefix, ROLLUP_QUEUE) });
    reportQueue = new Queue(REPORT_QUEUE, { connection, prefix: queuePrefix(target.config.redisPrefix, REPORT_QUEUE) });
    // The children are recorded the moment they exist, so afterAll kills them whatever fails below.
    for (const name of ['api1', 'api2']) {
      const port = await freePort();
      const child = spawnBackend('backend/src/main.ts', target, {
        PORT: String(port),
        HOST: '127.0.0.1',
        RUN_WORKERS: 'false',
        ANALYTICS_ROLLUP_DEBOUNCE_MS: '200',
        ANALYTICS_REPORT_WAIT_MS: '0',
      });
      apis.push({ name, baseUrl: `http://127.0.0.1:${port}`, child });
    }
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(target, { ANALYTICS_JOB_LOCK_MS: String(JOB_LOCK_MS) }));
    const alive = () => {
      const dead = [...apis.map((a) => a.child), ...workers].find((c) => c.exitCode !== null);
      if (dead) throw new Error(`process ${dead.pid} exited with ${dead.exitCode} while starting`);
    };
    for (const api of apis) {
      await waitFor(
        `${api.name} to answer its health check`,
        async () => {
          alive();
          return (await fetch(`${api.baseUrl}/api/ingest/health`).catch(() => null))?.status === 200;
        },
        START_MS,
      );
    }
    await waitFor(
      'both workers to listen on both queues',
      async () => {
        alive();
        return (await rollupQueue.getWorkersCount()) >= 2 && (await reportQueue.getWorkersCount()) >= 2;
      },
      START_MS,
    );
    // Every process (APIs and workers alike) hears key and store changes: until all four confirmed, wait.
    const redis = new Redis(target.config.redisUrl);
    try {
      await waitFor(
        'all four processes to subscribe to key changes',
        async () => ((await redis.pubsub('NUMSUB', `${target.config.redisPrefix}:key-revocations`)) as [string, number])[1] >= 4,
        START_MS,
      );
    } finally {
      redis.disconnect();
    }

    const org = await admin(apis[0], 'POST', '/api/admin/orgs', { name: 'Scale-out Retail' });
    orgId = org.body.id;
    // Provisioning alternates between the APIs too: each sees what the other created.
    for (const [i, storeId] of STORES.entries()) {
      const api = apis[i % 2];
      expect((await admin(api, 'POST', '/api/admin/stores', { org_id: orgId, store_id: storeId, name: storeId, timezone: tz })).status).toBe(201);
      expect(
        (await admin(api, 'POST', '/api/admin/cameras', { store_id: storeId, camera_id: CAMERA, name: CAMERA, capabilities: ['entrance', 'zones'] })).status,
      ).toBe(201);
      const k = await admin(apis[(i + 1) % 2], 'POST', '/api/admin/edge-keys', { org_id: orgId, store_id: storeId, camera_id: CAMERA });
      expect(k.status).toBe(201);
      keys.set(storeId, { keyId: k.body.id, apiKey: k.body.api_key });
    }
    viewer = (await admin(apis[1], 'POST', '/api/admin/api-keys', { org_id: orgId, role: 'viewer', name: 'analyst' })).body.api_key;
  }, START_MS * 2);

  afterAll(async () => {
    // Whatever failed: no process outlives the test, nothing stays in Redis or PostgreSQL.
    const children = [...apis.map((a) => a.child), ...workers];
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      }),
    );
    await rollupQueue?.close();
    await reportQueue?.close();
    await pgc?.end();
    if (target) await dropRedisPrefix(target.config.redisUrl, target.config.redisPrefix);
    await db?.drop();
  }, 60_000);

  /** One store's events: entrances on 6 hours of each of the last 7 days, and today's entrances and zone visits. */
  function storeEvents(storeId: string): { events: StoreEvent[]; hours: number } {
    const random = new SeededRandom(`scale-out/${storeId}`);
    const events: StoreEvent[] = [];
    const today = localDate(Date.now(), tz);
    let hours = 0;
    for (let d = 1; d <= 7; d++) {
      const dayStart = startOfLocalDay(addDays(today, -d), tz);
      for (let h = 10; h < 16; h++, hours++) {
        const n = random.int(3, 9);
        for (let i = 0; i < n; i++) {
          const id = `${storeId}-${d}-${h}-${i}`;
          events.push({
            type: 'entrance',
            event_id: id,
            ts: new Date(dayStart + h * HOUR + random.int(0, HOUR)).toISOString(),
            direction: 'in',
            person_key: id,
          });
        }
      }
    }
    // Today, within the window todayWindow() keeps clear of midnight: more in than out, people seen in the aisle twice.
    const at = (ms: number) => new Date(todayBase + ms).toISOString();
    for (let i = 0; i < 60; i++) {
      events.push({ type: 'entrance', event_id: `${storeId}-in-${i}`, ts: at(random.int(0, 400_000)), direction: 'in', person_key: `p${i}` });
      if (i % 3 === 0)
        events.push({ type: 'entrance', event_id: `${storeId}-out-${i}`, ts: at(random.int(0, 400_000)), direction: 'out', person_key: `p${i}` });
    }
    for (let i = 0; i < 45; i++) {
      const exit = 30_000 + random.int(0, 370_000);
      events.push({
        type: 'zone',
        event_id: `${storeId}-zone-${i}`,
        ts: at(exit),
        zone_id: 'aisle',
        enter_ts: at(exit - 20_000),
        exit_ts: at(exit),
        dwell_seconds: 20,
        person_key: `p${i % 30}`,
      });
    }
    return { events, hours };
  }

  const sent = new Map<string, number>();

  it(
    'events sent through both APIs, and re-sent through the other, are stored once and counted once live on both',
    async () => {
      const tally = { accepted: 0, duplicates: 0, requests: [0, 0] };
      await Promise.all(
        STORES.map(async (storeId, s) => {
          const { events } = storeEvents(storeId);
          sent.set(storeId, events.length);
          const key = keys.get(storeId)!.apiKey;
          for (let b = 0, i = s; b < events.length; b += BATCH, i++) {
            const batch = { org_id: orgId, store_id: storeId, camera_id: CAMERA, device_ts: new Date().toISOString(), events: events.slice(b, b + BATCH) };
            const [first, other] = [i % 2, (i + 1) % 2];
            // Every third batch reaches both APIs at the same instant (an edge retrying on a timeout behind a load balancer).
            const replies =
              i % 3 === 0
                ? await Promise.all([call(apis[first], 'POST', '/api/ingest/events', key, batch), call(apis[other], 'POST', '/api/ingest/events', key, batch)])
                : [await call(apis[first], 'POST', '/api/ingest/events', key, batch), await call(apis[other], 'POST', '/api/ingest/events', key, batch)];
            for (const r of replies) expect(r.status).toBe(200);
            tally.requests[first]++;
            tally.requests[other]++;
            const [accepted, duplicates] = [replies[0].body.accepted + replies[1].body.accepted, replies[0].body.duplicates + replies[1].body.duplicates];
            expect({ accepted, duplicates }).toEqual({ accepted: batch.events.length, duplicates: batch.events.length });
            tally.accepted += accepted;
            tally.duplicates += duplicates;
          }
        }),
      );
      const total = [...sent.values()].reduce((a, n) => a + n, 0);
      expect({ accepted: tally.accepted, duplicates: tally.duplicates }).toEqual({ accepted: total, duplicates: total });
      for (const n of tally.requests) expect(n).toBeGreaterThan(0);
      const stored = await pgc.query(
        `SELECT store_id, count(*)::int AS n FROM (SELECT store_id FROM entrance_events UNION ALL SELECT store_id FROM zone_events) e GROUP BY 1 ORDER BY 1`,
      );
      expect(stored.rows).toEqual(STORES.map((s) => ({ store_id: s, n: sent.get(s) })));

      // Live numbers (Redis counters, written by whichever API took the batch) read through either API = PostgreSQL's count.
      const todayStart = new Date(startOfLocalDay(localDate(todayBase, tz), tz));
      for (const storeId of STORES) {
        const truth = (await pgc.query(LIVE_TRUTH_SQL, [storeId, todayStart])).rows[0];
        expect(truth).toEqual({ footfall: 60, exits: 20, entries: 45, visitors: 30 });
        const expected = { footfall: truth.footfall, occupancy: truth.footfall - truth.exits, entries: truth.entries, unique_visitors: truth.visitors };
        for (const api of apis) {
          const live = await call(api, 'GET', `/api/dashboard/live?store_id=${storeId}`, viewer);
          expect(live.status).toBe(200);
          const aisle = live.body.zones.aisle;
          expect({
            api: api.name,
            footfall: live.body.footfall,
            occupancy: live.body.occupancy,
            entries: aisle.entries,
            unique_visitors: aisle.unique_visitors,
          }).toEqual({
            api: api.name,
            ...expected,
          });
        }
      }
      console.log(
        `scale-out ingest (Redis prefix ${target.config.redisPrefix}, database ${db.name}): ${total} events in ${tally.requests[0] + tally.requests[1]} batches (api1 ${tally.requests[0]}, api2 ${tally.requests[1]}), each stored once`,
      );
    },
    SETTLE_MS * 2,
  );

  it(
    'the rollup and report jobs are each processed once, shared by both workers',
    async () => {
      await waitFor(
        'every hour rolled up (raw = rolled for every store-hour, no rollup job pending)',
        async () =>
          // The schedulers' next runs wait as delayed jobs for ever: only rollup jobs count as pending.
          !(await rollupQueue.getJobs(['waiting', 'delayed', 'active', 'prioritized'])).some((j) => j?.name === JOB.rollup) &&
          (await pgc.query(ROLLUP_MISMATCH_SQL)).rows.length === 0,
        SETTLE_MS,
      );
      // Reports: each requested through one API and, at the same instant, through the other (one job for both), polled through the other.
      const yesterday = addDays(localDate(Date.now(), tz), -1);
      const requests = STORES.flatMap((storeId, s) => [7, 3].map((days, d) => ({ storeId, days, first: (s + d) % 2 })));
      const reports = await Promise.all(
        requests.map(async ({ storeId, days, first }) => {
          const path = `/api/analytics/spikes?store_id=${storeId}&days=${days}&end_date=${yesterday}`;
          const [a, b] = await Promise.all([call(apis[first], 'GET', path, viewer), call(apis[1 - first], 'GET', path, viewer)]);
          for (const r of [a, b]) expect([200, 202]).toContain(r.status);
          expect(a.body.report_id).toEqual(expect.any(String));
          expect(b.body.report_id).toBe(a.body.report_id);
          let ready: Reply | undefined;
          await waitFor(
            `report ${a.body.report_id}`,
            async () => {
              ready = await call(apis[1 - first], 'GET', `/api/analytics/reports/${a.body.report_id}`, viewer);
              return ready.status !== 202;
            },
            SETTLE_MS,
          );
          expect(ready!.status).toBe(200);
          const from = new Date(startOfLocalDay(addDays(yesterday, -(days - 1)), tz));
          const to = new Date(startOfLocalDay(addDays(yesterday, 1), tz));
          const footfall = (
            await pgc.query(`SELECT count(*)::int AS n FROM entrance_events WHERE store_id = $1 AND direction = 'in' AND ts >= $2 AND ts < $3`, [
              storeId,
              from,
              to,
            ])
          ).rows[0].n;
          expect({ storeId, days, footfall: ready!.body.result.summary.footfall }).toEqual({ storeId, days, footfall });
          expect(footfall).toBeGreaterThan(0);
          return a.body.report_id as string;
        }),
      );
      expect(new Set(reports).size).toBe(requests.length);
      // Computed once each: one run per report row, one started attempt per job (a request for a report being computed
      // used to fail its write with a serialization error and cost a second run).
      const runs = await pgc.query(`SELECT id, runs FROM analytics_reports ORDER BY id`);
      expect(runs.rows).toEqual([...reports].sort().map((id) => ({ id, runs: 1 })));

      // A report row is ready before its job returns and BullMQ marks it completed, in the worker's process.
      await waitFor(
        'the report jobs finished',
        async () => (await Promise.all(reports.map((id) => reportQueue.getJobState(`report/${id}`)))).every((st) => st === 'completed' || st === 'failed'),
        SETTLE_MS,
      );
      const jobs = [...(await rollupQueue.getJobs(['completed', 'failed'])), ...(await reportQueue.getJobs(['completed', 'failed']))].map(record);
      const rollups = jobs.filter((j) => j.name === JOB.rollup);
      const reportJobs = jobs.filter((j) => j.name === JOB.report);
      // One rollup job per store-hour at least (re-sends in a later debounce window may add one), one job per report.
      const hours = STORES.reduce((a, s) => a + storeEvents(s).hours, 0);
      expect(rollups.length).toBeGreaterThanOrEqual(hours);
      expect(reportJobs.map((j) => j.id).sort()).toEqual(reports.map((id) => `report/${id}`).sort());
      expect(await rollupQueue.getJobCountByTypes('failed')).toBe(0);
      expect(await reportQueue.getJobCountByTypes('failed')).toBe(0);
      for (const j of jobs)
        expect({ id: j.id, started: j.started, stalled: j.stalled, worker: whoseIs(j.by) >= 0 }).toEqual({ id: j.id, started: 1, stalled: 0, worker: true });
      const share = workers.map((w) => ({
        worker: `pid ${w.pid}`,
        rollups: rollups.filter((j) => j.by?.endsWith(workerName(w))).length,
        reports: reportJobs.filter((j) => j.by?.endsWith(workerName(w))).length,
      }));
      console.log(`scale-out jobs (${jobs.length}, each started once): ${JSON.stringify(share)}`);
      for (const s of share) expect(s.rollups + s.reports).toBeGreaterThan(0);
    },
    SETTLE_MS * 3,
  );

  it(
    'a key revoked, or a store deleted, through API 1 is refused by API 2 at once',
    async () => {
      const [api1, api2] = apis;
      const storeId = STORES[0];
      const batch = (id: string) => ({
        org_id: orgId,
        store_id: storeId,
        camera_id: CAMERA,
        device_ts: new Date().toISOString(),
        events: [{ type: 'entrance', event_id: id, ts: new Date(todayBase + 1000).toISOString(), direction: 'in', person_key: id }],
      });
      const edge = await admin(api1, 'POST', '/api/admin/edge-keys', { org_id: orgId, store_id: storeId, camera_id: CAMERA });
      const reader = await admin(api1, 'POST', '/api/admin/api-keys', { org_id: orgId, role: 'viewer', name: 'temporary' });
      // Used on API 2 first, so API 2 remembers both as verified: only the broadcast can make it refuse them.
      expect((await call(api2, 'POST', '/api/ingest/events', edge.body.api_key, batch('rev-1'))).status).toBe(200);
      expect((await call(api2, 'GET', `/api/dashboard/live?store_id=${storeId}`, reader.body.api_key)).status).toBe(200);
      expect((await admin(api1, 'DELETE', `/api/admin/edge-keys/${edge.body.id}`)).status).toBe(200);
      expect((await admin(api1, 'DELETE', `/api/admin/api-keys/${reader.body.id}`)).status).toBe(200);
      expect((await call(api2, 'POST', '/api/ingest/events', edge.body.api_key, batch('rev-2'))).status).toBe(401);
      expect((await call(api2, 'GET', `/api/dashboard/live?store_id=${storeId}`, reader.body.api_key)).status).toBe(401);

      const doomed = STORES[2];
      const doomedKey = keys.get(doomed)!.apiKey;
      expect((await call(api2, 'GET', `/api/dashboard/live?store_id=${doomed}`, viewer)).status).toBe(200);
      expect((await admin(api1, 'DELETE', `/api/admin/stores/${doomed}?data=delete`)).status).toBe(200);
      expect((await call(api2, 'POST', '/api/ingest/events', doomedKey, { ...batch('gone-1'), store_id: doomed })).status).toBe(401);
      expect((await call(api2, 'GET', `/api/dashboard/live?store_id=${doomed}`, viewer)).status).toBe(404);
      expect((await pgc.query(`SELECT count(*)::int AS n FROM entrance_events WHERE store_id = $1`, [doomed])).rows[0].n).toBe(0);
    },
    SETTLE_MS,
  );

  it(
    'a worker killed with SIGKILL mid-job leaves the other to take its jobs over and finish them, once each',
    async () => {
      const storeId = STORES[1];
      // Hold the store's rollup lock, so the jobs block inside their transactions: mid-job when the worker dies.
      const holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [ROLLUP_LOCK_NAMESPACE, storeId]);
        const dayStart = startOfLocalDay(addDays(localDate(Date.now(), tz), -9), tz);
        const events: StoreEvent[] = Array.from({ length: 6 * 5 }, (_, i) => ({
          type: 'entrance' as const,
          event_id: `late-${i}`,
          ts: new Date(dayStart + (10 + Math.floor(i / 5)) * HOUR + i * 1000).toISOString(),
          direction: 'in' as const,
          person_key: `late-${i}`,
        }));
        const key = keys.get(storeId)!.apiKey;
        for (let b = 0; b < events.length; b += 10) {
          const r = await call(apis[(b / 10) % 2], 'POST', '/api/ingest/events', key, {
            org_id: orgId,
            store_id: storeId,
            camera_id: CAMERA,
            device_ts: new Date().toISOString(),
            events: events.slice(b, b + 10),
          });
          expect(r.body.accepted).toBe(10);
        }
        const ours = (j: Job) =>
          j.name === JOB.rollup && (j.data as { storeId: string }).storeId === storeId && j.data.from >= dayStart && j.data.from < dayStart + 86_400_000;
        let active: Job[] = [];
        await waitFor(
          'rollup jobs of the locked store blocked in the workers',
          async () => {
            active = (await rollupQueue.getJobs(['active'])).filter(ours);
            const waiting = await pgc.query(
              `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted`,
            );
            return active.length > 0 && waiting.rows[0].n > 0;
          },
          SETTLE_MS,
        );
        const victim = whoseIs(active[0].processedBy);
        expect(victim).toBeGreaterThanOrEqual(0);
        const survivor = 1 - victim;
        const held = active.filter((j) => whoseIs(j.processedBy) === victim).map((j) => j.id!);
        const exited = new Promise((r) => workers[victim].once('exit', r));
        workers[victim].kill('SIGKILL');
        await exited;
        await holder.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [ROLLUP_LOCK_NAMESPACE, storeId]);

        const jobIds = (await rollupQueue.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'completed'])).filter(ours).map((j) => j.id!);
        expect(jobIds.length).toBeGreaterThanOrEqual(6);
        await waitFor(
          "the dead worker's jobs and the rest completed by the survivor",
          async () => (await Promise.all(jobIds.map((id) => rollupQueue.getJobState(id)))).every((s) => s === 'completed'),
          SETTLE_MS,
        );
        for (const id of held) {
          const job = record((await rollupQueue.getJob(id))!);
          expect({ id, stalled: job.stalled, by: whoseIs(job.by) }).toEqual({ id, stalled: 1, by: survivor });
          expect(job.started).toBe(2);
        }
        console.log(`scale-out crash: worker pid ${workers[victim].pid} killed holding ${held.length} job(s); pid ${workers[survivor].pid} took them over`);
        expect(workers[survivor].exitCode).toBeNull();
        await waitFor('every hour rolled up once more', async () => (await pgc.query(ROLLUP_MISMATCH_SQL)).rows.length === 0, SETTLE_MS);
        const rolled = await pgc.query(
          `SELECT sum(event_count)::int AS n FROM hourly_rollups WHERE store_id = $1 AND kind = 'entrance' AND hour_start >= $2 AND hour_start < $3`,
          [storeId, new Date(dayStart), new Date(dayStart + 86_400_000)],
        );
        expect(rolled.rows[0].n).toBe(30);
      } finally {
        await holder.end();
      }
    },
    SETTLE_MS * 3,
  );
});
