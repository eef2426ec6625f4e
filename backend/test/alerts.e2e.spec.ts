import { DataSource } from 'typeorm';
import type { AlertView } from '../../shared/src/alerts.ts';
import type { AlertChange } from '../src/alerts/alert-events.ts';
import { AlertsService } from '../src/alerts/alerts.service.ts';
import { AlertsWorkers } from '../src/alerts/alerts-workers.service.ts';
import { ALERT_JOB } from '../src/alerts/alerts.queues.ts';
import { LiveAlerts } from '../src/alerts/live-alerts.service.ts';
import { HourlyRollup } from '../src/analytics/hourly-rollup.service.ts';
import { HourlySpikeCheck } from '../src/analytics/hourly-spike-check.service.ts';
import { addDays, localDate, startOfLocalDay } from '../src/common/store-clock.ts';
import { WinkMetrics } from '../src/observability/wink-metrics.service.ts';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ALERTS_QUEUE } from '../src/alerts/alerts.queues.ts';
import { closeAnalyticsApp, entrances, seededRandom, startAnalyticsApp, waitFor } from './analytics/analytics-harness.ts';
import { flushRedis, heartbeat, iso, postEvents, startSibling, todayWindow } from './dashboard/dashboard-fixtures.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from './test-app.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

describe('alerts (real PostgreSQL and Redis): a scripted day', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  let viewer: string;
  let otherViewer: string;
  let other: ProvisionedCamera;
  const changes: { event: string; change: AlertChange }[] = [];
  const { tz, base } = todayWindow();

  const alerts = async (q = `store_id=${cam.storeId}`, token = viewer): Promise<AlertView[]> => {
    const r = await t.call('GET', `/api/alerts?${q}`, { token });
    if (r.status !== 200) throw new Error(`GET /api/alerts ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.alerts;
  };
  const episode = async (type: string, subject = '') => (await alerts()).filter((a) => a.type === type && a.subject === subject);
  const waitState = (type: string, state: 'firing' | 'resolved', subject = '') =>
    waitFor(`${type}/${subject} ${state}`, async () => (await episode(type, subject)).some((a) => a.state === state));
  const minute = (nowMs: number) => t.app.get(AlertsWorkers).process({ name: ALERT_JOB.minute, data: {} } as never, nowMs);
  const inEvents = (n: number, from: number, tag: string, direction: 'in' | 'out' = 'in') =>
    Array.from({ length: n }, (_, i) => ({ type: 'entrance', ts: iso(from + i * 1000), direction, person_key: `${tag}${i}`, event_id: `${tag}-${i}` }));

  beforeAll(async () => {
    // An hour's online window: a camera heard from 20 injected minutes ago still counts as "heard from".
    t = await startTestApp({ cameraOnlineSeconds: 3600 });
    cam = await provisionCamera(t, { storeId: 'alert_store', cameraId: 'cam_all', timezone: tz });
    other = await provisionCamera(t, { storeId: 'alert_other_org', cameraId: 'cam_x' });
    // Open around the clock: no_footfall needs opening hours (a store without them would alert every night).
    const allDay = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));
    expect((await t.admin('PATCH', `/api/admin/stores/${cam.storeId}`, { capacity: 10, opening_hours: allDay })).status).toBe(200);
    viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer', name: 'managers' })).body.api_key;
    otherViewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: other.orgId, role: 'viewer', name: 'others' })).body.api_key;
    const svc = t.app.get(AlertsService);
    svc.events.on('alert.fired', (change) => void changes.push({ event: 'fired', change }));
    svc.events.on('alert.resolved', (change) => void changes.push({ event: 'resolved', change }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('rules: defaults, a partial PUT, and bad thresholds refused with 400 naming the field', async () => {
    const before = await t.admin('GET', `/api/admin/stores/${cam.storeId}/alert-rules`);
    expect(before.status).toBe(200);
    expect(before.body.rules.queue_length).toEqual({ enabled: true, length: 5, clear_length: 3 });

    const put = await t.admin('PUT', `/api/admin/stores/${cam.storeId}/alert-rules`, { no_footfall: { minutes: 5 }, queue_wait: { seconds: 300 } });
    expect(put.status).toBe(200);
    expect(put.body.rules.no_footfall).toEqual({ enabled: true, minutes: 5 });
    expect(put.body.rules.occupancy_over_capacity).toEqual({ enabled: true, share: 1, clear_share: 0.9 });

    const bad: [unknown, string][] = [
      [{ occupancy_over_capacity: { share: 5 } }, 'occupancy_over_capacity.share: must be between 0.1 and 2'],
      [
        { occupancy_over_capacity: { clear_share: 1.2 } },
        'occupancy_over_capacity.clear_share: must be below share (1): an alert resolves only below its clear threshold',
      ],
      [{ queue_length: { length: 2 } }, 'queue_length.length: must be above clear_length (3)'],
      [{ queue_length: { length: 2.5 } }, 'queue_length.length: must be a whole number'],
      [{ queue_wait: { seconds: 'a lot' } }, 'queue_wait.seconds: must be a number'],
      [{ camera_not_analysing: { minutes: 0 } }, 'camera_not_analysing.minutes: must be between 1 and 1440'],
      [{ no_footfall: { enabled: 'yes' } }, 'no_footfall.enabled: must be true or false'],
      [{ traffic_spike: { threshold: 3 } }, 'traffic_spike.threshold: is not a known field'],
      [{ queue_lenght: {} }, 'queue_lenght: is not a known field'],
      [
        {},
        '(body): must name at least one of occupancy_over_capacity, queue_length, queue_wait, camera_not_analysing, no_footfall, traffic_spike, edge_events_lost',
      ],
    ];
    for (const [body, message] of bad) {
      const r = await t.admin('PUT', `/api/admin/stores/${cam.storeId}/alert-rules`, body);
      expect([body, r.status, r.body.message]).toEqual([body, 400, message]);
    }
    // Nothing of the refused bodies was kept.
    expect((await t.admin('GET', `/api/admin/stores/${cam.storeId}/alert-rules`)).body).toEqual(put.body);
    // The organisation's viewers read them.
    const viewed = await t.call('GET', `/api/alerts/rules?store_id=${cam.storeId}`, { token: viewer });
    expect(viewed).toEqual({ status: 200, body: put.body });
  });

  it('another organisation cannot read or change the rules or alerts: 404 as for a missing store', async () => {
    const missing = await t.call('GET', '/api/alerts/rules?store_id=no_such_store', { token: otherViewer });
    const foreign = await t.call('GET', `/api/alerts/rules?store_id=${cam.storeId}`, { token: otherViewer });
    expect(missing.status).toBe(404);
    expect(foreign).toEqual({ status: 404, body: { ...missing.body, message: missing.body.message.replace('no_such_store', cam.storeId) } });
    const list = await t.call('GET', `/api/alerts?store_id=${cam.storeId}`, { token: otherViewer });
    expect(list).toEqual(foreign);
    const listMissing = await t.call('GET', `/api/alerts?store_id=no_such_store`, { token: otherViewer });
    expect(listMissing).toEqual(missing);
    // Changing rules is the operator's: a viewer key is no admin token.
    expect((await t.call('PUT', `/api/admin/stores/${cam.storeId}/alert-rules`, { token: otherViewer, body: { no_footfall: { minutes: 9 } } })).status).toBe(
      401,
    );
    expect((await t.admin('PUT', '/api/admin/stores/no_such_store/alert-rules', { no_footfall: { minutes: 9 } })).body.message).toBe(missing.body.message);
    expect(await alerts('', otherViewer)).toEqual([]);
  });

  it('each rule fires once and resolves once', async () => {
    const t0 = Date.now();
    // 1. A stalled camera whose edge lost events, with a long queue: queue_length and edge_events_lost at once.
    await heartbeat(t, cam, { stream_state: 'stalled', queue_lengths: { checkout_1: 6 }, dropped_events: 3, dead_letter_events: 0 });
    await waitState('queue_length', 'firing', 'checkout_1');
    await waitState('edge_events_lost', 'firing', cam.cameraId);
    // 2. The minute job: the camera's and the quiet store's clocks start, then 5 minutes later both fire.
    await minute(t0);
    expect(await episode('camera_not_analysing', cam.cameraId)).toEqual([]);
    await minute(t0 + 5 * MIN);
    await waitState('camera_not_analysing', 'firing', cam.cameraId);
    await waitState('no_footfall', 'firing');
    // The other store has no opening hours: quiet as it is, no_footfall stays idle there.
    expect((await alerts(`store_id=${other.storeId}`, otherViewer)).filter((a) => a.type === 'no_footfall')).toEqual([]);
    // 3. Streaming again, the queue short, no new losses: queue_length resolves now, the rest on the clock.
    await heartbeat(t, cam, {
      stream_state: 'streaming',
      fps_achieved: 5,
      target_fps: 5,
      queue_lengths: { checkout_1: 2 },
      dropped_events: 3,
      dead_letter_events: 0,
    });
    await waitState('queue_length', 'resolved', 'checkout_1');
    await minute(t0 + 20 * MIN);
    await waitState('camera_not_analysing', 'resolved', cam.cameraId);
    await waitState('edge_events_lost', 'resolved', cam.cameraId);
    // 4. Ten people in (capacity 10): the first in resolves no_footfall, the tenth fires occupancy; two out (8 < 9) resolve it.
    await postEvents(t, cam, inEvents(10, base, 'in'));
    await waitState('no_footfall', 'resolved');
    await waitState('occupancy_over_capacity', 'firing');
    await postEvents(t, cam, inEvents(2, base + 60_000, 'out', 'out'));
    await waitState('occupancy_over_capacity', 'resolved');
    // 5. Queue waits: one of 400 s (avg 400 ≥ 300), then three of 10 s (avg 107.5 < 240).
    const wait = (i: number, s: number) => ({
      type: 'queue',
      ts: iso(base + 200_000 + i * 1000),
      queue_id: 'checkout_1',
      enter_ts: iso(base + 200_000 + i * 1000 - s * 1000),
      exit_ts: iso(base + 200_000 + i * 1000),
      wait_seconds: s,
      person_key: `q${i}`,
    });
    await postEvents(t, cam, [wait(0, 400)]);
    await waitState('queue_wait', 'firing', 'checkout_1');
    await postEvents(t, cam, [wait(1, 10), wait(2, 10), wait(3, 10)]);
    await waitState('queue_wait', 'resolved', 'checkout_1');
    await t.app.get(LiveAlerts).settled();

    const list = await alerts();
    const summary = list.map((a) => `${a.type}/${a.subject}:${a.state}`).sort();
    expect(summary).toEqual(
      [
        'camera_not_analysing/cam_all:resolved',
        'edge_events_lost/cam_all:resolved',
        'no_footfall/:resolved',
        'occupancy_over_capacity/:resolved',
        'queue_length/checkout_1:resolved',
        'queue_wait/checkout_1:resolved',
      ].sort(),
    );
    // Newest first, with the numbers that made each fire.
    expect(list.map((a) => a.fired_at)).toEqual([...list.map((a) => a.fired_at)].sort().reverse());
    const byType = Object.fromEntries(list.map((a) => [a.type, a]));
    expect(byType.occupancy_over_capacity.evidence).toMatchObject({ occupancy: 10, capacity: 10, share: 1, threshold: 10 });
    expect(byType.occupancy_over_capacity.resolve_evidence).toMatchObject({ occupancy: 8, clear_threshold: 9 });
    expect(byType.occupancy_over_capacity.summary).toBe('Store over capacity: 10 people inside, 100% of 10 (threshold 100%)');
    expect(byType.queue_length.evidence).toMatchObject({ queue_id: 'checkout_1', length: 6, threshold: 5, camera_id: cam.cameraId });
    expect(byType.queue_wait.evidence).toMatchObject({ avg_wait_s: 400, threshold_s: 300 });
    expect(byType.camera_not_analysing.evidence).toMatchObject({ reason: 'not_analysing', stream_state: 'stalled', minutes: 5 });
    expect(byType.edge_events_lost.evidence).toMatchObject({ dropped_events: 3, new_losses: 3 });
    expect(byType.no_footfall.evidence).toMatchObject({ footfall_today: 0, minutes: 5 });
    // One event per transition: 6 fired, 6 resolved.
    const events = changes.filter((c) => c.change.alert.store_id === cam.storeId);
    expect(events.filter((c) => c.event === 'fired')).toHaveLength(6);
    expect(events.filter((c) => c.event === 'resolved')).toHaveLength(6);
    // The firing filter and the metric agree.
    expect(await alerts(`store_id=${cam.storeId}&state=firing`)).toEqual([]);
    const metric = await t.app.get(WinkMetrics).alerts.get();
    expect(metric.values.find((v) => v.labels.type === 'queue_length' && v.labels.transition === 'fired')?.value).toBe(1);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('wink_alerts_total{type="occupancy_over_capacity",transition="resolved"} 1');
  }, 60_000);

  it('traffic_spike: the hourly analysis fires once per spike hour and resolves when the next hour is not one', async () => {
    const spikeCam = await provisionCamera(t, { orgId: cam.orgId, storeId: 'alert_spiky', cameraId: 'door', timezone: 'UTC', capabilities: ['entrance'] });
    await t.admin('PUT', '/api/admin/stores/alert_spiky/alert-rules', { no_footfall: { enabled: false }, camera_not_analysing: { enabled: false } });
    // Fifteen days of 5 visitors at 15:00 and 16:00, then 40 at 15:00 yesterday.
    const yesterday = addDays(localDate(Date.now(), 'UTC'), -1);
    const random = seededRandom(7);
    const events = [];
    for (let d = 15; d >= 1; d--) {
      const day = startOfLocalDay(addDays(yesterday, -d), 'UTC');
      events.push(...entrances(day + 15 * HOUR, 5, 'h', random), ...entrances(day + 16 * HOUR, 5, 'h', random));
    }
    const spikeHour = startOfLocalDay(yesterday, 'UTC') + 15 * HOUR;
    events.push(...entrances(spikeHour, 40, 's', random), ...entrances(spikeHour + HOUR, 5, 's', random));
    for (let i = 0; i < events.length; i += 500) await postEvents(t, spikeCam, events.slice(i, i + 500));
    const from = startOfLocalDay(addDays(yesterday, -16), 'UTC');
    await t.app.get(HourlyRollup).rollUp('alert_spiky', from, spikeHour + 2 * HOUR);

    const check = t.app.get(HourlySpikeCheck);
    const spikes = async () => (await alerts('store_id=alert_spiky')).filter((a) => a.type === 'traffic_spike');
    // The rollup worker's path, at 16:05 and again (late events re-rolled the hour) at 16:20: one episode.
    await check.afterRollup('alert_spiky', from, spikeHour + 2 * HOUR, spikeHour + HOUR + 5 * MIN);
    await check.afterRollup('alert_spiky', from, spikeHour + 2 * HOUR, spikeHour + HOUR + 20 * MIN);
    const fired = await spikes();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ state: 'firing', subject: `${yesterday}T15:00:00+00:00`, evidence: { count: 40, hour_start_ms: spikeHour } });
    expect(fired[0].summary).toMatch(/^Traffic spike at 15:00: 40 visitors, 5 expected$/);
    // 17:05: 16:00 was an ordinary hour.
    await check.afterRollup('alert_spiky', from, spikeHour + 2 * HOUR, spikeHour + 2 * HOUR + 5 * MIN);
    const after = await spikes();
    expect(after.map((a) => a.state)).toEqual(['resolved']);
    expect(after[0].resolve_evidence).toMatchObject({ spike: false, count: 5 });
    // Re-assessing the spike hour later opens nothing new.
    await check.afterRollup('alert_spiky', from, spikeHour + 2 * HOUR, spikeHour + HOUR + 30 * MIN);
    expect(await spikes()).toHaveLength(1);
  }, 120_000);

  it('lists the organisation’s alerts across its stores, plus its own; filters by state', async () => {
    const all = await alerts('');
    expect(new Set(all.map((a) => a.store_id))).toEqual(new Set([cam.storeId, 'alert_spiky']));
    await t.app
      .get(AlertsService)
      .raiseOrgAlert({ org_id: cam.orgId, type: 'webhook_endpoint_disabled', subject: 'ep1', summary: 'Webhook endpoint disabled', evidence: {} });
    const firing = await alerts('state=firing');
    expect(firing.map((a) => [a.type, a.store_id])).toEqual([['webhook_endpoint_disabled', null]]);
    expect(await alerts('state=firing', otherViewer)).toEqual([]);
    expect((await alerts('limit=2')).length).toBe(2);
    const bad = await t.call('GET', '/api/alerts?state=open', { token: viewer });
    expect(bad).toMatchObject({ status: 400, body: { message: 'state: must be "firing" or "resolved"' } });
  });

  it('two API processes on one database seeing the same long queue open one episode and tell it once', async () => {
    const sibling = await startSibling(t.config);
    try {
      const siblingChanges: AlertChange[] = [];
      sibling.app.get(AlertsService).events.on('alert.fired', (c) => void siblingChanges.push(c));
      const before = changes.length;
      const hb = { queue_lengths: { checkout_2: 9 } };
      await Promise.all([heartbeat(t, cam, hb), heartbeat(t, cam, hb, sibling.baseUrl), heartbeat(t, cam, hb), heartbeat(t, cam, hb, sibling.baseUrl)]);
      await waitState('queue_length', 'firing', 'checkout_2');
      expect(await episode('queue_length', 'checkout_2')).toHaveLength(1);
      const rows = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM alerts WHERE subject = 'checkout_2'`);
      expect(rows[0].n).toBe(1);
      expect(changes.slice(before).filter((c) => c.event === 'fired').length + siblingChanges.length).toBe(1);
    } finally {
      await sibling.app.close();
    }
  });
});

describe('the one-minute job (real Redis and BullMQ)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startAnalyticsApp();
  });
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it('is scheduled every minute by the workers, and declared again after Redis lost it', async () => {
    const queue: Queue = t.app.get(getQueueToken(ALERTS_QUEUE), { strict: false });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern])).toEqual([['alerts-minute', '* * * * *']]);
    await flushRedis(t);
    expect(await queue.getJobSchedulersCount()).toBe(0);
    expect(await t.app.get(AlertsWorkers).ensureScheduler('test')).toBe(1);
    expect(await queue.getJobSchedulersCount()).toBe(1);
  });
});
