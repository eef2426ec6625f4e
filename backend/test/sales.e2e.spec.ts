// Sales in (issue #17): POS keys, POST /api/sales (hours and receipts), CSV upload — on the real app, PostgreSQL and Redis.
import { DataSource } from 'typeorm';
import { postEvents } from './dashboard/dashboard-fixtures.ts';
import { localParts, startOfLocalHour } from '../src/common/store-clock.ts';
import { provisionCamera, startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './test-app.ts';

const HOUR = 3_600_000;
/** Whole UTC hours some days back, so they are over in every zone the tests use. */
const hour = (daysBack: number, h: number) => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - daysBack * 86_400_000 + h * HOUR).toISOString();
/** `n` visitors walking in during UTC hour `h` of the day `daysBack` days ago, a second apart. */
const entrances = (daysBack: number, h: number, n: number, prefix = 'p') =>
  Array.from({ length: n }, (_, k) => ({
    type: 'entrance',
    ts: new Date(Date.parse(hour(daysBack, h)) + k * 1000).toISOString(),
    direction: 'in',
    person_key: `${prefix}${h}_${k}`,
  }));

describe('sales in', () => {
  let t: TestApp;
  let orgA: string;
  let orgB: string;
  let posA: string;
  let posA1: string;
  let viewerA: string;
  let posB: string;
  beforeAll(async () => {
    t = await startTestApp();
    orgA = (await t.admin('POST', '/api/admin/orgs', { name: 'Sales A' })).body.id;
    orgB = (await t.admin('POST', '/api/admin/orgs', { name: 'Sales B' })).body.id;
    for (const [org, id] of [
      [orgA, 'store_sa_1'],
      [orgA, 'store_sa_2'],
      [orgA, 'store_sa_3'],
      [orgB, 'store_sb_1'],
    ]) {
      expect((await t.admin('POST', '/api/admin/stores', { org_id: org, store_id: id, name: id, timezone: 'UTC' })).status).toBe(201);
    }
    posA = (await t.admin('POST', '/api/admin/pos-keys', { org_id: orgA, name: 'tills' })).body.api_key;
    const storeKey = await t.admin('POST', '/api/admin/pos-keys', { org_id: orgA, store_id: 'store_sa_1' });
    expect(storeKey.status).toBe(201);
    expect(storeKey.body).toMatchObject({ store_id: 'store_sa_1', api_key: expect.stringMatching(/^wink_pos_/) });
    posA1 = storeKey.body.api_key;
    viewerA = (await t.admin('POST', '/api/admin/api-keys', { org_id: orgA, role: 'viewer' })).body.api_key;
    posB = (await t.admin('POST', '/api/admin/pos-keys', { org_id: orgB })).body.api_key;
  });
  afterAll(() => t.close());

  const sql = (text: string, params: unknown[] = []) => t.app.get(DataSource).query(text, params);
  const send = (token: string, body: unknown) => t.call('POST', '/api/sales', { token, body });
  const stored = async (storeId: string) =>
    (await sql(
      `SELECT hour_start, transactions, sales_amount::float8 AS sales_amount, units, source FROM sales_hours WHERE store_id = $1 ORDER BY hour_start`,
      [storeId],
    )) as { hour_start: Date; transactions: number; sales_amount: number; units: number | null; source: string }[];
  const csv = (storeId: string, text: string, currency = 'GBP', token = TEST_ADMIN_TOKEN) =>
    fetch(`${t.baseUrl}/api/admin/stores/${storeId}/sales.csv?currency=${currency}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', connection: 'close' },
      body: text,
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it('stores hours once: a re-sent hour changes nothing, a changed hour replaces the old one and is logged', async () => {
    const rows = [
      { hour: hour(3, 10), transactions: 12, sales_amount: 340.5, units: 20 },
      { hour: hour(3, 11), transactions: 8, sales_amount: 99.99 },
    ];
    const first = await send(posA, { store_id: 'store_sa_1', currency: 'GBP', rows });
    expect(first).toMatchObject({ status: 200, body: { hours: 2, inserted: 2, corrected: 0, unchanged: 0 } });
    const again = await send(posA, { store_id: 'store_sa_1', currency: 'GBP', rows });
    expect(again.body).toMatchObject({ hours: 2, inserted: 0, corrected: 0, unchanged: 2 });
    const versionBefore = (await sql(`SELECT max(version)::int AS v FROM sales_hours WHERE store_id = 'store_sa_1'`))[0].v;

    const fixed = await send(posA1, { store_id: 'store_sa_1', currency: 'GBP', rows: [{ ...rows[1], transactions: 9, sales_amount: 120 }] });
    expect(fixed.body).toMatchObject({ inserted: 0, corrected: 1, unchanged: 0 });
    expect(await stored('store_sa_1')).toMatchObject([
      { transactions: 12, sales_amount: 340.5, units: 20, source: 'api' },
      { transactions: 9, sales_amount: 120, units: null },
    ]);
    const log = await sql(`SELECT * FROM sales_corrections WHERE store_id = 'store_sa_1'`);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ old_transactions: 8, old_sales_amount: '99.99', new_transactions: 9, new_sales_amount: '120', source: 'api' });
    // The corrected hour has a newer version: reports over it are recomputed.
    const versionAfter = (await sql(`SELECT max(version)::int AS v FROM sales_hours WHERE store_id = 'store_sa_1'`))[0].v;
    expect(versionAfter).toBeGreaterThan(versionBefore);
  });

  it('rolls receipts into their hour: a re-sent receipt is stored once, a corrected one moves its totals', async () => {
    const receipts = [
      { receipt_id: 'r-1', ts: new Date(Date.parse(hour(2, 9)) + 5 * 60_000).toISOString(), amount: 10, units: 1 },
      { receipt_id: 'r-2', ts: new Date(Date.parse(hour(2, 9)) + 50 * 60_000).toISOString(), amount: 15.25, units: 2 },
      { receipt_id: 'r-3', ts: new Date(Date.parse(hour(2, 10)) + 1 * 60_000).toISOString(), amount: 7 },
    ];
    expect((await send(posA, { store_id: 'store_sa_2', currency: 'EUR', receipts })).body).toMatchObject({ hours: 2, inserted: 2 });
    expect((await send(posA, { store_id: 'store_sa_2', currency: 'EUR', receipts: receipts.slice(0, 2) })).body).toMatchObject({ unchanged: 1, corrected: 0 });
    // r-2 was really in the 10:00 hour, for 16.
    const moved = { ...receipts[1], ts: new Date(Date.parse(hour(2, 10)) + 2 * 60_000).toISOString(), amount: 16 };
    expect((await send(posA, { store_id: 'store_sa_2', currency: 'EUR', receipts: [moved] })).body).toMatchObject({ hours: 2, corrected: 2 });
    expect(await stored('store_sa_2')).toMatchObject([
      { hour_start: new Date(hour(2, 9)), transactions: 1, sales_amount: 10, units: 1 },
      { hour_start: new Date(hour(2, 10)), transactions: 2, sales_amount: 23, units: 2 },
    ]);
    expect((await sql(`SELECT count(*)::int AS n FROM sales_receipts WHERE store_id = 'store_sa_2'`))[0].n).toBe(3);
  });

  it('refuses a bad row with 400 naming the row and field, and stores nothing of the request', async () => {
    const rows = [0, 1, 2, 3].map((i) => ({ hour: hour(5, 10 + i), transactions: 1, sales_amount: i === 3 ? -1 : 10 }));
    const bad = await send(posA, { store_id: 'store_sa_1', currency: 'GBP', rows });
    expect(bad).toMatchObject({ status: 400, body: { field: 'rows[3].sales_amount', message: 'rows[3].sales_amount: must be a number ≥ 0' } });
    const cases: [unknown, string][] = [
      [{ store_id: 'store_sa_1', currency: 'GBP', rows: [{ hour: hour(5, 10), transactions: 1.5, sales_amount: 1 }] }, 'rows[0].transactions'],
      [{ store_id: 'store_sa_1', currency: 'GBP', rows: [{ hour: hour(5, 10), transactions: 1 }] }, 'rows[0].sales_amount'],
      [{ store_id: 'store_sa_1', currency: 'gbp', rows: [{ hour: hour(5, 10), transactions: 1, sales_amount: 1 }] }, 'currency'],
      [{ store_id: 'store_sa_1', currency: 'GBP', rows: [{ hour: hour(5, 10), transactions: 1, sales_amount: 1, tax: 3 }] }, 'rows[0].tax'],
      [
        {
          store_id: 'store_sa_1',
          currency: 'GBP',
          rows: [
            { hour: hour(5, 10), transactions: 1, sales_amount: 1 },
            { hour: hour(5, 10), transactions: 2, sales_amount: 1 },
          ],
        },
        'rows[1].hour',
      ],
      [
        {
          store_id: 'store_sa_1',
          currency: 'GBP',
          rows: [{ hour: new Date(Date.parse(hour(5, 10)) + 60_000).toISOString(), transactions: 1, sales_amount: 1 }],
        },
        'rows[0].hour',
      ],
      [
        { store_id: 'store_sa_1', currency: 'GBP', rows: [{ hour: new Date(Date.now() + 2 * HOUR).toISOString(), transactions: 1, sales_amount: 1 }] },
        'rows[0].hour',
      ],
      [{ store_id: 'store_sa_1', currency: 'USD', rows: [{ hour: hour(5, 10), transactions: 1, sales_amount: 1 }] }, 'currency'],
      [{ store_id: 'store_sa_1', currency: 'GBP' }, 'rows'],
      [
        { store_id: 'store_sa_2', currency: 'EUR', receipts: [{ receipt_id: 'x', ts: new Date(Date.now() + 3 * HOUR).toISOString(), amount: 1 }] },
        'receipts[0].ts',
      ],
      // Text PostgreSQL would refuse (NUL) or mangle (a lone surrogate) is refused at the border, naming the field.
      [{ store_id: 'store_sa_2', currency: 'EUR', receipts: [{ receipt_id: 'r\u0000x', ts: hour(5, 10), amount: 1 }] }, 'receipts[0].receipt_id'],
      [{ store_id: 'store_sa_2', currency: 'EUR', receipts: [{ receipt_id: 'r\ud800', ts: hour(5, 10), amount: 1 }] }, 'receipts[0].receipt_id'],
    ];
    for (const [body, field] of cases) {
      const r = await send(posA, body);
      expect({ field, status: r.status, got: r.body.field }).toEqual({ field, status: 400, got: field });
      expect(r.body.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
    }
    expect(
      (await stored('store_sa_1')).filter((r) => r.hour_start.getTime() >= Date.parse(hour(5, 0)) && r.hour_start.getTime() < Date.parse(hour(4, 0))),
    ).toEqual([]);
  });

  it('key scopes: a POS key cannot read, a viewer key cannot write sales, another organisation or store is a 404', async () => {
    const one = [{ hour: hour(4, 10), transactions: 1, sales_amount: 1 }];
    for (const path of [
      '/api/dashboard/live?store_id=store_sa_1',
      '/api/dashboard/history?store_id=store_sa_1&from=2024-01-01&to=2024-01-02&granularity=hour',
      '/api/analytics/spikes?store_id=store_sa_1',
      '/api/analytics/comparison?start_date=2024-01-01&end_date=2024-01-07',
    ]) {
      expect({ path, status: (await t.call('GET', path, { token: posA })).status }).toEqual({ path, status: 403 });
    }
    const viewerWrite = await send(viewerA, { store_id: 'store_sa_1', currency: 'GBP', rows: one });
    expect(viewerWrite).toMatchObject({ status: 403, body: { field: 'authorization' } });
    const otherOrg = await send(posB, { store_id: 'store_sa_1', currency: 'GBP', rows: one });
    const missing = await send(posB, { store_id: 'store_nowhere', currency: 'GBP', rows: one });
    expect(otherOrg).toMatchObject({ status: 404, body: { message: 'store_id: store store_sa_1 does not exist' } });
    expect(missing.status).toBe(404);
    // A store key writes only its store.
    expect((await send(posA1, { store_id: 'store_sa_2', currency: 'EUR', rows: one })).status).toBe(404);
    expect((await send('wink_pos_' + 'x'.repeat(43), { store_id: 'store_sa_1', currency: 'GBP', rows: one })).status).toBe(401);
    expect((await t.call('POST', '/api/sales', { body: { store_id: 'store_sa_1' } })).status).toBe(401);

    // Revoked at once; listed without secrets.
    const temp = await t.admin('POST', '/api/admin/pos-keys', { org_id: orgB, store_id: 'store_sb_1' });
    expect((await send(temp.body.api_key, { store_id: 'store_sb_1', currency: 'GBP', rows: one })).status).toBe(200);
    expect((await t.admin('DELETE', `/api/admin/pos-keys/${temp.body.id}`)).status).toBe(200);
    expect((await send(temp.body.api_key, { store_id: 'store_sb_1', currency: 'GBP', rows: one })).status).toBe(401);
    const listed = await t.admin('GET', `/api/admin/pos-keys?org_id=${orgB}`);
    expect(listed.body.pos_keys.find((k: { id: string }) => k.id === temp.body.id)).toMatchObject({ revoked_at: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(temp.body.api_key);
    // A key for a store of another organisation is refused at issue.
    expect((await t.admin('POST', '/api/admin/pos-keys', { org_id: orgA, store_id: 'store_sb_1' })).status).toBe(400);
  });

  it('CSV upload: stores a file for several stores of the organisation, idempotently; a bad file stores nothing', async () => {
    const text = [
      'hour,transactions,sales_amount,units,store_id',
      `${hour(6, 9)},5,50,7,`,
      `${hour(6, 10)},6,60,,store_sa_1`,
      `${hour(6, 9)},3,30.5,,store_sa_3`,
    ].join('\n');
    // store_sa_2 reports in EUR (receipts above): its row in a GBP file refuses the whole file, and nothing of it is stored.
    const mixed = await csv('store_sa_1', `${text}\n${hour(6, 9)},1,1,,store_sa_2`);
    expect(mixed).toMatchObject({ status: 400, body: { field: 'currency' } });
    expect((await stored('store_sa_1')).filter((r) => r.hour_start.getTime() === Date.parse(hour(6, 9)))).toEqual([]);
    expect(await stored('store_sa_3')).toEqual([]);

    const up = await csv('store_sa_1', text);
    expect(up).toMatchObject({ status: 200, body: { stores: ['store_sa_1', 'store_sa_3'], hours: 3, inserted: 3, corrected: 0, unchanged: 0 } });
    expect(await stored('store_sa_3')).toMatchObject([{ transactions: 3, sales_amount: 30.5, units: null, source: 'csv' }]);

    const good = ['hour,transactions,sales_amount,units', `${hour(6, 9)},5,50,7`, `${hour(6, 10)},6,60,`].join('\n');
    expect((await csv('store_sa_1', good)).body).toMatchObject({ inserted: 0, corrected: 0, unchanged: 2 });
    const fixedCsv = good.replace(',6,60,', ',7,75,');
    expect(fixedCsv).not.toBe(good);
    expect((await csv('store_sa_1', fixedCsv)).body).toMatchObject({ corrected: 1, unchanged: 1 });
    expect((await sql(`SELECT source FROM sales_corrections WHERE store_id = 'store_sa_1' ORDER BY id DESC LIMIT 1`))[0].source).toBe('csv');

    const bad = ['hour,transactions,sales_amount', `${hour(7, 9)},5,50`, `${hour(7, 10)},x,60`].join('\n');
    const refused = await csv('store_sa_1', bad);
    expect(refused).toMatchObject({
      status: 400,
      body: { field: 'rows[1].transactions', message: 'rows[1].transactions: (line 3) must be a whole number ≥ 0' },
    });
    const foreign = ['hour,transactions,sales_amount,store_id', `${hour(7, 9)},5,50,store_sb_1`].join('\n');
    expect(await csv('store_sa_1', foreign)).toMatchObject({ status: 404, body: { field: 'rows[0].store_id' } });
    expect(
      (await stored('store_sa_1')).filter((r) => r.hour_start.getTime() >= Date.parse(hour(7, 0)) && r.hour_start.getTime() < Date.parse(hour(6, 0))),
    ).toEqual([]);
    expect((await csv('store_nowhere', good)).status).toBe(404);
    // JSON is not CSV; a viewer key is not the admin token.
    expect((await t.admin('POST', '/api/admin/stores/store_sa_1/sales.csv?currency=GBP', { a: 1 })).body).toMatchObject({ field: 'body' });
    expect((await csv('store_sa_1', good, 'GBP', viewerA)).status).toBe(401);
    expect((await csv('store_sa_1', good, 'pounds')).body).toMatchObject({ field: 'currency' });
  });

  it('history gives conversion, ATV and sales per visitor per hour, leaving out and marking hours missing a side', async () => {
    const cam = await provisionCamera(t, { orgId: orgA, storeId: 'store_sa_conv', cameraId: 'cam_1', timezone: 'UTC' });
    const visitors = (h: number, n: number) => entrances(8, h, n);
    // 10:00 20 visitors, 11:00 10 visitors (no sales sent), 12:00 no footfall but 3 transactions.
    await postEvents(t, cam, [...visitors(10, 20), ...visitors(11, 10)]);
    const rows = [
      { hour: hour(8, 10), transactions: 5, sales_amount: 125 },
      { hour: hour(8, 12), transactions: 3, sales_amount: 30 },
    ];
    expect((await send(posA, { store_id: 'store_sa_conv', currency: 'GBP', rows })).status).toBe(200);
    const from = hour(8, 10);
    const to = hour(8, 13);
    const h = await t.call('GET', `/api/dashboard/history?store_id=store_sa_conv&from=${from}&to=${to}&granularity=hour`, { token: viewerA });
    expect(h.status).toBe(200);
    expect(h.body.buckets.map((b: { footfall: number; sales: unknown }) => [b.footfall, b.sales])).toEqual([
      [20, { transactions: 5, sales_amount: 125, currency: 'GBP', conversion_rate: 0.25, atv: 25, sales_per_visitor: 6.25, left_out: null }],
      [10, { transactions: null, sales_amount: null, currency: null, conversion_rate: null, atv: null, sales_per_visitor: null, left_out: 'no_sales' }],
      [0, { transactions: 3, sales_amount: 30, currency: 'GBP', conversion_rate: null, atv: 10, sales_per_visitor: null, left_out: 'no_footfall' }],
    ]);
  });

  it('a receipt-only till: its quiet hour is left out until sent as a zero hour; a late receipt then replaces the zero', async () => {
    const cam = await provisionCamera(t, { orgId: orgA, storeId: 'store_sa_zero', cameraId: 'cam_1', timezone: 'UTC' });
    const visitors = (h: number, n: number) => entrances(9, h, n, 'z');
    await postEvents(t, cam, [...visitors(10, 10), ...visitors(11, 10)]);
    const receipt = (id: string, h: number, min: number) => ({ receipt_id: id, ts: new Date(Date.parse(hour(9, h)) + min * 60_000).toISOString(), amount: 20 });
    expect((await send(posA, { store_id: 'store_sa_zero', currency: 'GBP', receipts: [receipt('z-1', 10, 5), receipt('z-2', 10, 40)] })).status).toBe(200);
    const day = async () => {
      const from = hour(9, 0);
      const r = await t.call('GET', `/api/dashboard/history?store_id=store_sa_zero&from=${from}&to=${hour(8, 0)}&granularity=hour`, { token: viewerA });
      const hours = r.body.buckets.filter((b: { footfall: number }) => b.footfall > 0);
      return hours.map((b: { sales: { transactions: number | null; conversion_rate: number | null; left_out: string | null } }) => [
        b.sales.transactions,
        b.sales.conversion_rate,
        b.sales.left_out,
      ]);
    };
    // Receipts only: the 11:00 hour, where nobody bought, is "no sales sent" — conversion is of 10:00 alone.
    expect(await day()).toEqual([
      [2, 0.2, null],
      [null, null, 'no_sales'],
    ]);
    // The till closes the hour with a zero: its 10 visitors now count as non-buyers.
    const zero = await send(posA, { store_id: 'store_sa_zero', currency: 'GBP', rows: [{ hour: hour(9, 11), transactions: 0, sales_amount: 0 }] });
    expect(zero.body).toMatchObject({ hours: 1, inserted: 1 });
    expect(await day()).toEqual([
      [2, 0.2, null],
      [0, 0, null],
    ]);
    // A receipt of that hour arriving late: the hour is its receipts again, the zero kept as a correction.
    expect((await send(posA, { store_id: 'store_sa_zero', currency: 'GBP', receipts: [receipt('z-3', 11, 30)] })).body).toMatchObject({ corrected: 1 });
    expect(await day()).toEqual([
      [2, 0.2, null],
      [1, 0.1, null],
    ]);
    expect(await sql(`SELECT old_transactions, new_transactions FROM sales_corrections WHERE store_id = 'store_sa_zero'`)).toEqual([
      { old_transactions: 0, new_transactions: 1 },
    ]);
  });

  it('live view: today so far, conversion over the hours with both sales and footfall; null without sales today', async () => {
    // A zone where it is about noon now, so this morning's hours are over whatever the time of the run.
    const offset = 12 - new Date().getUTCHours();
    const tz = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const cam = await provisionCamera(t, { orgId: orgA, storeId: 'store_sa_live', cameraId: 'cam_1', timezone: tz });
    const noon = startOfLocalHour(Date.now(), tz) - (localParts(Date.now(), tz).hour - 12) * HOUR;
    const at = (h: number) => noon + (h - 12) * HOUR;
    const visitors = (h: number, n: number) =>
      Array.from({ length: n }, (_, k) => ({ type: 'entrance', ts: new Date(at(h) + k * 1000).toISOString(), direction: 'in', person_key: `l${h}_${k}` }));
    const live = () => t.call('GET', '/api/dashboard/live?store_id=store_sa_live', { token: viewerA });
    await postEvents(t, cam, [...visitors(10, 20), ...visitors(11, 10)]);
    expect((await live()).body).toMatchObject({ footfall: 30, sales: null });
    // 10:00 pairs 20 visitors with 5 sales; 11:00 has no sales yet; 09:00 sold before any footfall; yesterday is not today.
    const rows = [
      { hour: new Date(at(9)).toISOString(), transactions: 2, sales_amount: 30 },
      { hour: new Date(at(10)).toISOString(), transactions: 5, sales_amount: 125 },
      { hour: new Date(at(10) - 24 * HOUR).toISOString(), transactions: 100, sales_amount: 1000 },
    ];
    expect((await send(posA, { store_id: 'store_sa_live', currency: 'GBP', rows })).status).toBe(200);
    const r = await live();
    expect(r.status).toBe(200);
    expect(r.body.footfall).toBe(30);
    expect(r.body.sales).toEqual({
      transactions: 7,
      sales_amount: 155,
      currency: 'GBP',
      conversion_rate: 0.25,
      atv: 22.14,
      sales_per_visitor: 6.25,
      left_out: null,
    });
    // Late sales for 11:00 re-roll today's conversion at the next read.
    await send(posA, { store_id: 'store_sa_live', currency: 'GBP', rows: [{ hour: new Date(at(11)).toISOString(), transactions: 4, sales_amount: 45 }] });
    expect((await live()).body.sales).toMatchObject({ transactions: 11, conversion_rate: 0.3, sales_per_visitor: 5.67 });
    // Another organisation's viewer does not see the store at all.
    const viewerB = (await t.admin('POST', '/api/admin/api-keys', { org_id: orgB, role: 'viewer' })).body.api_key;
    expect((await t.call('GET', '/api/dashboard/live?store_id=store_sa_live', { token: viewerB })).status).toBe(404);
  });
});
