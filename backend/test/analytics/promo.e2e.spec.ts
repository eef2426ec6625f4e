import type { StoreEvent } from '../../../shared/src/events.ts';
import { addDays, localDate, localHourStarts, localParts, startOfLocalDay } from '../../src/common/store-clock.ts';
import type { ProvisionedCamera, TestApp } from '../test-app.ts';
import { closeAnalyticsApp, drain, HOUR, ingest, poisson, provisionCamera, seededRandom, startAnalyticsApp, viewerKey } from './analytics-harness.ts';

const FIRST = '2024-02-05'; // a Monday: four full weeks of baseline before the promotion
const PROMO_START = '2024-03-04';
const PROMO_END = '2024-03-10'; // includes the US DST change (a 23-hour day)
const TRUE_LIFT = 30; // % more shelf_A1 interactions per visitor during the promotion
const OPEN = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];

/** Visitor-level synthetic days: entrance, and by chance a shelf interaction, a zone visit, a checkout wait. */
function visitors(timezone: string, seed: number, promoLift: number): StoreEvent[] {
  const random = seededRandom(seed);
  const events: StoreEvent[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let d = FIRST; d <= PROMO_END; d = addDays(d, 1)) {
    const weekend = [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
    const inPromo = d >= PROMO_START;
    // Local opening hours: on the DST day the hours after 02:00 start an hour earlier in UTC.
    const hourStart = new Map(
      localHourStarts(startOfLocalDay(d, timezone), startOfLocalDay(addDays(d, 1), timezone)).map((h) => [localParts(h, timezone).hour, h]),
    );
    const n = poisson(random, 200 * (weekend ? 1.3 : 1));
    for (let i = 0; i < n; i++) {
      const id = `v${seed}-${d}-${i}`;
      const t = hourStart.get(OPEN[Math.floor(random() * OPEN.length)])! + Math.floor(random() * (HOUR - 900_000));
      events.push({ type: 'entrance', event_id: `${id}-in`, ts: iso(t), direction: 'in', person_key: id });
      if (random() < 0.3 * (inPromo ? 1 + promoLift / 100 : 1)) {
        events.push({ type: 'shelf', event_id: `${id}-a1`, ts: iso(t + 60_000), shelf_id: 'shelf_A1', dwell_seconds: 5 + 20 * random(), person_key: id });
      }
      if (random() < 0.2)
        events.push({ type: 'shelf', event_id: `${id}-b2`, ts: iso(t + 90_000), shelf_id: 'shelf_B2', dwell_seconds: 5 + 20 * random(), person_key: id });
      if (random() < 0.5) {
        const dwell = 30 + 120 * random();
        events.push({
          type: 'zone',
          event_id: `${id}-z`,
          ts: iso(t + 30_000 + dwell * 1000),
          zone_id: 'electronics',
          enter_ts: iso(t + 30_000),
          exit_ts: iso(t + 30_000 + dwell * 1000),
          dwell_seconds: dwell,
          person_key: id,
        });
      }
      if (random() < 0.4) {
        const wait = 30 + 170 * random();
        events.push({
          type: 'queue',
          event_id: `${id}-q`,
          ts: iso(t + 600_000 + wait * 1000),
          queue_id: 'checkout_1',
          enter_ts: iso(t + 600_000),
          exit_ts: iso(t + 600_000 + wait * 1000),
          wait_seconds: wait,
          person_key: id,
        });
      }
    }
  }
  return events;
}

const contains = (ci: [number, number], x: number) => ci[0] < x && x < ci[1];

describe('GET /api/analytics/promo (real PostgreSQL, Redis and BullMQ workers)', () => {
  let t: TestApp;
  let target: ProvisionedCamera;
  let viewer: string;
  let otherViewer: string;
  const get = (q: string, token: string | null = viewer) => t.call('GET', `/api/analytics/promo?${q}`, { token });
  const base = `store_id=promo_target&start_date=${PROMO_START}&end_date=${PROMO_END}`;

  beforeAll(async () => {
    t = await startAnalyticsApp();
    target = await provisionCamera(t, { storeId: 'promo_target', cameraId: 'cam_1', timezone: 'America/New_York' });
    const control = await provisionCamera(t, { storeId: 'promo_control', cameraId: 'cam_1', orgId: target.orgId, timezone: 'America/Chicago' });
    const foreign = await provisionCamera(t, { storeId: 'promo_foreign', cameraId: 'cam_1', timezone: 'UTC' });
    await ingest(t, target, visitors('America/New_York', 1, TRUE_LIFT));
    await ingest(t, control, visitors('America/Chicago', 2, 0));
    await ingest(t, foreign, visitors('UTC', 3, 0).slice(0, 50));
    await drain(t, 120_000);
    viewer = await viewerKey(t, target.orgId);
    otherViewer = await viewerKey(t, foreign.orgId);
  }, 180_000);
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it('recovers a known +30% interaction lift within its interval, and finds no lift where there was none', async () => {
    const r = await get(`${base}&shelf_id=shelf_A1`);
    expect(r.status).toBe(200);
    const res = r.body.result;
    expect(res).toMatchObject({
      store_id: 'promo_target',
      timezone: 'America/New_York',
      filters: { shelf_id: 'shelf_A1', zone_id: null },
      promo: { start_date: PROMO_START, end_date: PROMO_END, days: 7, days_with_data: 7, missing_dates: [] },
      baseline: { mode: 'same_weekdays', weeks: 4, start_date: FIRST, end_date: '2024-03-03', days: 28, days_with_data: 28 },
      did: null,
    });
    const m = res.metrics;
    expect(m.interactions_per_visitor).toMatchObject({ kind: 'ratio', method: 'bootstrap_days', resamples: 2000, significant: true });
    expect(contains(m.interactions_per_visitor.ci95_pct, TRUE_LIFT)).toBe(true);
    expect(m.interactions_per_visitor.promo).toBeCloseTo(0.39, 1);
    expect(m.interactions_per_visitor.baseline).toBeCloseTo(0.3, 1);
    expect(m.shelf_interactions).toMatchObject({ kind: 'count', unit: 'per_day', significant: true });
    expect(contains(m.shelf_interactions.ci95_pct, TRUE_LIFT)).toBe(true);
    expect(m.shelf_interactions.p_value).toBeLessThan(0.001);
    // Footfall, dwell and waits did not change: their intervals contain 0.
    expect(m.footfall).toMatchObject({ kind: 'count', significant: false });
    expect(contains(m.footfall.ci95_pct, 0)).toBe(true);
    for (const k of ['avg_dwell_seconds', 'avg_shelf_dwell_seconds', 'avg_queue_wait_seconds']) {
      expect(contains(m[k].ci95_pct, 0)).toBe(true);
      expect(m[k].significant).toBe(false);
    }
    expect(m.avg_dwell_seconds.baseline).toBeCloseTo(90, -1); // U(30, 150) s
    expect(m.avg_queue_wait_seconds.baseline).toBeCloseTo(115, -1); // U(30, 200) s
    expect(res.method.bootstrap_seed).toEqual(expect.any(Number));
  });

  it('estimates the lift net of the control stores (difference-in-differences)', async () => {
    const r = await get(`${base}&shelf_id=shelf_A1&control_store_ids=promo_control`);
    expect(r.status).toBe(200);
    const did = r.body.result.did;
    expect(did).toMatchObject({ control_store_ids: ['promo_control'], promo_store_days: 7, baseline_store_days: 28 });
    expect(did.metrics.interactions_per_visitor).toMatchObject({ method: 'bootstrap_days', significant: true });
    expect(contains(did.metrics.interactions_per_visitor.ci95_pct, TRUE_LIFT)).toBe(true);
    expect(did.metrics.footfall).toMatchObject({ method: 'log_rate_ratio_contrast', significant: false });
    expect(contains(did.metrics.footfall.ci95_pct, 0)).toBe(true);
  });

  it('takes an explicit baseline period and a zone filter; the same parameters return the same stored report', async () => {
    const q = `${base}&zone_id=electronics&baseline_start_date=2024-02-12&baseline_end_date=2024-03-03`;
    const r = await get(q);
    expect(r.status).toBe(200);
    expect(r.body.result.baseline).toMatchObject({ mode: 'range', start_date: '2024-02-12', end_date: '2024-03-03', days: 21, days_with_data: 21 });
    expect(r.body.result.filters).toEqual({ shelf_id: null, zone_id: 'electronics' });
    const again = await get(q);
    expect(again.body.report_id).toBe(r.body.report_id);
    expect(again.body.result).toEqual(r.body.result);
  });

  describe('refuses bad input with a status and a message naming the field', () => {
    const today = () => localDate(Date.now(), 'America/New_York');
    it.each([
      [
        'end before start',
        () => `store_id=promo_target&start_date=2024-03-10&end_date=2024-03-04`,
        400,
        'end_date',
        /^end_date: must not be before start_date \(2024-03-10\)$/,
      ],
      [
        'a range in the future',
        () => `store_id=promo_target&start_date=${addDays(today(), 1)}&end_date=${addDays(today(), 3)}`,
        400,
        'start_date',
        /^start_date: is not in the past \(today in America\/New_York is /,
      ],
      [
        'a range ending today',
        () => `store_id=promo_target&start_date=${addDays(today(), -3)}&end_date=${today()}`,
        400,
        'end_date',
        /^end_date: must be a day that is over/,
      ],
      [
        'no history before the promotion',
        () => `store_id=promo_target&start_date=2024-02-05&end_date=2024-02-11`,
        400,
        'start_date',
        /^start_date: no history to compare with: store promo_target has no data on the same weekdays of the 4 weeks before the promotion \(2024-01-08\.\.2024-02-04\)$/,
      ],
      [
        'no data in the promotion',
        () => `store_id=promo_target&start_date=2024-03-14&end_date=2024-03-15`,
        400,
        'start_date',
        /^start_date: store promo_target has no data in the promotion period \(2024-03-14\.\.2024-03-15\)$/,
      ],
      ['an unknown shelf', () => `${base}&shelf_id=shelf_Z9`, 400, 'shelf_id', /^shelf_id: shelf shelf_Z9 has no recorded interactions in store promo_target$/],
      ['an unknown zone', () => `${base}&zone_id=garden`, 400, 'zone_id', /^zone_id: zone garden has no recorded visits in store promo_target$/],
      [
        'a malformed date',
        () => `store_id=promo_target&start_date=2024-3-4&end_date=${PROMO_END}`,
        400,
        'start_date',
        /^start_date: must be a calendar date as YYYY-MM-DD$/,
      ],
      ['a missing date', () => `store_id=promo_target&start_date=${PROMO_START}`, 400, 'end_date', /^end_date: is required$/],
      [
        'a promotion over 92 days',
        () => `store_id=promo_target&start_date=2023-01-01&end_date=2024-03-01`,
        400,
        'end_date',
        /^end_date: the promotion may span at most 92 days$/,
      ],
      [
        'half a baseline period',
        () => `${base}&baseline_start_date=2024-02-05`,
        400,
        'baseline_end_date',
        /^baseline_end_date: is required with baseline_start_date$/,
      ],
      [
        'a baseline overlapping the promotion',
        () => `${base}&baseline_start_date=2024-02-05&baseline_end_date=2024-03-05`,
        400,
        'baseline_end_date',
        /must be before the promotion/,
      ],
      ['baseline weeks out of range', () => `${base}&baseline_weeks=0`, 400, 'baseline_weeks', /^baseline_weeks: must be a whole number from 1 to 12$/],
      ['the store as its own control', () => `${base}&control_store_ids=promo_target`, 400, 'control_store_ids', /must not include the promoted store/],
      ['an unknown parameter', () => `${base}&shelf=shelf_A1`, 400, 'shelf', /^shelf: is not a known field$/],
      ['an unknown control store', () => `${base}&control_store_ids=nowhere`, 404, 'control_store_ids', /^control_store_ids: store nowhere does not exist$/],
      [
        "another organisation's control store",
        () => `${base}&control_store_ids=promo_foreign`,
        404,
        'control_store_ids',
        /^control_store_ids: store promo_foreign does not exist$/,
      ],
    ])('%s', async (_, q, status, field, message) => {
      const r = await get(q());
      expect(r.status).toBe(status);
      expect(r.body.field).toBe(field);
      expect(r.body.message).toMatch(message);
    });

    it("another organisation's store is a 404, as if it did not exist; no token is a 401", async () => {
      const r = await get(base, otherViewer);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ field: 'store_id', message: 'store_id: store promo_target does not exist' });
      expect((await get(base, null)).status).toBe(401);
    });
  });
});
