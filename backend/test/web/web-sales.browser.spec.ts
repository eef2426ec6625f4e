/**
 * Sales beside footfall on the web dashboard (issue #17), in a real browser against the real backend: the web
 * fixture's stores and traffic, plus six weeks of hourly sales for store A sent through POST /api/sales with a POS
 * key (store B has no POS). History by day and hour with conversion, ATV and sales per visitor (chart, table, CSV)
 * and the hours left out marked; today's sales on the live page; the promotion report's sales metrics; the sales CSV
 * upload with the admin token (a good file and a refused one); the store comparison. Screenshots in test-output/web/.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ComparisonStore } from '../../../shared/src/read-contract.ts';
import { rankedBy } from '../../../web/src/comparison.ts';
import { fmtCount, fmtMoney, fmtPct, fmtPctInterval, fmtRate } from '../../../web/src/format.ts';
import { rangeSalesMeasures } from '../../../web/src/sales.ts';
import { TEST_ADMIN_TOKEN } from '../test-app.ts';
import {
  apiRead,
  CHROMIUM,
  DESKTOP,
  describeInBrowser,
  exportCsv,
  LAUNCH_ARGS,
  readyReport,
  shot,
  TABLET,
  tableValues,
  watchContext,
} from './browser-harness.ts';
import { addDays, HISTORY_DAYS, localInstant, STORE_A, STORE_B, startWebFixture, type WebFixture } from './web-fixture.ts';

declare const document: any;

const step = (name: string, fn: () => Promise<void>) => it(name, fn, 120_000);
const CURRENCY = 'USD';
/** Store A's open hours in the fixture's traffic (09:00–20:00 local). */
const OPEN_HOURS = Array.from({ length: 12 }, (_, i) => 9 + i);
/** A store-local hour's transactions and sales, deterministic; the promotion week sells more. */
const txOf = (date: string, hour: number, promo: boolean) => 1 + ((hour + Number(date.slice(8))) % 3) + (promo ? 1 : 0);
const amountOf = (tx: number, hour: number) => Math.round(tx * (18.5 + hour) * 100) / 100;

describeInBrowser('sales beside footfall on the web dashboard (Chromium, real backend)', () => {
  let f: WebFixture;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let origin: string;
  let yesterday: string;
  const requests: string[] = [];
  const problems: string[] = [];
  const hourIso = (date: string, hour: number) => new Date(localInstant(date, hour, STORE_A.timezone)).toISOString();

  const api = (path: string) => apiRead(f.t, f.viewer, path);
  const report = (path: string) => readyReport(f.t, f.viewer, path);
  const history = (from: string, g: 'day' | 'hour') =>
    api(`/api/dashboard/history?store_id=${STORE_A.storeId}&from=${from}&to=${addDays(f.today, 1)}&granularity=${g}`);
  const watch = (c: BrowserContext) => watchContext(c, requests, problems);
  const signIn = async (p: Page, key: string, store = STORE_A.storeId) => {
    await p.goto(`${origin}/`);
    await p.fill('#viewer-key', key);
    await p.press('#viewer-key', 'Enter');
    await p.waitForSelector('#store-picker');
    await p.selectOption('#store-picker', store);
  };
  /** The page's sales cells of the history table: bucket, then transactions … left out (beside footfall). */
  const salesCells = async (p: Page) => (await tableValues(p, 'history-footfall')).map((r) => [r[0], ...r.slice(2, 8)]);
  const apiSalesCells = (v: any) =>
    v.buckets.map((b: any) => [
      b.bucket,
      ...(['transactions', 'sales_amount', 'conversion_rate', 'atv', 'sales_per_visitor', 'left_out'] as const).map((k) =>
        b.sales?.[k] === null || b.sales?.[k] === undefined ? '' : String(b.sales[k]),
      ),
    ]);

  beforeAll(async () => {
    f = await startWebFixture();
    origin = f.t.baseUrl;
    yesterday = addDays(f.today, -1);
    // Store A's till: a POS key for the organisation, six weeks of hourly rows. Yesterday 15:00 never arrives (footfall
    // without sales), yesterday 07:00 sold before the door camera counted anyone (sales without footfall), and the
    // fixture's outage hours have sales beside under-counted footfall.
    const pos = await f.t.admin('POST', '/api/admin/pos-keys', { org_id: f.a.orgId, name: 'web sales test' });
    if (pos.status !== 201) throw new Error(`pos key: ${JSON.stringify(pos.body)}`);
    const rows: { hour: string; transactions: number; sales_amount: number }[] = [];
    for (let i = HISTORY_DAYS; i >= 1; i--) {
      const date = addDays(f.today, -i);
      const promo = date >= f.promo.start && date <= f.promo.end;
      for (const hour of OPEN_HOURS) {
        if (date === yesterday && hour === 15) continue;
        const tx = txOf(date, hour, promo);
        rows.push({ hour: hourIso(date, hour), transactions: tx, sales_amount: amountOf(tx, hour) });
      }
    }
    rows.push({ hour: hourIso(yesterday, 7), transactions: 2, sales_amount: 31.5 });
    const sent = await f.t.call('POST', '/api/sales', { token: pos.body.api_key, body: { store_id: STORE_A.storeId, currency: CURRENCY, rows } });
    if (sent.status !== 200) throw new Error(`sales: ${sent.status} ${JSON.stringify(sent.body)}`);
    // Today so far: receipts, as a till sends them.
    const now = Date.now();
    const receipts = [90, 60, 30].map((s, i) => ({ receipt_id: `web-today-${i}`, ts: new Date(now - s * 1000).toISOString(), amount: 12.5 + i }));
    const today = await f.t.call('POST', '/api/sales', { token: pos.body.api_key, body: { store_id: STORE_A.storeId, currency: CURRENCY, receipts } });
    if (today.status !== 200) throw new Error(`receipts: ${today.status} ${JSON.stringify(today.body)}`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    ctx = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true, locale: 'en-US', timezoneId: 'Asia/Tokyo' });
    watch(ctx);
    page = await ctx.newPage();
    await signIn(page, f.viewer);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  step("shows today's sales so far on the live page, and no sales tiles for a store without sales", async () => {
    await page.waitForSelector('[data-sales=shown]');
    const live = await api(`/api/dashboard/live?store_id=${STORE_A.storeId}`);
    expect(live.sales).toMatchObject({ transactions: 3, sales_amount: 40.5, currency: CURRENCY });
    const metric = (m: string) => page.getAttribute(`[data-metric=${m}]`, 'data-value');
    expect(await metric('transactions')).toBe(String(live.sales.transactions));
    expect(await metric('sales-amount')).toBe(String(live.sales.sales_amount));
    expect(await metric('conversion')).toBe(live.sales.conversion_rate === null ? '' : String(live.sales.conversion_rate));
    expect(await metric('atv')).toBe(String(live.sales.atv));
    expect(await page.textContent('[data-metric=sales-amount]')).toBe(fmtMoney(40.5, CURRENCY));
    expect(await page.textContent('[data-metric=atv]')).toBe(fmtMoney(13.5, CURRENCY));
    expect(await page.textContent('[data-metric=conversion]')).toBe(fmtRate(live.sales.conversion_rate));
    await shot(page, 'live-sales');
    // Store B sent no sales: its live page has no sales tiles at all.
    expect((await api(`/api/dashboard/live?store_id=${STORE_B.storeId}`)).sales).toBeNull();
    await page.selectOption('#store-picker', STORE_B.storeId);
    // A new view replaces the old one at once; its cards get their data-value when its first answer is in.
    await page.waitForFunction((tz) => document.querySelector('[data-metric=date] + .card-note')?.textContent === tz, STORE_B.timezone);
    expect(await page.isVisible('[data-sales]')).toBe(false);
    await page.selectOption('#store-picker', STORE_A.storeId);
  });

  step('shows conversion, ATV and sales per visitor beside footfall in History, by day and by hour, left-out hours marked and explained', async () => {
    await page.click('nav a[data-view=history]');
    await page.waitForSelector('[data-legend=sales]');
    const from = addDays(f.today, -6);
    const byDay = await history(from, 'day');
    expect(byDay.buckets.every((b: any) => b.sales !== null)).toBe(true);
    expect(await page.textContent('table[data-table="history-footfall"] caption')).toBe('Footfall and sales by day');
    expect(await salesCells(page)).toEqual(apiSalesCells(byDay));
    // The outage day is under-counted: left out of conversion, and the page says so.
    expect(byDay.buckets.find((b: any) => b.bucket === f.outage.date).sales.left_out).toBe('incomplete');
    expect(await page.textContent(`table[data-table="history-footfall"] tr:has(th[data-value="${f.outage.date}"]) td[data-col="sales_left_out"]`)).toBe(
      'Incomplete',
    );
    expect(await page.getAttribute('[data-chart=footfall]', 'aria-label')).toContain('Footfall and conversion by day');
    expect(await page.$$eval('.view-history .chart-plot canvas', (cs) => cs.length)).toBeGreaterThanOrEqual(4);
    const range = rangeSalesMeasures(byDay.buckets)!;
    expect(await page.textContent('[data-summary=sales]')).toContain(`conversion ${fmtRate(range.conversion_rate)}`);
    expect(await page.textContent('[data-summary=sales]')).toContain(`${fmtCount(range.transactions)} transactions, ${fmtMoney(range.sales_amount, CURRENCY)}`);
    // A viewer key is never offered the upload (admin only).
    expect(await page.$('[data-section=sales-upload]')).toBeNull();
    await shot(page, 'history-sales-day');

    await page.check('#granularity-hour');
    await page.click('.view-history form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('.view-history figcaption')?.textContent?.startsWith('Footfall and conversion by hour'));
    const byHour = await history(from, 'hour');
    expect(await salesCells(page)).toEqual(apiSalesCells(byHour));
    const reason = (label: string) => byHour.buckets.find((b: any) => b.bucket === label)?.sales?.left_out;
    expect(reason(`${yesterday}T15:00`)).toBe('no_sales');
    expect(reason(`${yesterday}T07:00`)).toBe('no_footfall');
    expect(reason(`${f.outage.date}T11:00`)).toBe('incomplete');
    const cell = (label: string) => page.textContent(`table[data-table="history-footfall"] tr:has(th[data-value="${label}"]) td[data-col="sales_left_out"]`);
    expect(await cell(`${yesterday}T15:00`)).toBe('No sales');
    expect(await cell(`${yesterday}T07:00`)).toBe('No footfall');
    expect(await cell(`${f.outage.date}T12:00`)).toBe('Incomplete');
    const leftOut = byHour.buckets.filter((b: any) => b.sales?.left_out);
    expect(await page.getAttribute('[data-legend=sales]', 'data-left-out')).toBe(String(leftOut.length));
    const legend = await page.textContent('[data-legend=sales]');
    expect(legend).toContain(`${leftOut.length} hours left out of conversion`);
    expect(legend).toContain(`no sales received for it (footfall without a sales row): `);
    expect(legend).toContain(`${yesterday} 15:00`);
    expect(legend).toContain(`transactions but no footfall counted: ${yesterday} 07:00`);
    expect(legend).toContain(
      `footfall under-counted (its cameras analysed too little): ${f.outage.date} 11:00, ${f.outage.date} 12:00, ${f.outage.date} 13:00`,
    );
    expect(await page.getAttribute('[data-chart=footfall]', 'aria-label')).toContain('Conversion left out (grey marks)');

    // The history CSV carries the sales columns, raw (conversion 0–1, amounts in the store's currency).
    const csv = await exportCsv(page, 'history-footfall', 'history-sales-by-hour.csv');
    expect(csv.rows[0].slice(0, 10)).toEqual([
      'local_hour',
      'footfall',
      'transactions',
      'sales_amount',
      'currency',
      'conversion_rate',
      'atv',
      'sales_per_visitor',
      'sales_left_out',
      'completeness',
    ]);
    expect(csv.rows.slice(1).map((r) => [r[0], ...r.slice(2, 9)])).toEqual(
      byHour.buckets.map((b: any) => [
        b.bucket,
        ...(['transactions', 'sales_amount', 'currency', 'conversion_rate', 'atv', 'sales_per_visitor', 'left_out'] as const).map((k) =>
          b.sales[k] === null ? '' : String(b.sales[k]),
        ),
      ]),
    );
    await shot(page, 'history-sales-hour');
  });

  step('uploads a sales CSV with the admin token: stored, duplicates and corrections shown; a refused file names its row and field', async () => {
    const admin = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    watch(admin);
    const p = await admin.newPage();
    await signIn(p, TEST_ADMIN_TOKEN);
    await p.click('nav a[data-view=history]');
    await p.waitForSelector('[data-section=sales-upload]');
    await p.waitForSelector('[data-legend=sales]');
    // The store's currency, known from its history, is filled in.
    expect(await p.inputValue('[data-section=sales-upload] input[name=currency]')).toBe(CURRENCY);
    const tx10 = txOf(yesterday, 10, false);
    const tx11 = txOf(yesterday, 11, false);
    const good = [
      'hour,transactions,sales_amount',
      `${hourIso(yesterday, 15)},4,88.00`, // the missing hour: stored
      `${hourIso(yesterday, 10)},${tx10},${amountOf(tx10, 10)}`, // as sent: a duplicate
      `${hourIso(yesterday, 11)},${tx11 + 5},${amountOf(tx11 + 5, 11)}`, // changed: a correction
    ].join('\n');
    await p.setInputFiles('[data-section=sales-upload] input[name=file]', { name: 'till-export.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await p.click('[data-section=sales-upload] button[type=submit]');
    const ok = p.locator('[data-section=sales-upload] .upload-ok');
    await ok.waitFor();
    expect(await ok.getAttribute('data-inserted')).toBe('1');
    expect(await ok.getAttribute('data-unchanged')).toBe('1');
    expect(await ok.getAttribute('data-corrected')).toBe('1');
    expect(await ok.textContent()).toBe(
      'till-export.csv: 3 hours received — 1 stored, 1 duplicate (already there, unchanged), 1 correction (changed hours; old numbers kept).',
    );
    const byHour = await api(`/api/dashboard/history?store_id=${STORE_A.storeId}&from=${yesterday}&to=${f.today}&granularity=hour`);
    const at = (hour: number) => byHour.buckets.find((b: any) => b.bucket === `${yesterday}T${String(hour).padStart(2, '0')}:00`).sales;
    expect(at(15)).toMatchObject({ transactions: 4, sales_amount: 88 });
    expect(at(11).transactions).toBe(tx11 + 5);
    await shot(p, 'sales-upload-ok');

    // A refused file: nothing of it is stored, and the page names the row, the line and the column.
    const bad = ['hour,transactions,sales_amount', `${hourIso(yesterday, 16)},9,99`, `${hourIso(yesterday, 17)},1,10`, `${hourIso(yesterday, 18)},2,abc`].join(
      '\r\n',
    );
    await p.setInputFiles('[data-section=sales-upload] input[name=file]', { name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await p.click('[data-section=sales-upload] button[type=submit]');
    const refused = p.locator('[data-section=sales-upload] [role=alert]');
    await refused.waitFor();
    expect(await refused.getAttribute('data-field')).toBe('rows[2].sales_amount');
    expect(await refused.textContent()).toMatch(/^broken\.csv was refused, nothing was stored\. Row 3 \(line 4 of the file\), column “sales_amount”: must be /);
    expect(await p.evaluate(() => document.activeElement?.name)).toBe('file');
    const after = await api(`/api/dashboard/history?store_id=${STORE_A.storeId}&from=${yesterday}&to=${f.today}&granularity=hour`);
    expect(after.buckets.find((b: any) => b.bucket === `${yesterday}T16:00`).sales.transactions).toBe(txOf(yesterday, 16, false));
    await shot(p, 'sales-upload-refused');
    await admin.close();
  });

  step("shows the promotion report's conversion and sales per visitor with their 95 % intervals", async () => {
    await page.click('nav a[data-view=analytics]');
    await page.fill('[data-section=promo] input[name=start_date]', f.promo.start);
    await page.fill('[data-section=promo] input[name=end_date]', f.promo.end);
    await page.click('[data-section=promo] button[type=submit]');
    await page.waitForSelector('table[data-table="promo-lift"]', { timeout: 60_000 });
    const promo = await report(`/api/analytics/promo?store_id=${STORE_A.storeId}&start_date=${f.promo.start}&end_date=${f.promo.end}&baseline_weeks=4`);
    expect(await page.getAttribute('[data-section=promo] .computed-note', 'data-report-id')).toBe(promo.report_id);
    for (const [metric, label] of [
      ['conversion_rate', 'Conversion rate'],
      ['sales_per_visitor', 'Sales per visitor'],
    ] as const) {
      const lift = promo.result.metrics[metric];
      // The promotion week sold one more transaction an hour: both rise, with an interval from the bootstrap.
      expect(lift).toMatchObject({ kind: 'ratio' });
      expect(lift.lift_pct).toBeGreaterThan(0);
      const row = page.locator('table[data-table="promo-lift"] tr', { has: page.locator(`th[data-value="${metric}"]`) });
      expect(await row.locator('th').textContent()).toBe(label);
      expect(await row.locator('td[data-col="lift_pct"]').getAttribute('data-value')).toBe(String(lift.lift_pct));
      expect(await row.locator('td[data-col="ci95_pct_low"]').textContent()).toBe(fmtPctInterval(lift.ci95_pct));
      expect(await page.getAttribute('svg.interval-plot', 'aria-label')).toContain(`${label} ${fmtPct(lift.lift_pct)} (${fmtPctInterval(lift.ci95_pct)})`);
    }
    expect(await page.textContent('table[data-table="promo-lift"] tr:has(th[data-value="conversion_rate"]) td[data-col="promo"]')).toBe(
      fmtRate(promo.result.metrics.conversion_rate.promo),
    );
    await shot(page, 'analytics-promo-sales');
  });

  step('ranks the stores on footfall, conversion and sales per visitor against their own baselines; a store without POS shown as such', async () => {
    await page.click('nav a[data-view=compare]');
    await page.waitForSelector('table[data-table="comparison"]', { timeout: 60_000 });
    const [start, end] = [addDays(f.today, -7), addDays(f.today, -1)];
    const cmp = await report(`/api/analytics/comparison?start_date=${start}&end_date=${end}&baseline_weeks=4`);
    expect(await page.getAttribute('.view-compare .computed-note', 'data-report-id')).toBe(cmp.report_id);
    const stores = cmp.result.stores as ComparisonStore[];
    expect(stores.map((s) => s.store_id).sort()).toEqual([STORE_A.storeId, STORE_B.storeId].sort());
    const a = stores.find((s) => s.store_id === STORE_A.storeId)!;
    const b = stores.find((s) => s.store_id === STORE_B.storeId)!;
    expect(a.measures.conversion_rate).toMatchObject({ rank: 1 });
    expect(a.measures.conversion_rate.period).toBeGreaterThan(0);
    expect(b.measures.conversion_rate).toMatchObject({ period: null, rank: null });
    const rowsOf = (order: ComparisonStore[]) =>
      order.map((s) => [
        s.store_id,
        ...(['footfall', 'conversion_rate', 'sales_per_visitor'] as const).flatMap((m) =>
          [s.measures[m].period, s.measures[m].change_pct].map((x) => (x === null ? '' : String(x))),
        ),
        String(s.days_with_data),
        String(s.left_out_hours),
      ]);
    expect(await tableValues(page, 'comparison')).toEqual(rowsOf(rankedBy(stores, 'footfall')));
    const cellOf = (id: string, col: string) => page.textContent(`table[data-table="comparison"] tr:has(th[data-value="${id}"]) td[data-col="${col}"]`);
    expect(await cellOf(STORE_B.storeId, 'conversion_rate')).toBe('No POS');
    expect(await cellOf(STORE_A.storeId, 'conversion_rate')).toBe(`${fmtRate(a.measures.conversion_rate.period)} · #1`);
    expect(await cellOf(STORE_A.storeId, 'conversion_rate_change_pct')).toBe(fmtPct(a.measures.conversion_rate.change_pct));
    expect(await page.textContent('[data-summary=comparison]')).toContain(`No POS connected (no sales, so no conversion): ${b.name}.`);
    await shot(page, 'compare');
    // Ranked by conversion: the store with a till first, the one without last; the plot shows that measure's changes.
    await page.selectOption('.view-compare select[name=rank_by]', 'conversion_rate');
    await page.waitForFunction(() => /ranked by conversion/.test(document.querySelector('table[data-table="comparison"] caption')?.textContent ?? ''));
    expect(await tableValues(page, 'comparison')).toEqual(rowsOf(rankedBy(stores, 'conversion_rate')));
    expect((await tableValues(page, 'comparison')).map((r) => r[0])).toEqual([STORE_A.storeId, STORE_B.storeId]);
    expect(await page.getAttribute('svg[data-plot=comparison]', 'aria-label')).toBe(
      `Change of conversion against each store's own baseline: ${a.name} ${fmtPct(a.measures.conversion_rate.change_pct)}`,
    );
    const csv = await exportCsv(page, 'comparison', 'comparison.csv');
    expect(csv.fileName).toBe(`wink_comparison_${start}_${end}.csv`);
    expect(csv.rows[0]).toEqual([
      'store_id',
      'name',
      'currency',
      'footfall',
      'footfall_rank',
      'footfall_baseline',
      'footfall_change_pct',
      'conversion_rate',
      'conversion_rate_rank',
      'conversion_rate_baseline',
      'conversion_rate_change_pct',
      'sales_per_visitor',
      'sales_per_visitor_rank',
      'sales_per_visitor_baseline',
      'sales_per_visitor_change_pct',
      'days_with_data',
      'left_out_hours',
    ]);
    expect(csv.rows[1].slice(0, 3)).toEqual([STORE_A.storeId, a.name, CURRENCY]);
    await shot(page, 'compare-by-conversion');
  });

  step('shows every column of the comparison on a 1366×768 laptop and a 1920 screen; narrower, the table scrolls, not the page', async () => {
    /** The table's last header cell against its container (scrolled to its end when it can scroll), and the page's sideways overflow. */
    const fit = () =>
      page.evaluate(() => {
        const box = document.querySelector('[data-table-wrap="comparison"] .table-scroll');
        const last = [...box.querySelectorAll('thead th')].at(-1);
        // How far the last column ends past the container's right edge (0: inside it).
        const past = () => Math.max(0, Math.round(last.getBoundingClientRect().right - box.getBoundingClientRect().right));
        const shown = past();
        box.scrollLeft = box.scrollWidth;
        const scrolled = past();
        box.scrollLeft = 0;
        const root = document.documentElement;
        return { shown, scrolled, pageOverflow: root.scrollWidth - root.clientWidth };
      });
    try {
      for (const [width, height] of [
        [1366, 768],
        [1920, 1080],
      ]) {
        await page.setViewportSize({ width, height });
        // Every column in sight without scrolling: its right edge inside the container, the page not wider than the window.
        expect({ width, ...(await fit()) }).toEqual({ width, shown: 0, scrolled: 0, pageOverflow: 0 });
        await shot(page, `compare-${width}x${height}`);
      }
      // Narrower than the table: the container scrolls to the last column; the page itself never scrolls sideways.
      await page.setViewportSize({ width: 700, height: 900 });
      const narrow = await fit();
      expect(narrow.shown).toBeGreaterThan(0);
      expect(narrow).toEqual({ shown: narrow.shown, scrolled: 0, pageOverflow: 0 });
      await shot(page, 'compare-700');
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  step('fits a tablet (820×1180): history with sales and the comparison without horizontal scrolling', async () => {
    const tablet = await browser.newContext({ viewport: TABLET, hasTouch: true, isMobile: true, deviceScaleFactor: 1, locale: 'en-US' });
    watch(tablet);
    const p = await tablet.newPage();
    await signIn(p, f.viewer);
    const overflow = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await p.tap('nav a[data-view=history]');
    await p.waitForSelector('[data-legend=sales]');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(p, 'tablet-history-sales');
    await p.tap('nav a[data-view=compare]');
    await p.waitForSelector('table[data-table="comparison"]', { timeout: 60_000 });
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(p, 'tablet-compare');
    await tablet.close();
  });

  step("made no request outside the app's origin, and the pages logged no errors", async () => {
    expect(requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
