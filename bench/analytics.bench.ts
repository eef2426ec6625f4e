// `npm run bench:analytics`: rollup throughput (events aggregated per second) and the time of a 90-day spike
// report, of a promotion report and of the 90-day comparison of all the stores (footfall, conversion, sales per
// visitor; sales hours generated beside the visitors), with BENCH_STORES stores (default 100) of history, on a
// throwaway database, with the real BullMQ workers in process. Target: under 1 s per report once rolled up.
// Every store has a door camera whose heartbeats are compacted (camera_coverage_days, as the hourly compaction job
// leaves them) up to the end of the history, except every tenth store, whose last two days are still raw heartbeats:
// the reports' completeness reads both. Sales hours are loaded with COPY and their day summaries refreshed.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { REPORT_QUEUE, ROLLUP_QUEUE } from '../backend/src/analytics/analytics.queues.ts';
import { HourlyRollup } from '../backend/src/analytics/hourly-rollup.service.ts';
import { RollupTrigger } from '../backend/src/analytics/rollup-trigger.service.ts';
import { seededRandom } from '../backend/src/common/seeded-random.ts';
import { REFRESH_SALES_DAYS_SQL } from '../backend/src/sales/sales.queries.ts';
import { addDays, localHourStarts, localParts, startOfLocalDay } from '../backend/src/common/store-clock.ts';
import { StoreDirectory } from '../backend/src/admin/store-directory.service.ts';
import { createThrowawayDatabase } from '../backend/src/database/throwaway-database.ts';
import { createHttpApp } from '../backend/src/http-app.ts';
import { benchAppConfig } from './bench-app-config.ts';
import { dropRedisPrefix } from './redis-prefix.ts';

const STORES = Number(process.env.BENCH_STORES ?? 100);
const FIRST = '2024-02-01';
const LAST = '2024-06-30'; // 151 days: a 90-day report plus its 8 baseline weeks
const VISITORS_PER_DAY = Number(process.env.BENCH_VISITORS ?? 150);
const SAMPLES = Number(process.env.BENCH_REPORTS ?? 10);
const COMPARISONS = Number(process.env.BENCH_COMPARISONS ?? 5);
const ADMIN = 'bench-admin-token-0123456789';
const ZONES = ['entrance_area', 'electronics', 'grocery', 'checkout_area'];
const SHELVES = Array.from({ length: 8 }, (_, i) => `shelf_${i}`);
const TIMEZONES = ['Europe/London', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'UTC'];
const PROFILE = [0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 10, 14, 18, 15, 11, 10, 12, 15, 14, 9, 4, 1, 0, 0];
const PROFILE_SUM = PROFILE.reduce((a, b) => a + b, 0);

/** Every tenth store has no point of sale: the comparison lists it without sales measures. */
const hasPos = (storeIndex: number) => storeIndex % 10 !== 9;
/**
 * Every tenth store (another tenth) is compacted only up to two days before the end: its last two UTC days are raw
 * heartbeats, as where the hourly compaction has not reached a day that just ended in the stores furthest west.
 */
const RAW_DAYS = 2;
const hasRawWeek = (storeIndex: number) => storeIndex % 10 === 5;
const SLOT_MS = 900_000;
const DAY_MS = 86_400_000;

/**
 * COPY lines for one store's door camera: compacted UTC days (96 quarter hours each, fully covered except an outage
 * of 10–50 minutes on about one day in twelve) up to its compaction mark, and raw heartbeats every 30 s after it.
 */
function storeCoverage(storeId: string, seed: number, rawWeek: boolean): { days: string[]; heartbeats: string[]; untilMs: number } {
  const random = seededRandom(seed + 2_000_000);
  const first = Date.parse(`${addDays(FIRST, -1)}T00:00:00Z`);
  const end = Date.parse(`${addDays(LAST, 2)}T00:00:00Z`);
  const untilMs = rawWeek ? end - RAW_DAYS * DAY_MS : end;
  const days: string[] = [];
  const heartbeats: string[] = [];
  for (let day = first; day < end; day += DAY_MS) {
    const outage = random() < 1 / 12 ? { at: day + Math.floor(random() * 96) * SLOT_MS, ms: (10 + Math.floor(40 * random())) * 60_000 } : null;
    const lost = (from: number, to: number) => (outage ? Math.max(0, Math.min(to, outage.at + outage.ms) - Math.max(from, outage.at)) : 0);
    if (day < untilMs) {
      const slots = Array.from({ length: 96 }, (_, i) => SLOT_MS - lost(day + i * SLOT_MS, day + (i + 1) * SLOT_MS));
      days.push([storeId, 'cam_1', new Date(day).toISOString().slice(0, 10), new Date(day).toISOString(), `{${slots.join(',')}}`].join('\t') + '\n');
      continue;
    }
    for (let t = day; t < day + DAY_MS; t += 30_000) {
      if (lost(t, t + 1) > 0) continue;
      const at = new Date(t).toISOString();
      heartbeats.push([storeId, 'cam_1', at, at, '{"stream_state":"streaming","fps_achieved":5,"target_fps":5}'].join('\t') + '\n');
    }
  }
  return { days, heartbeats, untilMs };
}

/** COPY lines for one store's whole history, per event table, and its sales per hour (conversion 15–35 %, basket 10–60). */
function storeHistory(orgId: string, storeId: string, timezone: string, seed: number, pos: boolean): Record<string, string[]> {
  const random = seededRandom(seed);
  const out: Record<string, string[]> = { entrance_events: [], zone_events: [], shelf_interactions: [], queue_events: [], sales_hours: [] };
  // Its own stream: the events are the same as without sales.
  const salesRandom = seededRandom(seed + 1_000_000);
  const conversion = 0.15 + 0.2 * salesRandom();
  const iso = (ms: number) => new Date(ms).toISOString();
  let n = 0;
  for (let d = FIRST; d <= LAST; d = addDays(d, 1)) {
    const weekend = [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
    for (const h of localHourStarts(startOfLocalDay(d, timezone), startOfLocalDay(addDays(d, 1), timezone))) {
      const mean = ((VISITORS_PER_DAY * PROFILE[localParts(h, timezone).hour]) / PROFILE_SUM) * (weekend ? 1.4 : 1);
      const visitors = Math.max(0, Math.round(mean + Math.sqrt(mean) * (random() + random() + random() - 1.5) * 2));
      if (pos && visitors > 0) {
        let transactions = 0;
        let amount = 0;
        for (let v = 0; v < visitors; v++) {
          if (salesRandom() >= conversion) continue;
          transactions += 1;
          amount += 10 + 50 * salesRandom();
        }
        out.sales_hours.push([storeId, iso(h), orgId, transactions, amount.toFixed(2), 'EUR', 'csv'].join('\t') + '\n');
      }
      for (let v = 0; v < visitors; v++) {
        const t = h + Math.floor(random() * 3_300_000);
        const id = `${storeId}-${++n}`;
        const row = (...cols: unknown[]) => [orgId, storeId, 'cam_1', `${id}-${cols.length}`, ...cols].join('\t') + '\n';
        out.entrance_events.push(row(iso(t), id, 'in'));
        if (random() < 0.5) {
          const dwell = 20 + 200 * random();
          out.zone_events.push(row(iso(t + dwell * 1000), id, ZONES[Math.floor(random() * ZONES.length)], iso(t), iso(t + dwell * 1000), dwell.toFixed(2)));
        }
        if (random() < 0.4)
          out.shelf_interactions.push(row(iso(t + 60_000), id, SHELVES[Math.floor(random() * SHELVES.length)], (3 + 20 * random()).toFixed(2)));
        if (random() < 0.3) {
          const wait = 20 + 180 * random();
          out.queue_events.push(row(iso(t + 240_000 + wait * 1000), id, 'checkout_1', iso(t + 240_000), iso(t + 240_000 + wait * 1000), wait.toFixed(2)));
        }
      }
    }
  }
  return out;
}

const COLUMNS: Record<string, string> = {
  entrance_events: 'org_id, store_id, camera_id, event_id, ts, person_key, direction',
  zone_events: 'org_id, store_id, camera_id, event_id, ts, person_key, zone_id, enter_ts, exit_ts, dwell_seconds',
  shelf_interactions: 'org_id, store_id, camera_id, event_id, ts, person_key, shelf_id, dwell_seconds',
  queue_events: 'org_id, store_id, camera_id, event_id, ts, person_key, queue_id, enter_ts, exit_ts, wait_seconds',
  // Loaded behind the sales API's back, as the events are behind the ingest API's.
  sales_hours: 'store_id, hour_start, org_id, transactions, sales_amount, currency, source',
  camera_coverage_days: 'store_id, camera_id, day, first_at, covered_ms',
  camera_heartbeats: 'store_id, camera_id, device_ts, received_at, status_data',
};

async function drained(queues: Queue[]): Promise<void> {
  for (;;) {
    let pending = 0;
    for (const q of queues)
      pending += (await q.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).filter((j) => j && (j.name === 'rollup' || j.name === 'report')).length;
    if (pending === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
}

async function main(): Promise<void> {
  console.log(`WINK analytics benchmark: ${STORES} stores × ${FIRST}..${LAST} (~${VISITORS_PER_DAY} visitors/day each)`);
  const db = await createThrowawayDatabase();
  const config = benchAppConfig(db, {
    adminToken: ADMIN,
    logLevel: 'warn',
    runWorkers: true,
    reportWaitMs: 30_000,
    rollupDebounceMs: 1000,
    jobLockMs: 30_000,
  });
  const app = await createHttpApp(config);
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const rollupQueue = app.get<Queue>(getQueueToken(ROLLUP_QUEUE), { strict: false });
  const reportQueue = app.get<Queue>(getQueueToken(REPORT_QUEUE), { strict: false });
  try {
    const directory = app.get(StoreDirectory);
    const org = await directory.createOrg('bench');
    const stores = Array.from({ length: STORES }, (_, i) => ({ id: `bench_${String(i).padStart(3, '0')}`, tz: TIMEZONES[i % TIMEZONES.length] }));
    for (const s of stores) {
      await directory.createStore({ org_id: org.id, store_id: s.id, name: s.id, timezone: s.tz });
      await directory.createCamera({ store_id: s.id, camera_id: 'cam_1', name: 'door', capabilities: ['entrance'] });
    }

    process.stdout.write('  loading events with COPY ...');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let events = 0;
    let salesHours = 0;
    let coverageDays = 0;
    let heartbeats = 0;
    const loadStarted = performance.now();
    for (const [i, s] of stores.entries()) {
      const h = storeHistory(org.id, s.id, s.tz, i + 1, hasPos(i));
      for (const [table, lines] of Object.entries(h)) {
        if (table === 'sales_hours') salesHours += lines.length;
        else events += lines.length;
        await pipeline(Readable.from(lines), client.query(copyFrom(`COPY ${table} (${COLUMNS[table]}) FROM STDIN`)));
      }
      // The day summaries the sales API keeps beside its hours (sales_days), which reports over many stores read.
      const hourStarts = h.sales_hours.map((line) => new Date(line.split('\t')[1]));
      if (hourStarts.length) await client.query(REFRESH_SALES_DAYS_SQL, [s.id, s.tz, hourStarts]);
      const coverage = storeCoverage(s.id, i + 1, hasRawWeek(i));
      coverageDays += coverage.days.length;
      heartbeats += coverage.heartbeats.length;
      await pipeline(Readable.from(coverage.days), client.query(copyFrom(`COPY camera_coverage_days (${COLUMNS.camera_coverage_days}) FROM STDIN`)));
      await pipeline(Readable.from(coverage.heartbeats), client.query(copyFrom(`COPY camera_heartbeats (${COLUMNS.camera_heartbeats}) FROM STDIN`)));
      await client.query(`INSERT INTO heartbeat_compaction (store_id, compacted_until) VALUES ($1, $2)`, [s.id, new Date(coverage.untilMs)]);
    }
    await client.query('ANALYZE');
    await client.end();
    console.log(
      ` ${events.toLocaleString()} events, ${salesHours.toLocaleString()} sales hours, ${coverageDays.toLocaleString()} compacted camera days and ${heartbeats.toLocaleString()} heartbeats in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
    );

    // 1. Rollup throughput, one worker, in process: the aggregation itself.
    const rollup = app.get(HourlyRollup);
    const from = startOfLocalDay(addDays(FIRST, -1), 'UTC');
    const to = startOfLocalDay(addDays(LAST, 2), 'UTC');
    const single = stores.slice(0, Math.min(10, STORES));
    let t0 = performance.now();
    let aggregated = 0;
    for (const s of single) aggregated += (await rollup.rollUp(s.id, from, to)).events;
    const singleRate = aggregated / ((performance.now() - t0) / 1000);

    // 2. Rollup throughput through BullMQ: the rest of the stores as week jobs, two at a time (one worker process).
    const trigger = app.get(RollupTrigger);
    const rest = stores.slice(single.length);
    const [{ n: restEvents }] = await client2(
      db.url,
      `SELECT (SELECT count(*) FROM entrance_events WHERE store_id = ANY($1)) + (SELECT count(*) FROM zone_events WHERE store_id = ANY($1))
      + (SELECT count(*) FROM shelf_interactions WHERE store_id = ANY($1)) + (SELECT count(*) FROM queue_events WHERE store_id = ANY($1)) AS n`,
      [rest.map((s) => s.id)],
    );
    t0 = performance.now();
    let jobs = 0;
    for (const s of rest) jobs += await trigger.enqueueRange(s.id, from, to, 'bench');
    await drained([rollupQueue]);
    const queuedSeconds = (performance.now() - t0) / 1000;
    const queuedRate = Number(restEvents) / queuedSeconds;

    // 3. Reports over rolled-up data, through the HTTP API (first request computes in a worker, the next is served stored).
    const get = async (path: string) => {
      const started = performance.now();
      const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${ADMIN}` } });
      const body = (await res.json()) as { report_id: string; status: string };
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - started, id: body.report_id };
    };
    const computeMs = async (ids: string[]) =>
      (await client2(db.url, `SELECT extract(epoch FROM completed_at - started_at) * 1000 AS ms FROM analytics_reports WHERE id = ANY($1)`, [ids])).map((r) =>
        Number(r.ms),
      );
    const sample = stores.filter((_, i) => i % Math.max(1, Math.floor(STORES / SAMPLES)) === 0).slice(0, SAMPLES);
    const spike = { first: [] as number[], stored: [] as number[], ids: [] as string[] };
    for (const s of sample) {
      const path = `/api/analytics/spikes?store_id=${s.id}&days=90&end_date=${LAST}`;
      const a = await get(path);
      spike.first.push(a.ms);
      spike.ids.push(a.id);
      spike.stored.push((await get(path)).ms);
    }
    const promo = { first: [] as number[], stored: [] as number[], ids: [] as string[] };
    for (const [i, s] of sample.entries()) {
      const controls = [stores[(i * 7 + 1) % STORES].id, stores[(i * 7 + 2) % STORES].id].filter((c) => c !== s.id);
      const path = `/api/analytics/promo?store_id=${s.id}&start_date=2024-06-10&end_date=2024-06-16&shelf_id=shelf_3&control_store_ids=${controls.join(',')}`;
      const a = await get(path);
      promo.first.push(a.ms);
      promo.ids.push(a.id);
      promo.stored.push((await get(path)).ms);
    }
    // The comparison of every store (the admin token reads them all) over 90 days against the 4 weeks before,
    // a window a day earlier each time so that every first request computes.
    const comparison = { first: [] as number[], stored: [] as number[], ids: [] as string[] };
    for (let k = 0; k < COMPARISONS; k++) {
      const end = addDays(LAST, -k);
      const path = `/api/analytics/comparison?start_date=${addDays(end, -89)}&end_date=${end}`;
      const a = await get(path);
      comparison.first.push(a.ms);
      comparison.ids.push(a.id);
      comparison.stored.push((await get(path)).ms);
    }
    const spikeCompute = await computeMs(spike.ids);
    const promoCompute = await computeMs(promo.ids);
    const comparisonCompute = await computeMs(comparison.ids);

    const [{ rows }] = await client2(db.url, `SELECT count(*) AS rows FROM hourly_rollups`);
    console.log(`\n| measure | result |\n|---|---|`);
    console.log(`| events in the event tables | ${events.toLocaleString()} (${STORES} stores × 151 days) |`);
    console.log(`| rollup rows | ${Number(rows).toLocaleString()} |`);
    console.log(`| sales hours | ${salesHours.toLocaleString()} (${stores.filter((_, i) => hasPos(i)).length} stores with a POS) |`);
    console.log(
      `| heartbeat coverage | ${coverageDays.toLocaleString()} compacted camera days, ${heartbeats.toLocaleString()} raw heartbeats (last ${RAW_DAYS} days of ${stores.filter((_, i) => hasRawWeek(i)).length} stores) |`,
    );
    console.log(`| rollup, one worker in process (${single.length} stores, whole history each) | ${singleRate.toFixed(0)} events/s |`);
    console.log(
      `| rollup through BullMQ (${jobs} week jobs, concurrency 2) | ${queuedRate.toFixed(0)} events/s (${queuedSeconds.toFixed(1)} s for ${Number(restEvents).toLocaleString()} events) |`,
    );
    console.log(`| 90-day spike report, computed in the worker (${sample.length} stores) | ${stats(spikeCompute)} |`);
    console.log(`| 90-day spike report, first request end to end (enqueue → worker → stored → answer) | ${stats(spike.first)} |`);
    console.log(`| 90-day spike report, served from PostgreSQL | ${stats(spike.stored)} |`);
    console.log(`| promo report (7 days vs 4 weeks, shelf filter, 2 control stores), computed in the worker | ${stats(promoCompute)} |`);
    console.log(`| promo report, first request end to end | ${stats(promo.first)} |`);
    console.log(`| promo report, served from PostgreSQL | ${stats(promo.stored)} |`);
    console.log(`| comparison of ${STORES} stores, 90 days vs 4 weeks, computed in the worker (${COMPARISONS} windows) | ${stats(comparisonCompute)} |`);
    console.log(`| comparison, first request end to end | ${stats(comparison.first)} |`);
    console.log(`| comparison, served from PostgreSQL | ${stats(comparison.stored)} |`);
    console.log('\nTarget: under 1 s per report once rolled up.');
  } finally {
    await reportQueue.obliterate({ force: true }).catch(() => undefined);
    await rollupQueue.obliterate({ force: true }).catch(() => undefined);
    await app.close();
    // BENCH_KEEP_DB=1 keeps the loaded database, to look at the reports' plans (EXPLAIN ANALYZE) afterwards, under a
    // name the tests' clean-up of orphaned throwaway databases leaves alone (drop it by hand).
    if (process.env.BENCH_KEEP_DB) {
      const kept = db.name.replace(/^wink_test_/, 'wink_kept_');
      await client2(db.url.replace(`/${db.name}`, '/postgres'), `ALTER DATABASE ${db.name} RENAME TO ${kept}`);
      console.log(`database kept: ${db.url.replace(db.name, kept)}`);
    } else await db.drop();
    await dropRedisPrefix(config.redisUrl, config.redisPrefix);
  }
}

async function client2(url: string, text: string, params: unknown[] = []): Promise<Record<string, string>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
