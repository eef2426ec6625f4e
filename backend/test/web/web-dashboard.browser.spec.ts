/**
 * The web dashboard in a real browser (Debian's Chromium driven by playwright-core) against the real backend
 * with simulated data: sign in, pick a store, live numbers equal to the API's and refreshing in place,
 * history by day and hour with incomplete (under-analysed) hours and days marked, a camera that is not analysing,
 * queue lengths with the age of their reading, the spike report (202 → progress → filled in) and a promotion report
 * saying which hours/days they left out, CSV exports
 * checked against the API, a tablet viewport, accessibility basics, and no request outside the app's origin.
 * Screenshots of every view go to test-output/web/.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { fmtCount } from '../../../web/src/format.ts';
import { addDays, STORE_A, STORE_B, startWebFixture, type WebFixture } from './web-fixture.ts';
import { waitFor } from '../analytics/analytics-harness.ts';
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

// The callbacks given to page.evaluate run in the browser. This file is compiled with Node's types only (the
// DOM library would leak into every backend file), so the few browser globals they use are declared here.
declare const document: any;
declare const window: any;
declare const sessionStorage: any;
declare const localStorage: any;
type HTMLElement = any;
type HTMLOptionElement = any;
type HTMLInputElement = any;

/** Each step drives a real browser against a real server: give it time. */
const step = (name: string, fn: () => Promise<void>) => it(name, fn, 90_000);

describeInBrowser('web dashboard in Chromium against the real backend', () => {
  let f: WebFixture;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let origin: string;
  const requests: string[] = [];
  const problems: string[] = [];

  const api = (path: string) => apiRead(f.t, f.viewer, path);
  /** A report through the API, as a client would get it: polled while the server answers 202. */
  const report = (path: string) => readyReport(f.t, f.viewer, path);
  const analyticsUrls: string[] = [];
  const watch = (c: BrowserContext) => {
    watchContext(c, requests, problems);
    c.on('request', (r) => {
      if (r.url().includes('/api/analytics/')) analyticsUrls.push(r.url());
    });
  };
  const signIn = async (p: Page, key: string) => {
    await p.goto(`${origin}/`);
    await p.fill('#viewer-key', key);
    await p.press('#viewer-key', 'Enter');
    await p.waitForSelector('#store-picker');
  };

  beforeAll(async () => {
    f = await startWebFixture();
    origin = f.t.baseUrl;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    // A browser zone far from the store's: every time on the page must still be the store's local time.
    ctx = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true, locale: 'en-US', timezoneId: 'Asia/Tokyo' });
    watch(ctx);
    page = await ctx.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  step('serves the page with a strict Content-Security-Policy and signs in with a viewer key kept in session storage, never in the URL', async () => {
    const res = await page.goto(`${origin}/`);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-security-policy']).toContain("default-src 'none'");
    await shot(page, 'sign-in');
    // The key field has the focus; a wrong key and an edge key are refused with a message.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('viewer-key');
    await page.keyboard.type('wink_view_not_a_real_key');
    await page.keyboard.press('Enter');
    await expect(page.locator('[role=alert]').textContent()).resolves.toMatch(/not valid or has been revoked/);
    await page.fill('#viewer-key', f.a.apiKey);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /edge \(camera\) key/.test(document.querySelector('[role=alert]')?.textContent ?? ''));
    await page.fill('#viewer-key', f.viewer);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#store-picker');
    expect(await page.evaluate(() => sessionStorage.getItem('wink.viewerKey'))).toBe(f.viewer);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).not.toContain(f.viewer);
    expect(requests.filter((u) => u.includes(f.viewer) || u.includes(f.a.apiKey))).toEqual([]);
  });

  step("offers the stores of the key's organisation in the picker, with their time zone", async () => {
    const { stores } = await api('/api/dashboard/stores');
    expect(stores.map((s: { store_id: string }) => s.store_id)).toEqual([STORE_B.storeId, STORE_A.storeId].sort());
    const options = await page.$$eval('#store-picker option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(stores.map((s: { store_id: string }) => s.store_id));
    await page.selectOption('#store-picker', STORE_A.storeId);
    await page.waitForFunction((tz) => document.getElementById('store-tz')?.textContent?.includes(tz), STORE_A.timezone);
    expect(page.url()).toContain(`#/live?store=${STORE_A.storeId}`);
  });

  step('shows live numbers that match the API and refreshes them in place, without reloading', async () => {
    await page.waitForSelector('table[data-table="live-cameras"] tbody th');
    const live = await api(`/api/dashboard/live?store_id=${STORE_A.storeId}`);
    expect(live.footfall).toBeGreaterThan(0);
    expect(await page.getAttribute('[data-metric=footfall]', 'data-value')).toBe(String(live.footfall));
    expect(await page.textContent('[data-metric=footfall]')).toBe(fmtCount(live.footfall));
    expect(await page.getAttribute('[data-metric=occupancy]', 'data-value')).toBe(String(live.occupancy));
    expect(await page.getAttribute('[data-metric=date]', 'data-value')).toBe(live.date);
    const entries = <T>(o: Record<string, T>) =>
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]] as const);
    expect(await tableValues(page, 'live-zones')).toEqual(
      entries(live.zones).map(([k, z]: any) => [k, String(z.entries), String(z.unique_visitors), String(z.avg_dwell)]),
    );
    expect(await tableValues(page, 'live-shelves')).toEqual(entries(live.shelves).map(([k, s]: any) => [k, String(s.interactions), String(s.avg_dwell)]));
    // Queues: the people waiting now by the latest heartbeat (with the reading's age), and today's waits.
    const queueIds = [...new Set([...Object.keys(live.queues), ...live.queue_lengths.map((q: any) => q.queue_id)])].sort();
    expect(live.queue_lengths.find((q: any) => q.queue_id === 'checkout_1')).toMatchObject({ length: f.queueLength, camera_id: 'cam_entrance' });
    expect(await tableValues(page, 'live-queues')).toEqual(
      queueIds.map((k) => {
        const q = live.queues[k] ?? { waits: 0, avg_wait: 0, max_wait: 0 };
        const now = live.queue_lengths.find((r: any) => r.queue_id === k);
        return [k, now ? String(now.length) : '', String(q.waits), String(q.avg_wait), String(q.max_wait)];
      }),
    );
    expect(await page.textContent('table[data-table="live-queues"] tr:has(th[data-value="checkout_1"]) td[data-col="waiting_now"]')).toMatch(
      new RegExp(`^${f.queueLength} waiting · \\d+ s ago$`),
    );
    const cams = await tableValues(page, 'live-cameras');
    expect(cams.map((c) => [c[0], c[2], c[3]])).toEqual(live.cameras.map((c: any) => [c.camera_id, c.status, c.last_heartbeat ?? '']));
    expect(cams.find((c) => c[0] === 'cam_entrance')![2]).toBe('online');
    expect(cams.find((c) => c[0] === 'cam_floor')![2]).toBe('offline');
    // Heard from but reconnecting: "Not analysing", in amber, with the stream state; distinct from online and offline.
    expect(live.cameras.find((c: any) => c.camera_id === 'cam_stockroom')).toMatchObject({ status: 'not_analysing', stream_state: 'reconnecting' });
    const statusCell = (id: string) => `table[data-table="live-cameras"] tr:has(th[data-value="${id}"]) td[data-col="status"]`;
    expect(await page.textContent(statusCell('cam_stockroom'))).toBe('◐ Not analysing (reconnecting)');
    expect(await page.textContent(statusCell('cam_entrance'))).toBe('● Online');
    expect(await page.textContent(statusCell('cam_floor'))).toBe('○ Offline');
    const colour = (sel: string) => page.$eval(sel, (el) => window.getComputedStyle(el).color);
    expect(await colour(statusCell('cam_stockroom'))).toBe('rgb(180, 83, 9)'); // --warn (amber)
    expect(new Set([await colour(statusCell('cam_entrance')), await colour(statusCell('cam_floor')), await colour(statusCell('cam_stockroom'))]).size).toBe(3);
    expect(await page.textContent('[data-metric="cameras-online"] + .card-note')).toBe('1 not analysing · 1 offline');
    // Times on the page are the store's, not the browser's (Tokyo).
    const hb = await page.textContent('table[data-table="live-cameras"] td[data-col="last_heartbeat_utc"]');
    const nyTime = new Intl.DateTimeFormat('en-US', { timeZone: STORE_A.timezone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(
      new Date(live.cameras.find((c: any) => c.camera_id === 'cam_entrance').last_heartbeat),
    );
    expect(hb).toContain(nyTime);
    await shot(page, 'live');

    // New visitors and a heartbeat arrive; the open page picks them up on its own.
    await page.evaluate(() => {
      (window as any).__sameDocument = true;
    });
    const now = Date.now();
    await f.send(
      f.a,
      [0, 1, 2].map((i) => ({
        type: 'entrance' as const,
        event_id: `live-extra-${i}`,
        ts: new Date(now - 5000 - i * 1000).toISOString(),
        direction: 'in' as const,
        person_key: `live-extra-${i}`,
      })),
    );
    await f.heartbeat(f.aFloor);
    await page.waitForFunction((n) => document.querySelector('[data-metric=footfall]')?.getAttribute('data-value') === String(n), live.footfall + 3, {
      timeout: 45_000,
    });
    await page.waitForFunction(() => document.querySelector('[data-metric="cameras-online"]')?.getAttribute('data-value') === '2', undefined, {
      timeout: 45_000,
    });
    expect(await page.textContent('[data-metric="cameras-online"] + .card-note')).toBe('1 not analysing');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    const after = await api(`/api/dashboard/live?store_id=${STORE_A.storeId}`);
    expect(after.footfall).toBe(live.footfall + 3);
    expect(await page.getAttribute('[data-metric=occupancy]', 'data-value')).toBe(String(after.occupancy));
  });

  step("exports the live zone table as CSV with a header row and the API's numbers", async () => {
    const live = await api(`/api/dashboard/live?store_id=${STORE_A.storeId}`);
    const csv = await exportCsv(page, 'live-zones', 'live-zones.csv');
    expect(csv.fileName).toBe(`wink_${STORE_A.storeId}_zones_${live.date}.csv`);
    expect(csv.raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // UTF-8 BOM for spreadsheets
    expect(csv.rows[0]).toEqual(['zone_id', 'entries', 'unique_visitors', 'avg_dwell_seconds']);
    expect(csv.rows.slice(1).map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3])])).toEqual(
      Object.keys(live.zones)
        .sort()
        .map((z) => [z, live.zones[z].entries, live.zones[z].unique_visitors, live.zones[z].avg_dwell]),
    );
    const cams = await exportCsv(page, 'live-cameras', 'live-cameras.csv');
    expect(cams.rows[0]).toEqual(['camera_id', 'name', 'status', 'stream_state', 'last_heartbeat_utc', 'capabilities']);
    expect(cams.rows.find((r) => r[0] === 'cam_stockroom')!.slice(2, 4)).toEqual(['not_analysing', 'reconnecting']);
    expect(cams.rows.slice(1).map((r) => [r[0], r[2]])).toEqual(live.cameras.map((c: any) => [c.camera_id, c.status]));
  });

  step('shows history by day and by hour in store-local time, with charts, matching the API', async () => {
    /** Footfall table row of a history bucket: bucket, footfall, share analysed, occupancy at the end, average, peak, closed out. */
    const footfallRow = (b: any): string[] => [
      b.bucket,
      String(b.footfall),
      b.completeness.store === null ? '' : String(b.completeness.store),
      String(b.occupancy),
      b.occupancy_avg === null ? '' : String(b.occupancy_avg),
      b.occupancy_peak === null ? '' : String(b.occupancy_peak),
      String(b.closed_out),
    ];
    /** The average and the share analysed of the bucket still running move between the API's answer and the page's: not compared. */
    const settled = (rows: string[][]) => {
      let running = -1;
      rows.forEach((r, i) => {
        if (r[4] !== '') running = i;
      });
      return rows.map((r, i) => (i === running ? [r[0], r[1], '(running)', r[3], '(running)', ...r.slice(5)] : r));
    };
    /** Buckets the page marks incomplete (row class, badge text), and the API's; the running bucket left out of both. */
    const marked = async () =>
      await page.$$eval('table[data-table="history-footfall"] tbody tr.incomplete', (trs) =>
        trs.map((tr) => [tr.querySelector('th')!.dataset.value, /Incomplete$/.test(tr.querySelector('td[data-col="completeness"]')!.textContent ?? '')]),
      );
    const runningIndex = (v: any) => v.buckets.reduce((r: number, b: any, i: number) => (b.occupancy_avg !== null ? i : r), -1);
    const settledBuckets = (v: any) => v.buckets.filter((_b: any, i: number) => i !== runningIndex(v));
    const incompleteOf = (v: any) =>
      settledBuckets(v)
        .filter((b: any) => b.completeness.incomplete)
        .map((b: any) => [b.bucket, true]);
    const settledLabels = (v: any) => new Set(settledBuckets(v).map((b: any) => b.bucket));
    await page.click('nav a[data-view=history]');
    await page.waitForSelector('table[data-table="history-footfall"] tbody th');
    expect(await page.textContent('.view-history .tz-note')).toContain(STORE_A.timezone);
    const from = addDays(f.today, -6);
    const byDay = await api(`/api/dashboard/history?store_id=${STORE_A.storeId}&from=${from}&to=${addDays(f.today, 1)}&granularity=day`);
    expect(byDay.buckets).toHaveLength(7);
    expect(settled(await tableValues(page, 'history-footfall'))).toEqual(settled(byDay.buckets.map(footfallRow)));
    expect(await page.$$eval('.view-history .chart-plot canvas', (cs) => cs.length)).toBeGreaterThanOrEqual(3);
    const zoneRows = byDay.buckets.flatMap((b: any) =>
      Object.keys(b.zones)
        .sort()
        .map((z) => [b.bucket, z, String(b.zones[z].entries), String(b.zones[z].unique_visitors), String(b.zones[z].avg_dwell)]),
    );
    expect(await tableValues(page, 'history-zones')).toEqual(zoneRows);
    // The outage day (3 of its 24 hours not analysed) is marked: hatched bar, a badge and a faded row, a legend.
    expect(byDay.completeness_threshold).toBe(0.9);
    expect(byDay.buckets.find((b: any) => b.bucket === f.outage.date).completeness).toMatchObject({ store: 0.875, incomplete: true });
    expect(incompleteOf(byDay)).toContainEqual([f.outage.date, true]);
    expect((await marked()).filter(([b]) => settledLabels(byDay).has(b))).toEqual(incompleteOf(byDay));
    expect(await page.getAttribute('[data-legend=completeness]', 'data-threshold')).toBe('0.9');
    expect(await page.textContent('[data-legend=completeness]')).toContain('less than 90 % of the day analysed');
    expect(await page.getAttribute('[data-chart=footfall]', 'aria-label')).toContain(
      `Incomplete (less than 90 % of the day analysed, hatched): ${f.outage.date}`,
    );
    expect(await page.textContent(`table[data-table="history-footfall"] tr:has(th[data-value="${f.outage.date}"]) td[data-col="completeness"]`)).toBe(
      '87 % · Incomplete',
    );
    await shot(page, 'history-day');

    await page.check('#granularity-hour');
    await page.click('.view-history form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('.view-history figcaption')?.textContent?.startsWith('Footfall by hour'));
    const byHour = await api(`/api/dashboard/history?store_id=${STORE_A.storeId}&from=${from}&to=${addDays(f.today, 1)}&granularity=hour`);
    const hourRows = await tableValues(page, 'history-footfall');
    expect(settled(hourRows)).toEqual(settled(byHour.buckets.map(footfallRow)));
    expect(hourRows[0][0]).toBe(`${from}T00:00`); // local midnight of the store, whatever the browser's zone
    const outageHours = [11, 12, 13].map((hr) => `${f.outage.date}T${hr}:00`);
    for (const b of outageHours) expect(incompleteOf(byHour)).toContainEqual([b, true]);
    expect((await marked()).filter(([b]) => settledLabels(byHour).has(b))).toEqual(incompleteOf(byHour));
    expect(await page.textContent('[data-legend=completeness]')).toContain('less than 90 % of the hour analysed');
    // Before the camera's first heartbeat the share is unknown: "—", not marked.
    expect(await page.textContent(`table[data-table="history-footfall"] tr:has(th[data-value="${from}T10:00"]) td[data-col="completeness"]`)).toBe('—');
    const queueCsv = await exportCsv(page, 'history-queues', 'history-queues-by-hour.csv');
    expect(queueCsv.rows[0]).toEqual(['local_hour', 'queue_id', 'waits', 'avg_wait_seconds', 'max_wait_seconds']);
    expect(queueCsv.rows.slice(1)).toEqual(
      byHour.buckets.flatMap((b: any) =>
        Object.keys(b.queues)
          .sort()
          .map((q) => [b.bucket, q, String(b.queues[q].waits), String(b.queues[q].avg_wait), String(b.queues[q].max_wait)]),
      ),
    );
    await shot(page, 'history-hour');
  });

  step('runs the spike report: progress while the server computes it, then spikes marked with expected vs actual', async () => {
    const statuses: number[] = [];
    const onResponse = (r: { url(): string; status(): number }) => {
      if (r.url().includes('/api/analytics/')) statuses.push(r.status());
    };
    page.on('response', onResponse);
    await page.click('nav a[data-view=analytics]');
    await page.waitForFunction(() => /being prepared/.test(document.querySelector('[data-pending="spike report"]')?.textContent ?? ''));
    await shot(page, 'analytics-spikes-pending');
    await page.waitForSelector('table[data-table="spikes"]', { timeout: 60_000 });
    page.off('response', onResponse);
    expect(statuses[0]).toBe(202); // the report was computed in the background and polled
    expect(statuses).toContain(200);
    const spikeReport = await report(`/api/analytics/spikes?store_id=${STORE_A.storeId}&days=7&end_date=${addDays(f.today, -1)}`);
    expect(await page.getAttribute('[data-section=spikes] .computed-note', 'data-report-id')).toBe(spikeReport.report_id);
    const spikes = spikeReport.result.spikes;
    expect(spikes.some((s: any) => s.local.startsWith(`${f.spike.date}T${f.spike.hour}:00`))).toBe(true);
    expect(await tableValues(page, 'spikes')).toEqual(
      spikes.map((s: any) => [
        s.local,
        String(s.count),
        String(s.expected),
        String(Math.round((s.count - s.expected) * 100) / 100),
        String(s.threshold),
        String(s.score),
        String(s.p_value),
        s.baseline,
      ]),
    );
    const label = await page.getAttribute('[data-chart=spikes]', 'aria-label');
    expect(label).toContain(`${f.spike.date} ${f.spike.hour}:00 had`);
    expect(await page.textContent('[data-summary=spikes]')).toContain(`${spikeReport.result.summary.spikes} spike`);
    // The outage's hours were left out (not judged); the page lists them.
    const leftOut = spikeReport.result.left_out.period_hours as string[];
    expect(spikeReport.result.summary.hours_incomplete).toBe(3);
    expect(leftOut.map((hr) => hr.slice(0, 16))).toEqual([11, 12, 13].map((hr) => `${f.outage.date}T${hr}:00`));
    expect(await page.getAttribute('[data-left-out=spikes]', 'data-hours')).toBe(leftOut.join(' '));
    expect(await page.textContent('[data-left-out=spikes]')).toContain(`3 hours left out (less than 90 % of the hour analysed`);
    expect(await page.textContent('[data-left-out=spikes]')).toContain(`${f.outage.date} 11:00, 12:00, 13:00`);
    const csv = await exportCsv(page, 'spikes', 'spikes.csv');
    expect(csv.rows[0]).toEqual(['local_hour', 'actual', 'expected', 'excess', 'threshold', 'score', 'p_value', 'baseline']);
    expect(csv.rows.slice(1).map((r) => [r[0], Number(r[1]), Number(r[2])])).toEqual(spikes.map((s: any) => [s.local, s.count, s.expected]));
    await shot(page, 'analytics-spikes');
  });

  step('runs a promotion report with a zone and a control store and shows the lift with its interval', async () => {
    await page.fill('[data-section=promo] input[name=start_date]', f.promo.start);
    await page.fill('[data-section=promo] input[name=end_date]', f.promo.end);
    await page.fill('[data-section=promo] input[name=zone_id]', 'electronics');
    await page.check(`input[name=control_store_ids][value=${STORE_B.storeId}]`);
    await page.click('[data-section=promo] button[type=submit]');
    await page.waitForSelector('[data-pending="promotion report"]');
    await page.waitForSelector('table[data-table="promo-lift"]', { timeout: 60_000 });
    expect(analyticsUrls.some((u) => u.includes(`start_date=${f.promo.start}&end_date=${f.promo.end}&zone_id=electronics`))).toBe(true);
    const promoReport = await report(
      `/api/analytics/promo?store_id=${STORE_A.storeId}&start_date=${f.promo.start}&end_date=${f.promo.end}&zone_id=electronics&baseline_weeks=4&control_store_ids=${STORE_B.storeId}`,
    );
    expect(await page.getAttribute('[data-section=promo] .computed-note', 'data-report-id')).toBe(promoReport.report_id);
    const metrics = Object.entries(promoReport.result.metrics) as [string, any][];
    const rows = await tableValues(page, 'promo-lift');
    expect(rows.map((r) => [r[0], r[3]])).toEqual(metrics.map(([m, l]) => [m, l.available === false ? '' : String(l.lift_pct)]));
    // The dwell in the promoted zone went up by about a minute a visit: a clear, significant lift.
    const dwell = promoReport.result.metrics.avg_dwell_seconds;
    expect(dwell.lift_pct).toBeGreaterThan(20);
    const dwellRow = await page.locator('table[data-table="promo-lift"] tr', { hasText: 'Average zone dwell' }).textContent();
    expect(dwellRow).toContain(`+${(Math.round(dwell.lift_pct * 10) / 10).toFixed(1)} %`);
    expect(dwellRow).toMatch(/\+\d+\.\d % to \+\d+\.\d %/);
    expect(await page.getAttribute('svg.interval-plot', 'aria-label')).toContain('Average zone dwell');
    expect(await page.isVisible('table[data-table="promo-did"]')).toBe(true);
    expect(await page.textContent('[data-section=promo] [data-summary=promo]')).toContain('Zone: electronics');
    // The outage day is in the promotion week: left out like a missing day, and the page says so.
    expect(promoReport.result.promo.incomplete_dates).toEqual([f.outage.date]);
    expect(await page.getAttribute('[data-left-out=promo]', 'data-dates')).toBe(f.outage.date);
    expect(await page.textContent('[data-left-out=promo]')).toContain(
      `1 day left out (treated as missing): an hour of it was analysed less than 90 %. Promotion: ${f.outage.date} (11:00, 12:00, 13:00); baseline: none.`,
    );
    const csv = await exportCsv(page, 'promo-lift', 'promo-lift.csv');
    expect(csv.rows[0]).toEqual(['metric', 'promo', 'baseline', 'lift_pct', 'ci95_pct_low', 'ci95_pct_high', 'p_value', 'significant', 'note']);
    const dwellCsv = csv.rows.find((r) => r[0] === 'avg_dwell_seconds')!;
    expect(dwellCsv.slice(1, 6).map(Number)).toEqual([dwell.promo, dwell.baseline, dwell.lift_pct, dwell.ci95_pct[0], dwell.ci95_pct[1]]);
    await shot(page, 'analytics-promo');
  });

  step('opens on the promotion week an address names (npm run demo prints one): its dates in the form, its report at once', async () => {
    const promoReport = await report(`/api/analytics/promo?store_id=${STORE_A.storeId}&start_date=${f.promo.start}&end_date=${f.promo.end}&baseline_weeks=4`);
    await page.goto(`${origin}/#/analytics?store=${STORE_A.storeId}&promo_start=${f.promo.start}&promo_end=${f.promo.end}`);
    await page.waitForFunction(
      (id) => document.querySelector('[data-section=promo] .computed-note')?.getAttribute('data-report-id') === id,
      promoReport.report_id,
      { timeout: 60_000 },
    );
    expect(await page.inputValue('[data-section=promo] input[name=start_date]')).toBe(f.promo.start);
    expect(await page.inputValue('[data-section=promo] input[name=end_date]')).toBe(f.promo.end);
    expect(page.url()).toContain(`promo_start=${f.promo.start}&promo_end=${f.promo.end}`);
    // Without the parameters the form keeps its usual default, the last 7 complete days, and waits to be run.
    await page.click('nav a[data-view=live]');
    await page.click('nav a[data-view=analytics]');
    await page.waitForSelector('[data-section=promo] input[name=start_date]');
    expect(await page.inputValue('[data-section=promo] input[name=start_date]')).toBe(addDays(f.today, -7));
    expect(await page.isVisible('[data-section=promo] .computed-note')).toBe(false);
  });

  step('shows a server-side validation error next to the promotion form', async () => {
    await page.fill('[data-section=promo] input[name=zone_id]', 'no_such_zone');
    await page.click('[data-section=promo] button[type=submit]');
    await page.waitForFunction(() =>
      /zone no_such_zone has no recorded visits/.test(document.querySelector('[data-section=promo] [role=alert]')?.textContent ?? ''),
    );
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('zone_id');
    await page.fill('[data-section=promo] input[name=zone_id]', '');
  });

  step('shows firing alerts as a banner on every view, and lists firing and resolved alerts with their evidence', async () => {
    const alertsOf = async (state: string) => (await api(`/api/alerts?store_id=${STORE_A.storeId}&state=${state}`)).alerts as any[];
    const queueAlert = (list: any[]) => list.find((a) => a.type === 'queue_length' && a.subject === 'checkout_1');
    // 7 waiting at checkout_1 by the entrance camera's heartbeat: the queue_length rule (default 5, clears below 3) fires on ingest.
    await f.heartbeat(f.a, { fps: 5, fps_achieved: 5, target_fps: 5, stream_state: 'streaming', queue_lengths: { checkout_1: 7 } });
    await waitFor('the queue alert firing', async () => !!queueAlert(await alertsOf('firing')));
    const firing = await alertsOf('firing');

    // A hash change alone would keep the page (and its banner's last answer): load it afresh.
    await page.goto(`${origin}/#/history?store=${STORE_A.storeId}`);
    await page.reload();
    const banner = page.locator('[data-alert-banner]');
    await banner.waitFor({ state: 'visible' });
    // Other rules may fire meanwhile (the fixture's reconnecting camera, on the minute clock): count at least this one.
    expect(Number(await banner.getAttribute('data-count'))).toBeGreaterThanOrEqual(1);
    await expect(banner.textContent()).resolves.toContain(`Queue too long: ${queueAlert(firing).summary}`);
    await shot(page, 'alerts-banner-on-history');

    await banner.locator('a', { hasText: 'See all alerts' }).click();
    await page.waitForSelector('table[data-table="alerts-firing"] tbody tr:not(:has(td.empty))');
    const rows = await tableValues(page, 'alerts-firing');
    // Every row is an alert the API knows (firing, or resolved since the page loaded), newest first as the API lists them.
    const known = new Set([...(await alertsOf('firing')), ...(await alertsOf('resolved'))].map((a) => `${a.type}/${a.subject}`));
    for (const r of rows) expect(known).toContain(`${r[0]}/${r[1]}`);
    const row = rows.find((r) => r[0] === 'queue_length')!;
    expect(row[1]).toBe('checkout_1');
    expect(row[2]).toBe(queueAlert(firing).summary);
    expect(row[4]).toMatch(/length 7/);
    await shot(page, 'alerts-firing');

    // Back to 1 waiting (below the clear length 3): it resolves once, and leaves the banner and the firing list.
    await f.heartbeat(f.a, { fps: 5, fps_achieved: 5, target_fps: 5, stream_state: 'streaming', queue_lengths: { checkout_1: f.queueLength - 2 } });
    await waitFor('the queue alert resolved', async () => !!queueAlert(await alertsOf('resolved')));
    await page.reload();
    await page.waitForSelector('table[data-table="alerts-resolved"] tbody tr:not(:has(td.empty))');
    const resolved = await tableValues(page, 'alerts-resolved');
    expect(resolved.filter((r) => r[0] === 'queue_length' && r[1] === 'checkout_1')).toHaveLength(1);
    expect((await tableValues(page, 'alerts-firing')).some((r) => r[0] === 'queue_length')).toBe(false);
    await shot(page, 'alerts-resolved');
    // The heartbeat the later steps expect (f.queueLength waiting) — below the clear length, so nothing fires again.
    await f.heartbeat(f.a, { fps: 5, fps_achieved: 5, target_fps: 5, stream_state: 'streaming', queue_lengths: { checkout_1: f.queueLength } });
  });

  step('labels every control, gives every table its headers, and can be used with the keyboard', async () => {
    for (const view of ['live', 'history', 'analytics', 'compare', 'alerts']) {
      await page.click(`nav a[data-view=${view}]`);
      await page.waitForSelector(`.view-${view} table`);
      const issues = await page.evaluate(() => {
        const out: string[] = [];
        for (const el of document.querySelectorAll('input, select, textarea') as HTMLInputElement[]) {
          if (el.type === 'hidden') continue;
          if (!(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))) out.push(`unlabelled ${el.tagName} ${el.name}`);
        }
        for (const b of document.querySelectorAll('button, a[href]'))
          if (!(b.textContent?.trim() || b.getAttribute('aria-label'))) out.push(`nameless ${b.outerHTML.slice(0, 60)}`);
        for (const t of document.querySelectorAll('table[data-table]')) {
          // uPlot's legend sits inside the chart's role=img
          if (!t.querySelector('caption')?.textContent?.trim()) out.push(`table without caption ${t.dataset.table}`);
          if (t.querySelectorAll('thead th[scope=col]').length === 0) out.push(`table without column headers ${t.dataset.table}`);
        }
        for (const c of document.querySelectorAll('.chart-plot')) if (!c.getAttribute('aria-label')) out.push('chart without a text alternative');
        if (document.querySelectorAll('h1, h2').length === 0) out.push('no heading');
        return out;
      });
      expect(issues).toEqual([]);
    }
    // Keyboard only: from the top of a freshly loaded page (the key survives a reload: same tab session), Tab
    // reaches the skip link, the store picker, the views and the table exports, in that order.
    await page.goto(`${origin}/#/live?store=${STORE_A.storeId}`);
    await page.reload();
    await page.waitForSelector('table[data-table="live-zones"] tbody th');
    const order: string[] = [];
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => {
          const a = document.activeElement as HTMLElement;
          return a.id || a.dataset.view || a.dataset.export || a.className || a.tagName;
        }),
      );
    }
    const at = (x: string) => order.indexOf(x);
    expect(order[0]).toBe('skip-link');
    expect(at('store-picker')).toBeGreaterThan(at('skip-link'));
    expect(at('history')).toBeGreaterThan(at('store-picker'));
    expect(at('live-zones')).toBeGreaterThan(at('history'));
    // Enter on a focused view link opens it and moves the focus to its heading.
    await page.focus('nav a[data-view=history]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'history-title');
  });

  step('works on a tablet (820×1180, touch) without horizontal scrolling', async () => {
    const tablet = await browser.newContext({
      viewport: TABLET,
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 1,
      acceptDownloads: true,
      locale: 'en-US',
      timezoneId: 'Europe/Berlin',
    });
    watch(tablet);
    const p = await tablet.newPage();
    await signIn(p, f.viewer);
    await p.selectOption('#store-picker', STORE_A.storeId);
    await p.waitForSelector('table[data-table="live-zones"] tbody th');
    const overflow = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(p, 'tablet-live');
    await p.tap('nav a[data-view=history]');
    await p.waitForSelector('table[data-table="history-footfall"] tbody th');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(p, 'tablet-history');
    await p.tap('nav a[data-view=analytics]');
    await p.waitForSelector('table[data-table="spikes"]', { timeout: 60_000 });
    expect(await overflow()).toBeLessThanOrEqual(0);
    // Touch targets: buttons, links and fields are at least 40 px tall.
    const small = await p.$$eval('button, .nav-link, select, input:not([type=checkbox]):not([type=radio])', (els) =>
      els.filter((e) => (e as HTMLElement).offsetParent !== null && e.getBoundingClientRect().height < 40).map((e) => e.outerHTML.slice(0, 80)),
    );
    expect(small).toEqual([]);
    await shot(p, 'tablet-analytics');
    await tablet.close();
  });

  step('signs out: the key is gone from session storage and the sign-in form is back', async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('#viewer-key');
    expect(await page.evaluate(() => sessionStorage.getItem('wink.viewerKey'))).toBeNull();
  });

  step("made no request outside the app's origin, and the page logged no errors (CSP violations included)", async () => {
    const outside = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(outside).toEqual([]);
    expect(requests.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });
});
