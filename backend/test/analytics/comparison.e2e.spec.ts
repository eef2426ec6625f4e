// GET /api/analytics/comparison (issue #17): the stores of an organisation ranked on footfall, conversion and sales
// per visitor over a period, each against its own baseline — real PostgreSQL, Redis and BullMQ workers.
import type { StoreEvent } from '../../../shared/src/events.ts';
import { addDays, localDate, startOfLocalDay } from '../../src/common/store-clock.ts';
import { StoreDirectory } from '../../src/admin/store-directory.service.ts';
import { AnalyticsReports } from '../../src/analytics/analytics-reports.service.ts';
import type { TestApp } from '../test-app.ts';
import { closeAnalyticsApp, drain, HOUR, ingest, provisionCamera, sql, startAnalyticsApp, viewerKey, SETUP_TIMEOUT_MS } from './analytics-harness.ts';

const BASELINE_FIRST = '2024-04-08'; // four weeks before the period, same weekdays
const START = '2024-05-06';
const END = '2024-05-12';
const OPEN = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

/** Per open hour: visitors, transactions and average basket, in the baseline and in the period; null sales: no POS. */
interface Plan {
  storeId: string;
  timezone: string;
  baseline: { visitors: number; transactions: number | null; basket: number };
  period: { visitors: number; transactions: number | null; basket: number };
}
const PLANS: Plan[] = [
  // 400 → 500 visitors a day, conversion 0.2 → 0.3, sales per visitor 8 → 12
  { storeId: 'cmp_busy', timezone: 'UTC', baseline: { visitors: 40, transactions: 8, basket: 40 }, period: { visitors: 50, transactions: 15, basket: 40 } },
  // 100 a day, conversion 0.4, sales per visitor 10, throughout
  {
    storeId: 'cmp_quiet',
    timezone: 'Europe/Paris',
    baseline: { visitors: 10, transactions: 4, basket: 25 },
    period: { visitors: 10, transactions: 4, basket: 25 },
  },
  // 200 a day and no point of sale
  {
    storeId: 'cmp_nopos',
    timezone: 'America/New_York',
    baseline: { visitors: 20, transactions: null, basket: 0 },
    period: { visitors: 20, transactions: null, basket: 0 },
  },
];

function hoursOf(p: Plan): { hourStart: number; inPeriod: boolean }[] {
  const out = [];
  for (let d = BASELINE_FIRST; d <= END; d = addDays(d, 1)) {
    for (const h of OPEN) out.push({ hourStart: startOfLocalDay(d, p.timezone) + h * HOUR, inPeriod: d >= START });
  }
  return out;
}

function events(p: Plan): StoreEvent[] {
  return hoursOf(p).flatMap(({ hourStart, inPeriod }) =>
    Array.from({ length: (inPeriod ? p.period : p.baseline).visitors }, (_, i) => ({
      type: 'entrance' as const,
      event_id: `${p.storeId}-${hourStart}-${i}`,
      ts: new Date(hourStart + i * 60_000).toISOString(),
      direction: 'in' as const,
      person_key: `${p.storeId}-${hourStart}-${i}`,
    })),
  );
}

describe('GET /api/analytics/comparison (real PostgreSQL, Redis and BullMQ workers)', () => {
  let t: TestApp;
  let viewer: string;
  let otherViewer: string;
  let pos: string;
  const get = (q: string, token: string | null = viewer) => t.call('GET', `/api/analytics/comparison?${q}`, { token });
  const base = `start_date=${START}&end_date=${END}`;

  beforeAll(async () => {
    t = await startAnalyticsApp();
    let orgId: string | undefined;
    for (const p of PLANS) {
      const cam = await provisionCamera(t, { orgId, storeId: p.storeId, cameraId: 'cam_1', timezone: p.timezone });
      orgId = cam.orgId;
      await ingest(t, cam, events(p));
    }
    const foreign = await provisionCamera(t, { storeId: 'cmp_foreign', cameraId: 'cam_1', timezone: 'UTC' });
    await ingest(t, foreign, events({ ...PLANS[0], storeId: 'cmp_foreign' }).slice(0, 500));
    pos = (await t.admin('POST', '/api/admin/pos-keys', { org_id: orgId, name: 'tills' })).body.api_key;
    for (const p of PLANS) {
      if (p.period.transactions === null) continue;
      const rows = hoursOf(p).flatMap(({ hourStart, inPeriod }) => {
        const plan = inPeriod ? p.period : p.baseline;
        // cmp_quiet's tills never sent 2024-05-09 10:00: its visitors are left out of conversion, not counted as non-buyers.
        if (p.storeId === 'cmp_quiet' && new Date(hourStart).toISOString().startsWith('2024-05-09T08')) return [];
        return [{ hour: new Date(hourStart).toISOString(), transactions: plan.transactions!, sales_amount: plan.transactions! * plan.basket }];
      });
      // And sold at 21:00 one evening, when the camera saw nobody: left out, counted in left_out_hours.
      if (p.storeId === 'cmp_quiet')
        rows.push({ hour: new Date(startOfLocalDay('2024-05-08', p.timezone) + 21 * HOUR).toISOString(), transactions: 3, sales_amount: 60 });
      const r = await t.call('POST', '/api/sales', { token: pos, body: { store_id: p.storeId, currency: 'EUR', rows } });
      if (r.status !== 200) throw new Error(`sales: ${JSON.stringify(r.body)}`);
    }
    await drain(t, 120_000);
    viewer = await viewerKey(t, orgId!);
    otherViewer = await viewerKey(t, foreign.orgId);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it("ranks every store of the reader's organisation against its own baseline; a store without POS has no sales measures", async () => {
    const r = await get(base);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'comparison', status: 'ready' });
    const res = r.body.result;
    expect(res).toMatchObject({
      start_date: START,
      end_date: END,
      days: 7,
      baseline: { mode: 'same_weekdays', weeks: 4, start_date: BASELINE_FIRST, end_date: '2024-05-05' },
      method: { min_completeness: 0.9 },
    });
    expect(res.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['cmp_busy', 'cmp_nopos', 'cmp_quiet']);
    const [busy, nopos, quiet] = res.stores;
    expect(busy).toEqual({
      store_id: 'cmp_busy',
      name: 'Store cmp_busy',
      timezone: 'UTC',
      currency: 'EUR',
      days_with_data: 7,
      left_out_hours: 0,
      measures: {
        footfall: { period: 500, baseline: 400, change_pct: 25, rank: 1 },
        conversion_rate: { period: 0.3, baseline: 0.2, change_pct: 50, rank: 2 },
        sales_per_visitor: { period: 12, baseline: 8, change_pct: 50, rank: 1 },
      },
    });
    expect(nopos).toMatchObject({
      currency: null,
      days_with_data: 7,
      measures: {
        footfall: { period: 200, baseline: 200, change_pct: 0, rank: 2 },
        conversion_rate: { period: null, baseline: null, change_pct: null, rank: null },
        sales_per_visitor: { period: null, baseline: null, change_pct: null, rank: null },
      },
    });
    // The hour without sales is not a conversion of 0; the sale without footfall is left out and counted.
    expect(quiet).toMatchObject({
      timezone: 'Europe/Paris',
      left_out_hours: 1,
      measures: {
        footfall: { period: 100, baseline: 100, change_pct: 0, rank: 3 },
        conversion_rate: { period: 0.4, baseline: 0.4, change_pct: 0, rank: 1 },
        sales_per_visitor: { period: 10, baseline: 10, change_pct: 0, rank: 2 },
      },
    });
  });

  it('compares only the stores named, with an explicit baseline; the same query is served stored until sales change', async () => {
    const q = `${base}&store_ids=cmp_quiet,cmp_busy&baseline_start_date=2024-04-29&baseline_end_date=2024-05-05`;
    const r = await get(q);
    expect(r.status).toBe(200);
    expect(r.body.params.store_ids).toEqual(['cmp_busy', 'cmp_quiet']);
    expect(r.body.result.baseline).toEqual({ mode: 'range', start_date: '2024-04-29', end_date: '2024-05-05' });
    expect(r.body.result.stores.map((s: { store_id: string; measures: { footfall: { rank: number } } }) => [s.store_id, s.measures.footfall.rank])).toEqual([
      ['cmp_busy', 1],
      ['cmp_quiet', 2],
    ]);
    const again = await get(q);
    expect(again.body.report_id).toBe(r.body.report_id);

    // A late correction of one of the period's hours (15 → 65 transactions at 10:00 on the 6th) makes a new report.
    const fixed = await t.call('POST', '/api/sales', {
      token: pos,
      body: { store_id: 'cmp_busy', currency: 'EUR', rows: [{ hour: `${START}T10:00:00.000Z`, transactions: 65, sales_amount: 600 }] },
    });
    expect(fixed.body).toMatchObject({ corrected: 1 });
    const after = await get(q);
    expect(after.status).toBe(200);
    expect(after.body.report_id).not.toBe(r.body.report_id);
    const busy = after.body.result.stores[0];
    expect(busy.measures.conversion_rate.period).toBe(Math.round(((15 * 69 + 65) / 3500) * 1000) / 1000);
    expect(busy.measures.conversion_rate.rank).toBe(2);
  });

  it("another organisation's store is a 404 naming store_ids; its viewer sees only its own stores and not this report", async () => {
    const r = await get(`${base}&store_ids=cmp_busy,cmp_foreign`);
    expect(r).toMatchObject({ status: 404, body: { field: 'store_ids', message: 'store_ids: store cmp_foreign does not exist' } });
    expect((await get(`${base}&store_ids=cmp_nowhere`)).status).toBe(404);
    const own = await get(base, otherViewer);
    expect(own.status).toBe(200);
    expect(own.body.result.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['cmp_foreign']);
    const mine = await get(base);
    expect((await t.call('GET', `/api/analytics/reports/${mine.body.report_id}`, { token: otherViewer })).status).toBe(404);
    expect((await get(base, null)).status).toBe(401);
  });

  it("reads a report's stores in one statement: the same store views as one lookup each, and the same report", async () => {
    const directory = t.app.get(StoreDirectory);
    const asked = ['cmp_quiet', 'cmp_nowhere', 'cmp_busy', 'cmp_foreign', 'cmp_busy'];
    const one = async (orgId?: string) => {
      const views = await Promise.all([...new Set(asked)].map((id) => directory.findStore(id, orgId)));
      return views.filter((v) => v !== null).sort((a, b) => a.store_id.localeCompare(b.store_id));
    };
    expect((await directory.getStores(asked)).map((s) => s.store_id)).toEqual(['cmp_busy', 'cmp_foreign', 'cmp_quiet']);
    expect(await directory.getStores(asked)).toEqual(await one());
    // With an organisation, another organisation's store is left out like a missing one (the filter is in the query).
    const orgId = (await directory.getStore('cmp_busy')).org_id;
    expect(await directory.getStores(asked, orgId)).toEqual(await one(orgId));
    expect((await directory.getStores(asked, orgId)).map((s) => s.store_id)).toEqual(['cmp_busy', 'cmp_quiet']);
    expect(await directory.getStores([])).toEqual([]);

    // The comparison computed again with no store cached (as in a fresh worker): one batch read, the same result.
    const before = await get(base);
    expect(before.status).toBe(200);
    const ids: string[] = before.body.params.store_ids;
    for (const id of ids) directory.storeChanged(await directory.getStore(id)); // forgets ReadableStores' copies
    await sql(t, `UPDATE analytics_reports SET status = 'running' WHERE id = $1`, [before.body.report_id]);
    // Every store read of the directory while it computes, recorded (the report's stores are read nowhere else).
    const reads: unknown[][] = [];
    const { getStores, findStore } = directory;
    directory.getStores = (...a) => (reads.push(['getStores', ...a]), getStores.apply(directory, a));
    directory.findStore = (...a) => (reads.push(['findStore', ...a]), findStore.apply(directory, a));
    try {
      expect(await t.app.get(AnalyticsReports).compute(before.body.report_id)).toBe('computed');
    } finally {
      directory.getStores = getStores;
      directory.findStore = findStore;
    }
    expect(reads).toEqual([['getStores', ids, undefined]]);
    const again = await t.call('GET', `/api/analytics/reports/${before.body.report_id}`, { token: viewer });
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(before.body.result);
  });

  describe('refuses bad input with 400 naming the field', () => {
    const today = () => localDate(Date.now(), 'America/New_York');
    it.each([
      ['end before start', () => `start_date=${END}&end_date=${START}`, 'end_date', /^end_date: must not be before start_date/],
      ['a missing date', () => `start_date=${START}`, 'end_date', /^end_date: is required$/],
      ['a malformed date', () => `start_date=2024-5-6&end_date=${END}`, 'start_date', /^start_date: must be a calendar date as YYYY-MM-DD$/],
      ['a period over 92 days', () => `start_date=2024-01-01&end_date=${END}`, 'end_date', /^end_date: the period may span at most 92 days$/],
      [
        'a period not over yet',
        () => `start_date=${addDays(today(), -2)}&end_date=${today()}`,
        'end_date',
        /^end_date: must be a day that is over in every store/,
      ],
      ['a period in the future', () => `start_date=${addDays(today(), 2)}&end_date=${addDays(today(), 3)}`, 'start_date', /^start_date: is not in the past/],
      ['baseline weeks out of range', () => `${base}&baseline_weeks=13`, 'baseline_weeks', /^baseline_weeks: must be a whole number from 1 to 12$/],
      [
        'half a baseline period',
        () => `${base}&baseline_end_date=2024-05-01`,
        'baseline_start_date',
        /^baseline_start_date: is required with baseline_end_date$/,
      ],
      [
        'a baseline overlapping the period',
        () => `${base}&baseline_start_date=2024-04-01&baseline_end_date=2024-05-06`,
        'baseline_end_date',
        /^baseline_end_date: must be before the period \(start_date 2024-05-06\)$/,
      ],
      ['a store named twice', () => `${base}&store_ids=cmp_busy,cmp_busy`, 'store_ids', /^store_ids: must not repeat a store$/],
      ['an empty store list', () => `${base}&store_ids=,`, 'store_ids', /^store_ids: must name at least one store$/],
      ['a malformed store id', () => `${base}&store_ids=cmp_busy,../x`, 'store_ids[1]', /^store_ids\[1\]: /],
      ['an unknown parameter', () => `${base}&store_id=cmp_busy`, 'store_id', /^store_id: is not a known field$/],
    ])('%s', async (_what, q, field, message) => {
      const r = await get(q());
      expect({ status: r.status, field: r.body.field }).toEqual({ status: 400, field });
      expect(r.body.message).toMatch(message);
    });
  });
});
