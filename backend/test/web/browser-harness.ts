/**
 * What the web dashboard's browser tests share: the machine's Chromium (skipped with a message when missing), its
 * launch flags, and reading the page the way the tests compare it with the API (cells' raw values, CSV downloads,
 * full-page screenshots into test-output/web/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { parseCsv } from '../../../web/src/csv.ts';
import type { TestApp } from '../test-app.ts';
import { OUTPUT_DIR } from './web-fixture.ts';

// page.evaluate callbacks run in the browser; this file is compiled with Node's types only.
declare const window: any;
type HTMLElement = any;

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(
    `SKIPPING the web dashboard browser tests: no Chromium at ${CHROMIUM}. Install Debian's "chromium" package (apt-get install chromium), as .ci/run does, or set CHROMIUM_PATH.`,
  );
}
export const describeInBrowser = HAVE_CHROMIUM ? describe : describe.skip;

// As the machine's own Chromium wants it: headless, no sandbox as root, no GPU, no calls home.
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const DESKTOP = { width: 1366, height: 900 };
export const TABLET = { width: 820, height: 1180 };

/** A full-page PNG; scrolled to the top first, or the sticky header would be drawn mid-page. */
export async function shot(p: Page, name: string): Promise<void> {
  await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

/** data-value of every cell of a table, row by row. */
export function tableValues(p: Page, name: string): Promise<string[][]> {
  return p.$$eval(`table[data-table="${name}"] tbody tr`, (trs) =>
    trs.filter((tr) => !tr.querySelector('td.empty')).map((tr) => [...tr.children].map((c) => (c as HTMLElement).dataset.value ?? '')),
  );
}

/** Clicks a table's Export CSV button and reads the file the browser saved. */
export async function exportCsv(p: Page, name: string, saveAs: string) {
  const [download] = await Promise.all([p.waitForEvent('download'), p.click(`button[data-export="${name}"]`)]);
  const path = join(OUTPUT_DIR, saveAs);
  await download.saveAs(path);
  return { rows: parseCsv(readFileSync(path, 'utf8')), fileName: download.suggestedFilename(), raw: readFileSync(path) };
}

/** A read of the API as the page's reader (must answer 200). */
export async function apiRead(t: TestApp, token: string, path: string): Promise<any> {
  const r = await t.call('GET', path, { token });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A report through the API, as a client would get it: polled while the server answers 202. */
export async function readyReport(t: TestApp, token: string, path: string): Promise<any> {
  let r = await t.call('GET', path, { token });
  for (let i = 0; r.status === 202 && i < 600; i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    r = await t.call('GET', r.body.poll, { token });
  }
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Records every request a context's pages make, and their errors (uncaught, console; CSP violations included). */
export function watchContext(c: BrowserContext, requests: string[], problems: string[]): void {
  c.on('request', (r) => requests.push(r.url()));
  c.on('page', (p) => {
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  });
}
