import type { StoreEvent } from '../../../shared/src/events.ts';
import { AnalyticsReports } from '../../src/analytics/analytics-reports.service.ts';
import { addDays, localDate, localHourStarts, localParts, startOfLocalDay } from '../../src/common/store-clock.ts';
import type { ProvisionedCamera, TestApp } from '../test-app.ts';
import {
  closeAnalyticsApp,
  drain,
  entrances,
  ingest,
  poisson,
  provisionCamera,
  queues,
  seededRandom,
  startAnalyticsApp,
  viewerKey,
  waitFor,
  SETUP_TIMEOUT_MS,
} from './analytics-harness.ts';

const FIRST = '2024-01-01';
const LAST = '2024-04-07'; // 14 weeks; the last 4 cross the Paris DST change of 2024-03-31
const REPORT_START = '2024-03-11';
// Closed at night, a lunch peak, an evening bump.
const PROFILE = [0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 10, 14, 18, 15, 11, 10, 12, 15, 14, 9, 4, 1, 0, 0];

/** Synthetic history: Poisson visitors around a daily profile, busier weekends, and some injected spikes. */
function history(timezone: string, scale: number, spikes: number, seed: number): { events: StoreEvent[]; injected: Set<string>; total: number } {
  const random = seededRandom(seed);
  const events: StoreEvent[] = [];
  const injected = new Set<string>();
  const reportDays = 28;
  const spikeAt = new Set<string>();
  while (spikeAt.size < spikes) spikeAt.add(`${addDays(REPORT_START, Math.floor(random() * reportDays))}|${9 + Math.floor(random() * 11)}`);
  for (let d = FIRST; d <= LAST; d = addDays(d, 1)) {
    for (const h of localHourStarts(startOfLocalDay(d, timezone), startOfLocalDay(addDays(d, 1), timezone))) {
      const lp = localParts(h, timezone);
      const mean = PROFILE[lp.hour] * scale * (lp.isoDow >= 6 ? 1.5 : 1);
      let n = poisson(random, mean);
      if (spikeAt.has(`${lp.date}|${lp.hour}`)) {
        n += Math.round(Math.max(20, 3 * mean)); // a coach party
        injected.add(new Date(h).toISOString());
      }
      events.push(...entrances(h, n, `s${seed}`, random));
    }
  }
  return { events, injected, total: events.length };
}

describe('GET /api/analytics/spikes (real PostgreSQL, Redis and BullMQ workers)', () => {
  let t: TestApp;
  let paris: ProvisionedCamera;
  let quiet: ProvisionedCamera;
  let other: ProvisionedCamera;
  let parisData: ReturnType<typeof history>;
  let viewer: string;
  let otherViewer: string;
  const get = (q: string, token: string | null = viewer) => t.call('GET', `/api/analytics/spikes?${q}`, { token });

  beforeAll(async () => {
    t = await startAnalyticsApp();
    paris = await provisionCamera(t, { storeId: 'spk_paris', cameraId: 'door', timezone: 'Europe/Paris', capabilities: ['entrance'] });
    quiet = await provisionCamera(t, { storeId: 'spk_quiet', cameraId: 'door', orgId: paris.orgId, timezone: 'UTC', capabilities: ['entrance'] });
    other = await provisionCamera(t, { storeId: 'spk_other_org', cameraId: 'door', capabilities: ['entrance'] });
    parisData = history('Europe/Paris', 1, 12, 1);
    await ingest(t, paris, parisData.events);
    await ingest(t, quiet, history('UTC', 0.08, 0, 2).events); // about one visitor an hour at the busiest
    await ingest(t, other, entrances(Date.parse('2024-04-01T10:00:00Z'), 3, 'o', seededRandom(3)));
    await drain(t, 120_000);
    viewer = await viewerKey(t, paris.orgId);
    otherViewer = await viewerKey(t, other.orgId);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it("flags every injected spike in 28 days of a store's local hours, with few false positives", async () => {
    const r = await get(`store_id=spk_paris&days=28&end_date=${LAST}`);
    expect(r.status).toBe(200);
    const res = r.body.result;
    expect(res).toMatchObject({ store_id: 'spk_paris', timezone: 'Europe/Paris', days: 28, start_date: REPORT_START, end_date: LAST });
    expect(res.series).toHaveLength(28 * 24 - 1); // 2024-03-31 has 23 hours in Paris
    expect(res.summary.hours_without_baseline).toBe(0);
    const flagged = new Set<string>(res.spikes.map((s: { utc: string }) => s.utc));
    const found = [...parisData.injected].filter((u) => flagged.has(u));
    const falsePositives = [...flagged].filter((u) => !parisData.injected.has(u));
    expect(found).toHaveLength(12); // all of them
    expect(falsePositives).toEqual([]); // among 659 ordinary hours
    expect(res.summary.spikes).toBe(flagged.size);
    for (const s of res.spikes) {
      expect(s.count).toBeGreaterThanOrEqual(s.threshold);
      expect(s.score).toBeGreaterThan(3);
      expect(s.expected).toBeLessThan(s.count);
      expect(localParts(Date.parse(s.utc), 'Europe/Paris').hour).toBe(Number(s.local.slice(11, 13)));
    }
    // Local time carries its offset: +01:00 before the DST change, +02:00 after.
    expect(res.series[0]).toMatchObject({ local: '2024-03-11T00:00:00+01:00', utc: '2024-03-10T23:00:00.000Z' });
    expect(res.series[res.series.length - 1]).toMatchObject({ local: '2024-04-07T23:00:00+02:00', utc: '2024-04-07T21:00:00.000Z' });
    expect(res.method).toMatchObject({ k: 3, alpha: 0.0001, min_excess: 3, baseline_weeks: 8, fallback_days: 14 });
  });

  it('does not flag noise in a quiet store', async () => {
    const r = await get(`store_id=spk_quiet&days=28&end_date=${LAST}`);
    expect(r.status).toBe(200);
    expect(r.body.result.summary.footfall).toBeGreaterThan(100);
    expect(r.body.result.spikes).toEqual([]);
  });

  it('serves the stored report for the same parameters until new data for its range arrives', async () => {
    const q = `store_id=spk_paris&days=7&end_date=${LAST}`;
    const first = await get(q);
    const again = await get(q);
    expect(again.status).toBe(200);
    expect(again.body.report_id).toBe(first.body.report_id);
    expect(again.body.created_at).toBe(first.body.created_at);

    // New data outside the range (a week after) changes nothing.
    await ingest(t, paris, entrances(Date.parse('2024-04-20T10:00:00Z'), 2, 'after', seededRandom(5)));
    await drain(t);
    expect((await get(q)).body.report_id).toBe(first.body.report_id);

    // A late event inside the range: a new report, with the extra visitor in it.
    const hour = Date.parse('2024-04-05T12:00:00Z');
    const before = first.body.result.series.find((s: { utc: string }) => s.utc === new Date(hour).toISOString()).count;
    await ingest(t, paris, entrances(hour, 1, 'late', seededRandom(6)));
    await drain(t);
    const fresh = await get(q);
    expect(fresh.status).toBe(200);
    expect(fresh.body.report_id).not.toBe(first.body.report_id);
    expect(fresh.body.data_version).toBeGreaterThan(first.body.data_version);
    expect(fresh.body.result.series.find((s: { utc: string }) => s.utc === new Date(hour).toISOString()).count).toBe(before + 1);
  });

  it('answers 202 with a report id when the report takes longer than the wait, then serves it there', async () => {
    const wait = t.config.reportWaitMs;
    t.config.reportWaitMs = 0;
    try {
      const r = await get(`store_id=spk_paris&days=90&end_date=${LAST}`);
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ kind: 'spikes', status: expect.stringMatching(/pending|running/), poll: `/api/analytics/reports/${r.body.report_id}` });
      let polled!: Awaited<ReturnType<typeof get>>;
      await waitFor('the report', async () => (polled = await t.call('GET', r.body.poll, { token: viewer })).status !== 202, 120_000);
      expect(polled.status).toBe(200);
      expect(polled.body).toMatchObject({ report_id: r.body.report_id, status: 'ready', kind: 'spikes' });
      expect(polled.body.result.series).toHaveLength(90 * 24 - 1);
      expect(polled.body.params).toMatchObject({ store_id: 'spk_paris', days: 90, end_date: LAST, start_date: '2024-01-09' });
      expect(polled.body.data_range.from < polled.body.params.start_date).toBe(true); // the baseline weeks before are read too
    } finally {
      t.config.reportWaitMs = wait;
    }
  }, 180_000);

  it("the nightly job precomputes every store's 7-day report, which requests are then served from", async () => {
    const { report } = queues(t);
    expect(await report.getJobScheduler('spike-precompute')).toMatchObject({ pattern: '10 * * * *' });
    const reports = t.app.get(AnalyticsReports);
    expect(await reports.precomputeSpikes()).toBe(3); // three stores, none computed yet
    await drain(t);
    expect(await reports.precomputeSpikes()).toBe(0); // already there, data unchanged
    const r = await get('store_id=spk_quiet');
    expect(r.status).toBe(200);
    const yesterday = addDays(localDate(Date.now(), 'UTC'), -1);
    expect(r.body.result).toMatchObject({ days: 7, end_date: yesterday });
  });

  describe('access', () => {
    it("admin token and viewers of the store's organisation read; other organisations get the same 404 as a missing store", async () => {
      expect((await get(`store_id=spk_paris&days=7&end_date=${LAST}`, t.config.adminToken)).status).toBe(200);
      const foreign = await get(`store_id=spk_paris&days=7&end_date=${LAST}`, otherViewer);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toMatchObject({ field: 'store_id', message: 'store_id: store spk_paris does not exist' });
      const mine = await get(`store_id=spk_paris&days=7&end_date=${LAST}`);
      const report = await t.call('GET', `/api/analytics/reports/${mine.body.report_id}`, { token: otherViewer });
      expect(report.status).toBe(404);
      expect(report.body.field).toBe('id');
      expect((await get('store_id=spk_paris', null)).status).toBe(401);
      expect((await get('store_id=spk_paris', paris.apiKey)).status).toBe(403); // an edge key only writes
    });
  });

  describe('refuses bad input with a status and a message naming the field', () => {
    it.each([
      ['missing store', 'days=7', 400, 'store_id', 'store_id: is required'],
      ['days 0', 'store_id=spk_paris&days=0', 400, 'days', 'days: must be a whole number from 1 to 366'],
      ['days not a number', 'store_id=spk_paris&days=week', 400, 'days', 'days: must be a whole number from 1 to 366'],
      ['days too many', 'store_id=spk_paris&days=400', 400, 'days', 'days: must be a whole number from 1 to 366'],
      ['bad date', 'store_id=spk_paris&end_date=2024-02-30', 400, 'end_date', 'end_date: must be a calendar date as YYYY-MM-DD'],
      ['unknown parameter', 'store_id=spk_paris&day=7', 400, 'day', 'day: is not a known field'],
      ['unknown store', 'store_id=nowhere', 404, 'store_id', 'store_id: store nowhere does not exist'],
    ])('%s', async (_, q, status, field, message) => {
      const r = await get(q);
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ statusCode: status, field, message });
    });

    it('an end date in the future', async () => {
      const r = await get(`store_id=spk_quiet&end_date=${addDays(localDate(Date.now(), 'UTC'), 2)}`);
      expect(r.status).toBe(400);
      expect(r.body.field).toBe('end_date');
      expect(r.body.message).toMatch(/^end_date: is in the future \(today in UTC is \d{4}-\d{2}-\d{2}\)$/);
    });

    it('a malformed report id', async () => {
      const r = await t.call('GET', '/api/analytics/reports/42', { token: viewer });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ field: 'id', message: 'id: must be a report id (UUID)' });
      const missing = await t.call('GET', '/api/analytics/reports/00000000-0000-4000-8000-000000000000', { token: viewer });
      expect(missing.status).toBe(404);
      expect(missing.body.field).toBe('id');
    });
  });

  it('GET /api/analytics/health: queue depth, failed jobs, workers alive (admin only)', async () => {
    const r = await t.call('GET', '/api/analytics/health', { token: t.config.adminToken });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', failed_jobs: 0, workers_alive: 1 });
    expect(r.body.queues['analytics-rollup']).toMatchObject({ workers: 1, failed: 0 });
    expect(r.body.queues['analytics-report']).toMatchObject({ workers: 1 });
    expect(typeof r.body.queue_depth).toBe('number');
    expect((await t.call('GET', '/api/analytics/health', { token: viewer })).status).toBe(401);
  });
});
