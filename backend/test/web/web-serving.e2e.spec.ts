/**
 * The backend serves the web dashboard's static build at `/` with a strict CSP, and the store picker's
 * endpoint answers only the reader's organisation. No browser needed (the browser test is
 * web-dashboard.browser.spec.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeb } from '../../../scripts/build-web.mjs';
import { webDistDir, WEB_CSP } from '../../src/web/web-dashboard.ts';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../test-app.ts';
import { REPO_ROOT } from './web-fixture.ts';

describe('web dashboard served by the backend', () => {
  let t: TestApp;
  let dir: string;
  let a: ProvisionedCamera;
  let viewer: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wink-web-'));
    await buildWeb({ outDir: dir });
    process.env.WEB_DIST_DIR = dir;
    t = await startTestApp();
    a = await provisionCamera(t, { storeId: 'srv_a1', cameraId: 'door', timezone: 'Asia/Kolkata' });
    await provisionCamera(t, { orgId: a.orgId, storeId: 'srv_a2', cameraId: 'door', timezone: 'Europe/Paris' });
    await provisionCamera(t, { storeId: 'srv_other', cameraId: 'door' });
    const k = await t.admin('POST', '/api/admin/api-keys', { org_id: a.orgId, role: 'viewer' });
    viewer = k.body.api_key;
  });

  afterAll(async () => {
    delete process.env.WEB_DIST_DIR;
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with a strict Content-Security-Policy, revalidated on every load', async () => {
    const res = await fetch(`${t.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(WEB_CSP).toContain("default-src 'none'");
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).toContain("connect-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<div id="app"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from another origin
  });

  it('serves the hashed assets for a year, and none of them refers to another origin', async () => {
    const html = await (await fetch(`${t.baseUrl}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((p) => p.endsWith('.js'))).toBe(true);
    expect(assets.some((p) => p.endsWith('.css'))).toBe(true);
    for (const path of assets) {
      const res = await fetch(`${t.baseUrl}/${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      const text = await res.text();
      // The only URL in the bundle is the SVG namespace name (an identifier, never fetched).
      expect([...text.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
      expect(text).not.toMatch(/@import|fonts\.googleapis|cdn\./);
    }
  });

  it('leaves the API to Nest: unknown files and routes are 404s, API answers have no page CSP', async () => {
    expect((await fetch(`${t.baseUrl}/nope.js`)).status).toBe(404);
    const api = await fetch(`${t.baseUrl}/api/nope`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/json/);
    const health = await fetch(`${t.baseUrl}/api/ingest/health`);
    expect(health.headers.get('content-security-policy')).toBeNull();
  });

  it("GET /api/dashboard/stores lists the reader's organisation's stores with their time zones", async () => {
    const r = await t.call('GET', '/api/dashboard/stores', { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      stores: [
        { store_id: 'srv_a1', name: 'Store srv_a1', timezone: 'Asia/Kolkata', opening_hours: null, capacity: null },
        { store_id: 'srv_a2', name: 'Store srv_a2', timezone: 'Europe/Paris', opening_hours: null, capacity: null },
      ],
    });
    const admin = await t.admin('GET', '/api/dashboard/stores');
    expect(admin.body.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['srv_a1', 'srv_a2', 'srv_other']);
    expect((await t.call('GET', '/api/dashboard/stores')).status).toBe(401);
    expect((await t.call('GET', '/api/dashboard/stores', { token: 'wink_view_nope' })).status).toBe(401);
    expect((await t.call('GET', '/api/dashboard/stores', { token: a.apiKey })).status).toBe(403);
  });

  it('finds the build in <package root>/dist/web by default, and says how to build it when it is missing', async () => {
    expect(webDistDir({})).toBe(join(REPO_ROOT, 'dist', 'web'));
    expect(webDistDir({ WEB_DIST_DIR: '/srv/web' })).toBe('/srv/web');
    const empty = mkdtempSync(join(tmpdir(), 'wink-web-empty-'));
    process.env.WEB_DIST_DIR = empty;
    const bare = await startTestApp();
    try {
      const res = await fetch(`${bare.baseUrl}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      process.env.WEB_DIST_DIR = dir;
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('npm run build:web writes the page, one script and one stylesheet', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toMatch(/<script defer src="assets\/main-[A-Z0-9]+\.js"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="assets\/main-[A-Z0-9]+\.css">/);
    expect(html).toContain('lang="en"');
  });
});
