import type { StoreEvent } from '../../../shared/src/events.ts';
import { addDays, localDate, localHourStarts, localParts, startOfLocalDay, startOfLocalHour } from '../../src/common/store-clock.ts';
import type { ProvisionedCamera, TestApp } from '../test-app.ts';
import {
  closeAnalyticsApp,
  drain,
  HOUR,
  ingest,
  poisson,
  provisionCamera,
  seededRandom,
  startAnalyticsApp,
  viewerKey,
  SETUP_TIMEOUT_MS,
} from './analytics-harness.ts';

const FIRST = '2024-02-05'; // a Monday: four full weeks of baseline before the promotion
const PROMO_START = '2024-03-04';
const PROMO_END = '2024-03-10'; // includes the US DST change (a 23-hour day)
const TRUE_LIFT = 30; // % more shelf_A1 interactions per visitor during the promotion
const OPEN = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
// % more visitors buy during the promotion (the basket does not change). ~150 paired visitors a day: the interval of
// a conversion lift is about ±15 points, ±20 net of a control store, so a smaller lift would not be told from none.
const TRUE_CONVERSION_LIFT = 30;
const BASE_CONVERSION = 0.25;
const SALES_FROM = '2024-02-12'; // the POS was connected a week after the cameras
const NO_SALES_HOURS = [9, 10, 11]; // the tills never sent their mornings: those visitors are not non-buyers

/**
 * Hourly sales for the entrance events of one store: each visitor buys with the period's probability, a
 * basket of 20–50. Drawn from its own stream, so the visitor events (and the other metrics' tests) stay the same.
 */
function salesFor(events: StoreEvent[], timezone: string, seed: number, promoLift: number) {
  const random = seededRandom(seed);
  const hours = new Map<number, { transactions: number; sales_amount: number }>();
  for (const e of events) {
    if (e.type !== 'entrance') continue;
    const ms = Date.parse(e.ts);
    const { date, hour } = localParts(ms, timezone);
    if (date < SALES_FROM || NO_SALES_HOURS.includes(hour)) continue;
    const h = startOfLocalHour(ms, timezone);
    const row = hours.get(h) ?? { transactions: 0, sales_amount: 0 };
    if (random() < BASE_CONVERSION * (date >= PROMO_START ? 1 + promoLift / 100 : 1)) {
      row.transactions += 1;
      row.sales_amount = Math.round((row.sales_amount + 20 + 30 * random()) * 100) / 100;
    }
    hours.set(h, row);
  }
  return [...hours].map(([h, r]) => ({ hour: new Date(h).toISOString(), ...r }));
}

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
    const targetEvents = visitors('America/New_York', 1, TRUE_LIFT);
    const controlEvents = visitors('America/Chicago', 2, 0);
    await ingest(t, target, targetEvents);
    await ingest(t, control, controlEvents);
    const pos = (await t.admin('POST', '/api/admin/pos-keys', { org_id: target.orgId, name: 'tills' })).body.api_key;
    for (const [storeId, rows] of [
      ['promo_target', salesFor(targetEvents, 'America/New_York', 11, TRUE_CONVERSION_LIFT)],
      ['promo_control', salesFor(controlEvents, 'America/Chicago', 12, 0)],
    ] as const) {
      const r = await t.call('POST', '/api/sales', { token: pos, body: { store_id: storeId, currency: 'USD', rows } });
      if (r.status !== 200) throw new Error(`sales: ${JSON.stringify(r.body)}`);
    }
    await ingest(t, foreign, visitors('UTC', 3, 0).slice(0, 50));
    await drain(t, 120_000);
    viewer = await viewerKey(t, target.orgId);
    otherViewer = await viewerKey(t, foreign.orgId);
  }, SETUP_TIMEOUT_MS);
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

  it('recovers a known +30% conversion lift, and sales per visitor, from the hours that have both sales and footfall', async () => {
    const r = await get(`${base}&control_store_ids=promo_control`);
    expect(r.status).toBe(200);
    const { metrics, did } = r.body.result;
    const conv = metrics.conversion_rate;
    expect(conv).toMatchObject({ kind: 'ratio', method: 'bootstrap_days', resamples: 2000, significant: true });
    console.log(
      `conversion: true lift +${TRUE_CONVERSION_LIFT}% (${BASE_CONVERSION} → ${BASE_CONVERSION * (1 + TRUE_CONVERSION_LIFT / 100)}); measured ` +
        `${conv.baseline} → ${conv.promo}, ${conv.lift_pct.toFixed(1)}% [${conv.ci95_pct.map((x: number) => x.toFixed(1)).join(', ')}]; ` +
        `sales per visitor ${metrics.sales_per_visitor.lift_pct.toFixed(1)}% [${metrics.sales_per_visitor.ci95_pct.map((x: number) => x.toFixed(1)).join(', ')}]; ` +
        `DiD ${did.metrics.conversion_rate.lift_pct.toFixed(1)}% [${did.metrics.conversion_rate.ci95_pct.map((x: number) => x.toFixed(1)).join(', ')}]`,
    );
    expect(contains(conv.ci95_pct, TRUE_CONVERSION_LIFT)).toBe(true);
    // Were the mornings without sales counted as visitors who bought nothing, the baseline would be near 0.19.
    expect(conv.baseline).toBeGreaterThan(0.23);
    expect(conv.baseline).toBeLessThan(0.27);
    expect(conv.promo).toBeGreaterThan(0.29);
    expect(conv.promo).toBeLessThan(0.36);
    // The basket did not change: sales per visitor moves with conversion; so does the DiD against a control without a lift.
    expect(metrics.sales_per_visitor).toMatchObject({ kind: 'ratio', significant: true });
    expect(contains(metrics.sales_per_visitor.ci95_pct, TRUE_CONVERSION_LIFT)).toBe(true);
    expect(metrics.sales_per_visitor.baseline).toBeCloseTo(BASE_CONVERSION * 35, 0);
    expect(did.metrics.conversion_rate).toMatchObject({ method: 'bootstrap_days', significant: true });
    expect(contains(did.metrics.conversion_rate.ci95_pct, TRUE_CONVERSION_LIFT)).toBe(true);
    expect(contains(did.metrics.sales_per_visitor.ci95_pct, TRUE_CONVERSION_LIFT)).toBe(true);

    // A baseline from before the POS was connected: no sales to compare with, said as such.
    const early = await get(`${base}&baseline_start_date=2024-02-05&baseline_end_date=2024-02-11`);
    expect(early.status).toBe(200);
    expect(early.body.result.metrics.conversion_rate).toEqual({ available: false, reason: 'no sales beside complete footfall in the baseline period' });
    expect(early.body.result.metrics.sales_per_visitor).toMatchObject({ available: false });
    expect(early.body.result.metrics.footfall).toMatchObject({ kind: 'count' });
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
