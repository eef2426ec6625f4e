// `npm run bench:scale`: a year of a chain of stores in PostgreSQL (issue #19), loaded with COPY in two stages —
// the last 30 days first, then the days before them — and the same measures taken at 1 month and at the full size:
// dashboard history, the live rebuild from PostgreSQL, spike and promotion reports, ingest, and (at full size) the
// daily retention run dropping the oldest month. The reports must stay under 1 s and flat as the data grows.
//
// Options: --events N (total, default 100,000,000), --stores N (1000), --dense N (10: stores at the issue's
// realistic density, ~8,000 events a day, the ones measured; the others are 40× lighter so the year fits the
// machine), --days N (365), --width N (3: stores loaded at a time, each COPY then rollup), --rollup-days N (all:
// only the last N days are rolled up, the rest stay raw events — the measured reports read the last 6 weeks),
// --keep (leave the database for inspection). The database is its own (dropped at the end unless --keep), the app runs in process
// with its workers, on a Redis prefix of its own.
import 'reflect-metadata';
import { execSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { StoreDirectory } from '../backend/src/admin/store-directory.service.ts';
import { REPORT_QUEUE, ROLLUP_QUEUE } from '../backend/src/analytics/analytics.queues.ts';
import { HourlyRollup } from '../backend/src/analytics/hourly-rollup.service.ts';
import { seededRandom } from '../backend/src/common/seeded-random.ts';
import { addDays, localDate, localHourStarts, localParts, startOfLocalDay } from '../backend/src/common/store-clock.ts';
import { LiveStoreMetrics } from '../backend/src/dashboard/live-store-metrics.service.ts';
import { createThrowawayDatabase } from '../backend/src/database/throwaway-database.ts';
import { createHttpApp } from '../backend/src/http-app.ts';
import { EVENT_KINDS, KINDS } from '../backend/src/ingest/event-kinds.ts';
import { PARTITIONED_TABLES } from '../backend/src/ingest/partitioned-tables.ts';
import { monthOf } from '../backend/src/retention/partition-planner.ts';
import { RetentionEnforcer } from '../backend/src/retention/retention-enforcer.service.ts';
import { RETENTION_QUEUE } from '../backend/src/retention/retention.queues.ts';
import { TimePartitions } from '../backend/src/retention/time-partitions.service.ts';
import { benchAppConfig } from './bench-app-config.ts';
import { dropRedisPrefix } from './redis-prefix.ts';

const { values: opt } = parseArgs({
  options: {
    events: { type: 'string', default: '100000000' },
    stores: { type: 'string', default: '1000' },
    dense: { type: 'string', default: '10' },
    days: { type: 'string', default: '365' },
    width: { type: 'string', default: '3' },
    'rollup-days': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const TARGET_EVENTS = Number(opt.events);
const STORES = Number(opt.stores);
const DENSE = Math.min(Number(opt.dense), STORES);
const DAYS = Number(opt.days);
const WIDTH = Number(opt.width);
const ROLLUP_DAYS = Number(opt['rollup-days'] ?? opt.days);
const DENSITY = 40; // a dense store's visitors per light store's
const EVENTS_PER_VISITOR = 3.2; // in + out + ½ zone + 0.4 shelf + 0.3 queue
const LIGHT_VISITORS = TARGET_EVENTS / (EVENTS_PER_VISITOR * DAYS * (STORES - DENSE + DENSITY * DENSE));
const ADMIN = 'bench-admin-token-0123456789';
const ZONES = ['entrance_area', 'electronics', 'grocery', 'checkout_area'];
const SHELVES = Array.from({ length: 8 }, (_, i) => `shelf_${i}`);
const TIMEZONES = ['Europe/London', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'UTC'];
const PROFILE = [0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 10, 14, 18, 15, 11, 10, 12, 15, 14, 9, 4, 1, 0, 0];
const PROFILE_SUM = PROFILE.reduce((a, b) => a + b, 0);
const SAMPLES = Math.min(DENSE, 10);
const DAY_MS = 86_400_000;

interface BenchStore {
  id: string;
  tz: string;
  visitors: number;
  seed: number;
}
type Lines = Record<string, string[]>;
const COLUMNS: Record<string, string> = {
  entrance_events: 'org_id, store_id, camera_id, event_id, ts, person_key, direction',
  zone_events: 'org_id, store_id, camera_id, event_id, ts, person_key, zone_id, enter_ts, exit_ts, dwell_seconds',
  shelf_interactions: 'org_id, store_id, camera_id, event_id, ts, person_key, shelf_id, dwell_seconds',
  queue_events: 'org_id, store_id, camera_id, event_id, ts, person_key, queue_id, enter_ts, exit_ts, wait_seconds',
};

/** COPY lines of one store's local days [first, last], events only before `untilMs` (today is loaded up to now). */
function storeDays(orgId: string, s: BenchStore, first: string, last: string, untilMs: number): Lines {
  const out: Lines = { entrance_events: [], zone_events: [], shelf_interactions: [], queue_events: [] };
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let d = first; d <= last; d = addDays(d, 1)) {
    const random = seededRandom(s.seed * 100_003 + Date.parse(d) / DAY_MS);
    const weekend = [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
    let n = 0;
    for (const h of localHourStarts(startOfLocalDay(d, s.tz), startOfLocalDay(addDays(d, 1), s.tz))) {
      const mean = ((s.visitors * PROFILE[localParts(h, s.tz).hour]) / PROFILE_SUM) * (weekend ? 1.4 : 1);
      const visitors = Math.max(0, Math.round(mean + Math.sqrt(mean) * (random() + random() + random() - 1.5) * 2));
      for (let v = 0; v < visitors; v++) {
        const t = h + Math.floor(random() * 3_300_000);
        const stay = 300_000 + Math.floor(random() * 2_100_000);
        const id = `${s.id}-${d}-${++n}`;
        const push = (table: string, k: string, ts: number, ...cols: unknown[]) => {
          if (ts < untilMs) out[table].push(`${orgId}\t${s.id}\tcam_1\t${id}-${k}\t${iso(ts)}\t${id}\t${cols.join('\t')}\n`);
        };
        push('entrance_events', 'i', t, 'in');
        push('entrance_events', 'o', t + stay, 'out');
        if (random() < 0.5) {
          const dwell = 20 + 200 * random();
          push('zone_events', 'z', t + dwell * 1000, ZONES[Math.floor(random() * ZONES.length)], iso(t), iso(t + dwell * 1000), dwell.toFixed(2));
        }
        if (random() < 0.4) push('shelf_interactions', 's', t + 60_000, SHELVES[Math.floor(random() * SHELVES.length)], (3 + 20 * random()).toFixed(2));
        if (random() < 0.3) {
          const wait = 20 + 180 * random();
          const at = t + stay - 240_000;
          push('queue_events', 'q', at + wait * 1000, 'checkout_1', iso(at), iso(at + wait * 1000), wait.toFixed(2));
        }
      }
    }
  }
  return out;
}

/** Runs `work` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const range = (xs: number[]) => (xs.length ? `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}` : '-');
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface StageResult {
  label: string;
  events: number;
  dbBytes: number;
  load: string;
  rows: Record<string, { median: number; range: string; unit: string }>;
}

async function main(): Promise<void> {
  const started = Date.now();
  const todayUtc = new Date(started).toISOString().slice(0, 10);
  const firstDay = addDays(todayUtc, -(DAYS - 1));
  const splitDay = addDays(todayUtc, -29); // stage 1: the last 30 days; stage 2: the days before
  console.log(
    `WINK scale benchmark: ${STORES} stores (${DENSE} at ~${Math.round(LIGHT_VISITORS * DENSITY)} visitors/day, the rest at ~${LIGHT_VISITORS.toFixed(0)}) × ${DAYS} days up to now, target ${TARGET_EVENTS.toLocaleString()} events; load ${load()}`,
  );
  console.log(`PostgreSQL ${execSync(`psql -At -h 127.0.0.1 -U postgres -c 'SHOW server_version'`).toString().trim()}`);
  const db = await createThrowawayDatabase();
  const config = benchAppConfig(db, {
    adminToken: ADMIN,
    logLevel: 'warn',
    runWorkers: true,
    reportWaitMs: 60_000,
    rollupDebounceMs: 1000,
    jobLockMs: 60_000,
    healIntervalMs: 3_600_000,
  });
  const app = await createHttpApp(config);
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const sql = new pg.Pool({ connectionString: db.url, max: WIDTH + 1 });
  const call = async (method: string, path: string, body?: unknown) => {
    const t0 = performance.now();
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return { ms: performance.now() - t0, body: json };
  };
  const results: StageResult[] = [];
  try {
    const directory = app.get(StoreDirectory);
    const org = await directory.createOrg('bench-scale');
    const stores: BenchStore[] = Array.from({ length: STORES }, (_, i) => ({
      id: `scale_${String(i).padStart(4, '0')}`,
      tz: TIMEZONES[i % TIMEZONES.length],
      visitors: LIGHT_VISITORS * (i < DENSE ? DENSITY : 1),
      seed: i + 1,
    }));
    for (const s of stores) {
      await directory.createStore({ org_id: org.id, store_id: s.id, name: s.id, timezone: s.tz });
      await directory.createCamera({ store_id: s.id, camera_id: 'cam_1', name: 'cam_1', capabilities: ['entrance', 'zones', 'shelves', 'queue'] });
    }
    const dense = stores.slice(0, SAMPLES);
    // The months of the year, as the hourly partition job would have created them one by one.
    const partitions = app.get(TimePartitions);
    for (let m = monthOf(startOfLocalDay(firstDay, 'UTC')); m.fromMs <= started; m = monthOf(m.toMs))
      for (const t of PARTITIONED_TABLES) await partitions.createMonth(t, m);
    const ingestKey = (await call('POST', '/api/admin/edge-keys', { org_id: org.id, store_id: stores[STORES - 1].id, camera_id: 'cam_1' })).body
      .api_key as string;
    let loaded = 0;

    /**
     * The days [first, last] of every store, `--width` stores at a time: each store's COPY, then its real rollup
     * (HourlyRollup, a transaction a day), so one store's rollup runs while another's lines are generated and copied.
     * Rates are per busy second of each step, summed over the workers, and for the stage as a whole.
     */
    const loadDays = async (first: string, last: string) => {
      const t0 = Date.now();
      let lastPrint = 0;
      const before = loaded;
      let done = 0;
      let copyMs = 0;
      let rollupMs = 0;
      let rolledEvents = 0;
      const rollup = app.get(HourlyRollup);
      const from = Math.max(startOfLocalDay(first, 'UTC'), startOfLocalDay(todayUtc, 'UTC') - ROLLUP_DAYS * DAY_MS) - DAY_MS;
      const to = Math.min(started + 3_600_000, startOfLocalDay(addDays(last, 2), 'UTC'));
      await pool(stores, WIDTH, async (s) => {
        const c0 = Date.now();
        const client = await sql.connect();
        try {
          // A month of lines at a time: a dense store's year would not fit the heap as strings.
          for (let d = first; d <= last; d = addDays(d, 30)) {
            const lines = storeDays(org.id, s, d, [addDays(d, 29), last].sort()[0], started);
            for (const [table, rows] of Object.entries(lines)) {
              if (!rows.length) continue;
              await pipeline(Readable.from(rows), client.query(copyFrom(`COPY ${table} (${COLUMNS[table]}) FROM STDIN`)));
              loaded += rows.length;
            }
          }
        } finally {
          client.release();
        }
        const r0 = Date.now();
        copyMs += r0 - c0;
        if (from < to) rolledEvents += (await rollup.rollUp(s.id, from, to)).events;
        rollupMs += Date.now() - r0;
        done++;
        if (Date.now() - lastPrint > 10_000) {
          lastPrint = Date.now();
          const rate = (loaded - before) / ((Date.now() - t0) / 1000);
          const eta = ((STORES - done) / done) * ((Date.now() - t0) / 60_000);
          console.log(
            `  ${new Date().toISOString().slice(11, 19)} ${first}..${last}: ${done}/${STORES} stores, ${loaded.toLocaleString()} events, ${rate.toFixed(0)} events/s (COPY + rollup), ETA ${eta.toFixed(1)} min, load ${load()}`,
          );
        }
      });
      const seconds = (Date.now() - t0) / 1000;
      const copied = loaded - before;
      console.log(
        `  loaded: ${copied.toLocaleString()} events in ${seconds.toFixed(0)} s, ${(copied / seconds).toFixed(0)} events/s with their rollup; ` +
          `COPY ${((copied / copyMs) * 1000 * WIDTH).toFixed(0)} events/s, rollup ${((rolledEvents / rollupMs) * 1000 * WIDTH).toFixed(0)} entrances/s (busy time, ${WIDTH} workers)`,
      );
      await sql.query('ANALYZE');
      return { loadRate: copied / seconds, copyRate: (copied / copyMs) * 1000 * WIDTH, rollupRate: (rolledEvents / rollupMs) * 1000 * WIDTH };
    };

    /** Heartbeats every 30 s of the measured stores' cameras over [from, to): what completeness reads. */
    const heartbeats = async (from: number, to: number) => {
      await sql.query(
        `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at, status_data)
         SELECT s, 'cam_1', g, g, '{"stream_state":"streaming","fps":5,"fps_achieved":5,"target_fps":5}'::jsonb
         FROM unnest($1::text[]) s, generate_series($2::timestamptz, $3::timestamptz, interval '30 seconds') g`,
        [dense.map((s) => s.id), new Date(from), new Date(to)],
      );
    };

    let ingestSeq = 0;
    const measure = async (label: string, rates: { loadRate: number; copyRate: number; rollupRate: number }) => {
      console.log(`  measuring at ${label} (${loaded.toLocaleString()} events), load ${load()}`);
      const rows: StageResult['rows'] = {};
      const put = (name: string, xs: number[], unit = 'ms') => {
        rows[name] = { median: median(xs), range: range(xs), unit };
      };
      const yesterday = addDays(todayUtc, -1);
      // The dashboard reads twice per store: the first view after loading (cold: its pages may have to come from disk,
      // at full size the last loaded months crowd the cache) and the same view again (warm: as a dashboard in use).
      for (const pass of ['first view', 'again'] as const) {
        const history7: number[] = [];
        const history28: number[] = [];
        for (const s of dense) {
          const to = localDate(started, s.tz);
          history7.push((await call('GET', `/api/dashboard/history?store_id=${s.id}&from=${addDays(to, -7)}&to=${to}&granularity=hour`)).ms);
          history28.push((await call('GET', `/api/dashboard/history?store_id=${s.id}&from=${addDays(to, -28)}&to=${to}&granularity=day`)).ms);
        }
        put(`dashboard history, 7 days by hour (HTTP), ${pass}`, history7);
        put(`dashboard history, 28 days by day (HTTP), ${pass}`, history28);
      }
      const live = app.get(LiveStoreMetrics);
      for (const pass of ['first', 'again'] as const) {
        const liveMs: number[] = [];
        for (const s of dense) {
          const view = await directory.getStore(s.id);
          const t0 = performance.now();
          await live.liveFromPostgres(view);
          liveMs.push(performance.now() - t0);
        }
        put(`live rebuild: today's numbers from PostgreSQL, ${pass}`, liveMs);
      }
      const spike: number[] = [];
      const spikeCompute: number[] = [];
      const promo: number[] = [];
      const promoCompute: number[] = [];
      const computeMs = async (id: unknown) =>
        Number((await sql.query(`SELECT extract(epoch FROM completed_at - started_at) * 1000 AS ms FROM analytics_reports WHERE id = $1`, [id])).rows[0].ms);
      for (const [i, s] of dense.entries()) {
        const r = await call('GET', `/api/analytics/spikes?store_id=${s.id}&days=28&end_date=${yesterday}`);
        spike.push(r.ms);
        spikeCompute.push(await computeMs(r.body.report_id));
        const controls = [dense[(i + 1) % dense.length].id, dense[(i + 2) % dense.length].id].filter((c) => c !== s.id);
        const p = await call(
          'GET',
          `/api/analytics/promo?store_id=${s.id}&start_date=${addDays(todayUtc, -14)}&end_date=${addDays(todayUtc, -8)}&shelf_id=shelf_3${controls.length ? `&control_store_ids=${controls.join(',')}` : ''}`,
        );
        promo.push(p.ms);
        promoCompute.push(await computeMs(p.body.report_id));
      }
      put('spike report, 28 days: computed in the worker', spikeCompute);
      put('spike report, 28 days: first request end to end', spike);
      put('promotion report, 7 days vs 4 weeks, 2 controls: computed', promoCompute);
      put('promotion report: first request end to end', promo);
      // Ingest through the API: batches of 500 of today, one camera, sequential keep-alive requests.
      const batches = 20;
      const t0 = performance.now();
      for (let b = 0; b < batches; b++) {
        const events = Array.from({ length: 500 }, (_, i) => ({
          type: 'entrance',
          event_id: `ingest-${ingestSeq}-${b}-${i}`,
          ts: new Date(Date.now() - 60_000 + i).toISOString(),
          person_key: `p${i}`,
          direction: i % 2 ? 'out' : 'in',
        }));
        const res = await fetch(`${baseUrl}/api/ingest/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ org_id: org.id, store_id: stores[STORES - 1].id, camera_id: 'cam_1', device_ts: new Date().toISOString(), events }),
        });
        const answer = (await res.json()) as { accepted?: number };
        if (res.status !== 200 || answer.accepted !== 500) throw new Error(`ingest: ${res.status} ${JSON.stringify(answer)}`);
      }
      ingestSeq++;
      put('ingest, HTTP batches of 500 (events/s)', [(batches * 500) / ((performance.now() - t0) / 1000)], 'events/s');
      put(`loading the stage: COPY + rollup, ${WIDTH} stores at a time (events/s)`, [rates.loadRate], 'events/s');
      put('COPY while loading, per busy second (events/s)', [rates.copyRate], 'events/s');
      put('rollup while loading, per busy second (entrances/s)', [rates.rollupRate], 'events/s');
      put('hourly rollup rows (hourly_rollups)', [Number((await sql.query(`SELECT count(*) AS n FROM hourly_rollups`)).rows[0].n)], 'rows');
      const dbBytes = Number((await sql.query(`SELECT pg_database_size(current_database()) AS b`)).rows[0].b);
      results.push({ label, events: loaded, dbBytes, load: load(), rows });
    };

    // Stage 1: the last 30 days, then measure. Stage 2: the rest of the year, then measure again.
    console.log(`stage 1: ${splitDay}..${todayUtc}`);
    const stage1 = await loadDays(splitDay, todayUtc);
    await heartbeats(startOfLocalDay(splitDay, 'UTC'), started);
    // The finished days compacted, as the hourly job (retention worker) keeps them in production.
    let c0 = performance.now();
    const compactedDays = await app.get(RetentionEnforcer).compactFinishedDays();
    console.log(`  heartbeats compacted: ${compactedDays} store-days in ${((performance.now() - c0) / 1000).toFixed(1)} s, load ${load()}`);
    await measure('1 month', stage1);
    if (firstDay < splitDay) {
      console.log(`stage 2: ${firstDay}..${addDays(splitDay, -1)}`);
      const stage2 = await loadDays(firstDay, addDays(splitDay, -1));
      c0 = performance.now();
      console.log(
        `  hourly compaction, nothing new: ${await app.get(RetentionEnforcer).compactFinishedDays()} store-days in ${((performance.now() - c0) / 1000).toFixed(1)} s`,
      );
      await measure(`${DAYS} days`, stage2);
    }

    // Retention at full size. Reference first: deleting rows (20 light stores' second month), per row.
    const eventTables = PARTITIONED_TABLES.filter((t) => t.retention === 'rawEvents');
    const [oldest, next] = await partitions.months(EVENT_KINDS[KINDS[0]].table);
    const rowsIn = async (month: { fromMs: number; toMs: number }, storeIds?: string[]) => {
      let n = 0;
      for (const t of eventTables) {
        const where = `ts >= $1 AND ts < $2${storeIds ? ' AND store_id = ANY($3)' : ''}`;
        const params = storeIds ? [new Date(month.fromMs), new Date(month.toMs), storeIds] : [new Date(month.fromMs), new Date(month.toMs)];
        n += Number((await sql.query(`SELECT count(*) AS n FROM ${t.table} WHERE ${where}`, params)).rows[0].n);
      }
      return n;
    };
    const someStores = stores.slice(DENSE, DENSE + 20).map((s) => s.id);
    const deletedRows = await rowsIn(next, someStores);
    let t0 = performance.now();
    for (const t of eventTables)
      await sql.query(`DELETE FROM ${t.table} WHERE store_id = ANY($1) AND ts >= $2 AND ts < $3`, [someStores, new Date(next.fromMs), new Date(next.toMs)]);
    const deleteMs = performance.now() - t0;
    // The real daily run with its clock 13 months after the oldest month ended (plus a day): that month of events
    // expires, and so does every heartbeat (30 days), the measured stores' compacted first.
    const droppedRows = await rowsIn(oldest);
    const heartbeatRows = Number((await sql.query(`SELECT count(*) AS n FROM camera_heartbeats`)).rows[0].n);
    const clock = monthOf(oldest.toMs, 13).fromMs + DAY_MS;
    t0 = performance.now();
    const outcome = await app.get(RetentionEnforcer).run(clock);
    const retentionMs = performance.now() - t0;
    const dbBytes = Number((await sql.query(`SELECT pg_database_size(current_database()) AS b`)).rows[0].b);

    console.log(
      `\nDate ${new Date().toISOString().slice(0, 10)}; ${((Date.now() - started) / 60_000).toFixed(0)} min in all; load (1/5/15 min) at the end ${load()}\n`,
    );
    console.log(`| measure | ${results.map((r) => `${r.label}: median (range)`).join(' | ')} | ratio |`);
    console.log(`|---|${results.map(() => '---|').join('')}---|`);
    const growth = (results.at(-1)?.events ?? 0) / results[0].events;
    console.log(`| events in the event tables | ${results.map((r) => r.events.toLocaleString()).join(' | ')} | ${growth.toFixed(1)}× |`);
    console.log(`| database size | ${results.map((r) => gb(r.dbBytes)).join(' | ')} | |`);
    console.log(`| load average (1/5/15 min) when measured | ${results.map((r) => r.load).join(' | ')} | |`);
    for (const name of Object.keys(results[0].rows)) {
      const cells = results.map((r) => r.rows[name]);
      const ratio = cells.length > 1 ? (cells[cells.length - 1].median / cells[0].median).toFixed(2) : '-';
      const fmt = (c: (typeof cells)[number]) => (c.unit === 'ms' ? `${c.median.toFixed(0)} ms (${c.range})` : `${c.median.toFixed(0)}`);
      console.log(`| ${name} | ${cells.map(fmt).join(' | ')} | ${ratio} |`);
    }
    console.log(
      `\nRetention at full size, the daily run (RetentionEnforcer) with its clock at ${new Date(clock).toISOString().slice(0, 10)}: ` +
        `${(retentionMs / 1000).toFixed(1)} s for the oldest event month (${oldest.key}, ${droppedRows.toLocaleString()} events in 4 tables) and every ` +
        `heartbeat month (${heartbeatRows.toLocaleString()} heartbeats) dropped whole (${Object.values(outcome.dropped).flat().length} partitions), ` +
        `after compacting (or passing, without heartbeats) ${outcome.compactedDays} store-days of heartbeats. Deleting rows instead: ${deletedRows.toLocaleString()} rows ` +
        `(20 stores, month ${next.key}) took ${deleteMs.toFixed(0)} ms, ${deletedRows ? (((deleteMs / deletedRows) * droppedRows) / 1000).toFixed(0) : '-'} s ` +
        `at that rate for the month's events. Database after: ${gb(dbBytes)}.`,
    );
  } finally {
    for (const name of [ROLLUP_QUEUE, REPORT_QUEUE, RETENTION_QUEUE])
      await app
        .get<Queue>(getQueueToken(name), { strict: false })
        .obliterate({ force: true })
        .catch(() => undefined);
    await sql.end();
    await app.close();
    if (opt.keep) console.log(`kept database ${db.name}`);
    else await db.drop();
    await dropRedisPrefix(config.redisUrl, config.redisPrefix);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
