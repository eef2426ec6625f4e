/**
 * Data for the web dashboard's tests: a real app (with its BullMQ workers) on a throwaway database, three
 * stores provisioned through the admin API, six weeks of deterministic visitor traffic sent through the real
 * ingest API with each camera's edge key (a promotion week and one injected spike included), five days of
 * heartbeats for the entrance camera with a three-hour outage (the data-completeness marks), a heartbeat with a
 * queue reading, a camera that is heard from but not analysing (reconnecting), and a viewer key.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreEvent } from '../../../shared/src/events.ts';
import { seededRandom } from '../../src/common/seeded-random.ts';
import { addDays, localDate, localTimeToInstant } from '../../src/common/store-clock.ts';
import { buildWeb } from '../../../scripts/build-web.mjs';
import { closeAnalyticsApp, drain, sql } from '../analytics/analytics-harness.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const OUTPUT_DIR = join(REPO_ROOT, 'test-output', 'web');

export const STORE_A = { storeId: 'web_store_nyc', timezone: 'America/New_York' };
export const STORE_B = { storeId: 'web_store_ldn', timezone: 'Europe/London' };
export const STORE_OTHER = { storeId: 'web_store_other', timezone: 'UTC' };
export const HISTORY_DAYS = 42;

export interface WebFixture {
  t: TestApp;
  viewer: string;
  a: ProvisionedCamera;
  aFloor: ProvisionedCamera;
  /** Store A's third camera: heard from, but its stream is reconnecting (status `not_analysing`). */
  aStock: ProvisionedCamera;
  b: ProvisionedCamera;
  other: ProvisionedCamera;
  /** Store A's local dates. */
  today: string;
  promo: { start: string; end: string };
  spike: { date: string; hour: number };
  /** Store A's local date and hours [from, to) during which its entrance camera sent no heartbeats. */
  outage: { date: string; fromHour: number; toHour: number };
  /** People in checkout_1 by the entrance camera's latest heartbeat. */
  queueLength: number;
  /** Sends events through POST /api/ingest/events with the camera's edge key, 1,000 per batch. */
  send(cam: ProvisionedCamera, events: StoreEvent[]): Promise<void>;
  heartbeat(cam: ProvisionedCamera, statusData?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

// ---- store-local time without a library (Intl only) ----
/** The instant of a store-local wall-clock time (the first one, at a DST repeat). */
export function localInstant(date: string, hour: number, tz: string): number {
  return localTimeToInstant(date, hour * 60, tz);
}
export { addDays };

/** Visitors per open hour, 09:00–20:00 local. */
const PROFILE = [3, 4, 6, 8, 7, 6, 5, 6, 8, 9, 6, 4];

/**
 * A store's traffic: for every open hour, visitors who enter, visit a zone, maybe touch a shelf, maybe
 * queue, and leave. Nothing later than `untilMs` is produced (today stops at "now").
 */
export function storeTraffic(opts: {
  tag: string;
  tz: string;
  dates: string[];
  untilMs: number;
  seed: number;
  full: boolean;
  promo?: { start: string; end: string };
  spike?: { date: string; hour: number; extra: number };
}): StoreEvent[] {
  const random = seededRandom(opts.seed);
  const events: StoreEvent[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const date of opts.dates) {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    const weekend = dow === 0 || dow === 6;
    const inPromo = !!opts.promo && date >= opts.promo.start && date <= opts.promo.end;
    for (let i = 0; i < PROFILE.length; i++) {
      const hour = 9 + i;
      const start = localInstant(date, hour, opts.tz);
      let n = Math.round(PROFILE[i] * (weekend ? 1.4 : 1) * (0.8 + 0.4 * random()));
      if (opts.spike && opts.spike.date === date && opts.spike.hour === hour) n += opts.spike.extra;
      for (let v = 0; v < n; v++) {
        const p = `${opts.tag}-${date}-${hour}-${v}`;
        const t = start + Math.floor(random() * 3_000_000);
        const visit: StoreEvent[] = [{ type: 'entrance', event_id: `${p}-in`, ts: iso(t), direction: 'in', person_key: p }];
        let last = t;
        if (opts.full) {
          const zoneEnter = t + 30_000;
          const dwell = Math.round(40 + random() * 200 + (inPromo ? 60 : 0));
          const zoneExit = zoneEnter + dwell * 1000;
          visit.push({
            type: 'zone',
            event_id: `${p}-zone`,
            ts: iso(zoneExit),
            zone_id: random() < 0.6 ? 'electronics' : 'grocery',
            enter_ts: iso(zoneEnter),
            exit_ts: iso(zoneExit),
            dwell_seconds: dwell,
            person_key: p,
          });
          if (random() < (inPromo ? 0.85 : 0.4)) {
            const shelfDwell = Math.round((3 + random() * 20) * 10) / 10;
            visit.push({
              type: 'shelf',
              event_id: `${p}-shelf`,
              ts: iso(zoneEnter + 10_000),
              shelf_id: random() < 0.7 ? 'shelf_A1' : 'shelf_B2',
              dwell_seconds: shelfDwell,
              person_key: p,
            });
          }
          last = zoneExit;
          if (random() < 0.5) {
            const qEnter = zoneExit + 10_000;
            const wait = Math.round(20 + random() * 180);
            visit.push({
              type: 'queue',
              event_id: `${p}-queue`,
              ts: iso(qEnter + wait * 1000),
              queue_id: 'checkout_1',
              enter_ts: iso(qEnter),
              exit_ts: iso(qEnter + wait * 1000),
              wait_seconds: wait,
              person_key: p,
            });
            last = qEnter + wait * 1000;
          }
        } else {
          last = t + Math.floor(5 + random() * 20) * 60_000;
        }
        // Some of today's visitors are still in the store.
        if (last + 30_000 <= opts.untilMs) visit.push({ type: 'entrance', event_id: `${p}-out`, ts: iso(last + 30_000), direction: 'out', person_key: p });
        events.push(...visit.filter((e) => Date.parse(e.ts) <= opts.untilMs));
      }
    }
  }
  return events;
}

/** Today's traffic spread from local midnight to now, so live numbers exist at any hour of the day. */
function todayTraffic(tag: string, tz: string, today: string, nowMs: number, count: number): StoreEvent[] {
  const start = localInstant(today, 0, tz);
  const span = Math.max(1000, nowMs - 120_000 - start);
  const events: StoreEvent[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let v = 0; v < count; v++) {
    const p = `${tag}-today-${v}`;
    const t = start + Math.floor((v / count) * span);
    const end = Math.min(nowMs - 1000, t + 60_000);
    const dwell = Math.max(0, Math.round((end - t) / 1000));
    events.push({ type: 'entrance', event_id: `${p}-in`, ts: iso(t), direction: 'in', person_key: p });
    events.push({
      type: 'zone',
      event_id: `${p}-zone`,
      ts: iso(t + dwell * 1000),
      zone_id: v % 3 === 0 ? 'grocery' : 'electronics',
      enter_ts: iso(t),
      exit_ts: iso(t + dwell * 1000),
      dwell_seconds: dwell,
      person_key: p,
    });
    if (v % 2 === 0) events.push({ type: 'shelf', event_id: `${p}-shelf`, ts: iso(t), shelf_id: 'shelf_A1', dwell_seconds: 4 + (v % 7), person_key: p });
    if (v % 3 !== 2)
      events.push({
        type: 'queue',
        event_id: `${p}-queue`,
        ts: iso(t + dwell * 1000),
        queue_id: v % 4 === 0 ? 'checkout_2' : 'checkout_1',
        enter_ts: iso(t),
        exit_ts: iso(t + dwell * 1000),
        wait_seconds: dwell,
        person_key: p,
      });
    if (v % 4 !== 0) events.push({ type: 'entrance', event_id: `${p}-out`, ts: iso(end), direction: 'out', person_key: p });
  }
  return events;
}

export async function startWebFixture(): Promise<WebFixture> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  // The same build `npm run build:web` makes, into the test's own folder (the served copy is the one under test).
  const bundle = join(OUTPUT_DIR, 'bundle');
  await buildWeb({ outDir: bundle });
  process.env.WEB_DIST_DIR = bundle;
  // reportWaitMs 0: every report that is not ready yet answers 202 at once, so the page's polling path runs.
  // Cameras stay online for 15 minutes after a heartbeat: the setup's last heartbeat must still count on a slow machine.
  const t = await startTestApp({ runWorkers: true, rollupDebounceMs: 50, reportWaitMs: 0, jobLockMs: 5000, cameraOnlineSeconds: 900 });
  const all = ['entrance', 'zones', 'shelves', 'queue'];
  const a = await provisionCamera(t, { storeId: STORE_A.storeId, cameraId: 'cam_entrance', timezone: STORE_A.timezone, capabilities: all });
  const aFloor = await provisionCamera(t, {
    orgId: a.orgId,
    storeId: STORE_A.storeId,
    cameraId: 'cam_floor',
    timezone: STORE_A.timezone,
    capabilities: ['zones', 'shelves'],
  });
  const aStock = await provisionCamera(t, {
    orgId: a.orgId,
    storeId: STORE_A.storeId,
    cameraId: 'cam_stockroom',
    timezone: STORE_A.timezone,
    capabilities: ['zones'],
  });
  const b = await provisionCamera(t, {
    orgId: a.orgId,
    storeId: STORE_B.storeId,
    cameraId: 'cam_door',
    timezone: STORE_B.timezone,
    capabilities: ['entrance'],
  });
  const other = await provisionCamera(t, { storeId: STORE_OTHER.storeId, cameraId: 'cam_door', timezone: STORE_OTHER.timezone, capabilities: ['entrance'] });

  const send = async (cam: ProvisionedCamera, events: StoreEvent[]) => {
    for (let i = 0; i < events.length; i += 1000) {
      const r = await t.call('POST', '/api/ingest/events', {
        token: cam.apiKey,
        body: { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), events: events.slice(i, i + 1000) },
      });
      if (r.status !== 200 && r.status !== 201) throw new Error(`ingest ${cam.storeId}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  };
  const heartbeat = async (cam: ProvisionedCamera, statusData: Record<string, unknown> = { fps: 5, stream_state: 'streaming' }) => {
    const r = await t.call('POST', '/api/ingest/heartbeat', {
      token: cam.apiKey,
      body: { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), status_data: statusData },
    });
    if (r.status >= 300) throw new Error(`heartbeat: ${r.status} ${JSON.stringify(r.body)}`);
  };

  const now = Date.now();
  const today = localDate(now, STORE_A.timezone);
  const past = Array.from({ length: HISTORY_DAYS }, (_, i) => addDays(today, i - HISTORY_DAYS));
  const promo = { start: addDays(today, -9), end: addDays(today, -3) };
  const spike = { date: addDays(today, -2), hour: 14 };
  await send(a, storeTraffic({ tag: 'a', tz: STORE_A.timezone, dates: past, untilMs: now, seed: 1, full: true, promo, spike: { ...spike, extra: 45 } }));
  await send(a, todayTraffic('a', STORE_A.timezone, today, now, 24));
  const todayB = localDate(now, STORE_B.timezone);
  await send(
    b,
    storeTraffic({
      tag: 'b',
      tz: STORE_B.timezone,
      dates: Array.from({ length: HISTORY_DAYS }, (_, i) => addDays(todayB, i - HISTORY_DAYS)),
      untilMs: now,
      seed: 3,
      full: false,
    }),
  );
  await send(other, storeTraffic({ tag: 'o', tz: STORE_OTHER.timezone, dates: [addDays(today, -1)], untilMs: now, seed: 4, full: false }));
  await drain(t, 120_000);
  // The entrance camera's heartbeats (every 60 s, streaming at its target) from 5 days ago to now, except for a
  // three-hour outage 4 days ago (in the promotion week and the spike report's week): those hours are incomplete.
  const outage = { date: addDays(today, -4), fromHour: 11, toHour: 14 };
  await sql(
    t,
    `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at, status_data)
    SELECT $1, $2, g, g, '{"stream_state":"streaming","fps":5,"fps_achieved":5,"target_fps":5,"frames_analysed":300,"frames_dropped":0,"interval_s":60}'::jsonb
    FROM generate_series($3::timestamptz, $4::timestamptz, interval '60 seconds') g WHERE NOT (g > $5 AND g < $6)`,
    [
      a.storeId,
      a.cameraId,
      new Date(localInstant(addDays(today, -5), 0, STORE_A.timezone)),
      new Date(Date.now() - 1000),
      new Date(localInstant(outage.date, outage.fromHour, STORE_A.timezone)),
      new Date(localInstant(outage.date, outage.toHour, STORE_A.timezone)),
    ],
  );
  const queueLength = 3;
  await heartbeat(a, { fps: 5, fps_achieved: 5, target_fps: 5, stream_state: 'streaming', queue_lengths: { checkout_1: queueLength } });
  await heartbeat(aStock, { fps: 0, stream_state: 'reconnecting' });
  const k = await t.admin('POST', '/api/admin/api-keys', { org_id: a.orgId, role: 'viewer', name: 'web dashboard test' });
  if (k.status !== 201) throw new Error(`viewer key: ${JSON.stringify(k.body)}`);
  return {
    t,
    viewer: k.body.api_key,
    a,
    aFloor,
    aStock,
    b,
    other,
    today,
    promo,
    spike,
    outage,
    queueLength,
    send,
    heartbeat,
    close: async () => {
      delete process.env.WEB_DIST_DIR;
      await closeAnalyticsApp(t);
    },
  };
}
