/**
 * The OpenAPI document at /api/docs/openapi.json and Swagger UI at /api/docs, against the real app: every route
 * Nest registered is documented with its method, success status and security (derived from the controllers'
 * own metadata, not from a list), the ingest contract is the zod schema's, and the UI loads from the app's
 * own origin only (in Chromium when there is one).
 */
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { chromium } from 'playwright-core';
import { AdminTokenGuard } from '../src/admin/admin-token.guard.ts';
import { ReadAccessGuard } from '../src/admin/read-access.guard.ts';
import { DOCS_PATH, SECURITY } from '../src/common/openapi.ts';
import { EdgeKeyGuard } from '../src/ingest/edge-key.guard.ts';
import { PosKeyGuard } from '../src/sales/pos-key.guard.ts';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './test-app.ts';

interface NestRoute {
  method: string;
  path: string;
  handler: Function;
  controller: Function;
  post: boolean;
}

/** Every route of every controller Nest mounted, from the controllers' metadata (as Nest's RouterExplorer reads it). */
function nestRoutes(t: TestApp): NestRoute[] {
  const discovery = new DiscoveryService(t.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes: NestRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as Function;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = controller.prototype[name];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
      for (const prefix of prefixes) {
        for (const sub of [Reflect.getMetadata(PATH_METADATA, handler)].flat() as string[]) {
          const path =
            '/' +
            [prefix, sub]
              .map((p) => p.replace(/^\/+|\/+$/g, ''))
              .filter(Boolean)
              .join('/');
          routes.push({ method: RequestMethod[method].toLowerCase(), path, handler, controller, post: method === RequestMethod.POST });
        }
      }
    }
  }
  return routes;
}

/**
 * The routes the Fastify server really answers (method + path), read off its route tree: each line of
 * printRoutes is a path relative to its parent line, followed by the methods it answers.
 */
function mountedRoutes(t: TestApp): string[] {
  const tree = (t.app.getHttpAdapter().getInstance() as FastifyInstance).printRoutes({ commonPrefix: false });
  const parents: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    parents.length = depth;
    const path = parents.join('') + m[2];
    parents.push(m[2]);
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push(`${method.toLowerCase()} ${path}`);
  }
  return out;
}

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function guardsOf(r: NestRoute): Function[] {
  return [...(Reflect.getMetadata(GUARDS_METADATA, r.controller) ?? []), ...(Reflect.getMetadata(GUARDS_METADATA, r.handler) ?? [])];
}

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let doc: any;
  let routes: NestRoute[];
  const op = (r: { method: string; path: string }) => doc.paths[toOpenApiPath(r.path)]?.[r.method];

  beforeAll(async () => {
    t = await startTestApp();
    const res = await fetch(`${t.baseUrl}/api/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    doc = await res.json();
    routes = nestRoutes(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is an OpenAPI 3 document with the three Bearer schemes', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('WINK API');
    for (const name of Object.values(SECURITY)) expect(doc.components.securitySchemes[name]).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes[SECURITY.edge].description).toContain('wink_edge_');
    expect(doc.components.securitySchemes[SECURITY.viewer].description).toContain('wink_view_');
    expect(doc.components.securitySchemes[SECURITY.admin].description).toContain('ADMIN_TOKEN');
  });

  it('documents every route Nest registered, with its method, and nothing else', () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    // The enumeration is what the server really answers: every route is mounted, and every mounted route outside
    // the docs themselves and the web dashboard (`/` and its files, `/*`) is one of them.
    const mounted = mountedRoutes(t);
    for (const r of routes) expect(mounted).toContain(`${r.method} ${r.path}`);
    const others = mounted.filter((m) => !routes.some((r) => `${r.method} ${r.path}` === m));
    expect(others.filter((m) => !m.split(' ')[1].startsWith(DOCS_PATH) && m !== 'get /' && !m.includes('*'))).toEqual([]);

    const missing = routes.filter((r) => !op(r)).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort());
    expect(documented.some((d) => d.includes(DOCS_PATH))).toBe(false);
  });

  it('gives every operation a summary, its real success status and, when guarded, 401', () => {
    for (const r of routes) {
      const o = op(r);
      const where = `${r.method.toUpperCase()} ${r.path}`;
      expect([where, typeof o.summary]).toEqual([where, 'string']);
      const success = Reflect.getMetadata(HTTP_CODE_METADATA, r.handler) ?? (r.post ? 201 : 200);
      expect([where, Object.keys(o.responses)]).toEqual([where, expect.arrayContaining([String(success)])]);
      for (const [status, resp] of Object.entries(o.responses as Record<string, { description: string }>)) {
        expect([where, status, resp.description.length > 0]).toEqual([where, status, true]);
      }
      if (guardsOf(r).length)
        expect([where, o.responses['401']?.content['application/json'].schema]).toEqual([where, { $ref: '#/components/schemas/HttpError' }]);
      if (o.requestBody) expect([where, Object.keys(o.responses)]).toEqual([where, expect.arrayContaining(['400', '413'])]);
    }
    expect(doc.components.schemas.HttpError.required).toEqual(['statusCode', 'error', 'message']);
  });

  it("declares the security scheme each route's guard checks; admin routes the admin token", () => {
    const expected = (r: NestRoute) => {
      const guards = guardsOf(r);
      if (guards.includes(AdminTokenGuard)) return [{ [SECURITY.admin]: [] }];
      if (guards.includes(EdgeKeyGuard)) return [{ [SECURITY.edge]: [] }];
      if (guards.includes(PosKeyGuard)) return [{ [SECURITY.pos]: [] }];
      if (guards.includes(ReadAccessGuard)) return [{ [SECURITY.viewer]: [] }, { [SECURITY.admin]: [] }];
      expect(guards).toEqual([]);
      return undefined;
    };
    for (const r of routes) expect([r.method, r.path, op(r).security]).toEqual([r.method, r.path, expected(r)]);

    const admin = routes.filter((r) => r.path.startsWith('/api/admin/'));
    expect(admin.length).toBe(13 + 9 + 2 + 4 + 5 + 2); // + 9 webhook routes (api/admin/orgs/:org_id/webhooks…), + 2 alert rules (api/admin/stores/:store_id/alert-rules), + 3 POS keys and the sales CSV upload, + 5 lifecycle (PATCH/DELETE of orgs and cameras, DELETE of stores), + 2 retention (GET/PUT api/admin/orgs/:org_id/retention)
    for (const r of admin) expect(op(r).security).toEqual([{ [SECURITY.admin]: [] }]);
    expect(op({ method: 'post', path: '/api/analytics/rollups/rebuild' }).security).toEqual([{ [SECURITY.admin]: [] }]);
    expect(op({ method: 'get', path: '/api/analytics/health' }).security).toEqual([{ [SECURITY.admin]: [] }]);
    expect(op({ method: 'post', path: '/api/ingest/events' }).security).toEqual([{ [SECURITY.edge]: [] }]);
    expect(op({ method: 'get', path: '/api/ingest/health' }).security).toBeUndefined();
    expect(op({ method: 'get', path: '/metrics' }).security).toBeUndefined();
  });

  it('describes the ingest batch from the zod contract: its required fields and the four event shapes', () => {
    const o = op({ method: 'post', path: '/api/ingest/events' });
    expect(o.requestBody.required).toBe(true);
    const body = o.requestBody.content['application/json'].schema;
    expect(body.type).toBe('object');
    expect([...body.required].sort()).toEqual(['camera_id', 'device_ts', 'events', 'org_id', 'store_id']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.device_ts).toMatchObject({ type: 'string', format: 'date-time' });
    expect(body.properties.events).toMatchObject({ type: 'array', maxItems: 1000 });

    const items = body.properties.events.items;
    const shapes = (items.oneOf ?? items.anyOf) as any[];
    expect(shapes).toHaveLength(4);
    const byType = Object.fromEntries(shapes.map((s) => [s.properties.type.enum?.[0] ?? s.properties.type.const, s]));
    const fields = {
      entrance: ['type', 'event_id', 'ts', 'direction', 'person_key'],
      zone: ['type', 'event_id', 'ts', 'zone_id', 'enter_ts', 'exit_ts', 'dwell_seconds', 'person_key'],
      shelf: ['type', 'event_id', 'ts', 'shelf_id', 'dwell_seconds', 'person_key'],
      queue: ['type', 'event_id', 'ts', 'queue_id', 'enter_ts', 'exit_ts', 'wait_seconds', 'person_key'],
    };
    expect(Object.keys(byType).sort()).toEqual(Object.keys(fields).sort());
    for (const [type, names] of Object.entries(fields)) {
      expect([type, Object.keys(byType[type].properties).sort()]).toEqual([type, [...names].sort()]);
      expect([type, [...byType[type].required].sort()]).toEqual([type, names.filter((n) => n !== 'event_id').sort()]);
      expect([type, byType[type].additionalProperties]).toEqual([type, false]);
    }
    expect(byType.entrance.properties.direction.enum).toEqual(['in', 'out']);
    expect(byType.zone.properties.dwell_seconds).toMatchObject({ type: 'number', minimum: 0, maximum: 86400 });
  });

  it('derives other bodies, query and path parameters from the DTOs', () => {
    const store = op({ method: 'post', path: '/api/admin/stores' }).requestBody.content['application/json'].schema;
    expect([...store.required].sort()).toEqual(['name', 'org_id', 'store_id', 'timezone']);
    expect(store.properties.org_id.format).toBe('uuid');
    const camera = op({ method: 'post', path: '/api/admin/cameras' }).requestBody.content['application/json'].schema;
    expect(camera.properties.capabilities.items.enum).toEqual(['entrance', 'zones', 'shelves', 'queue']);

    const params = (method: string, path: string) => Object.fromEntries((op({ method, path }).parameters as any[]).map((p) => [`${p.in}:${p.name}`, p]));
    const history = params('get', '/api/dashboard/history');
    expect(Object.keys(history).sort()).toEqual(['query:from', 'query:granularity', 'query:store_id', 'query:to']);
    expect(history['query:store_id'].required).toBe(true);
    expect(history['query:granularity']).toMatchObject({ required: false, schema: { enum: ['hour', 'day'], default: 'day' } });
    const promo = params('get', '/api/analytics/promo');
    expect(promo['query:start_date']).toMatchObject({ required: true, schema: { type: 'string', format: 'date' } });
    expect(promo['query:baseline_weeks']).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 12 } });
    expect(params('get', '/api/analytics/spikes')['query:days'].schema).toMatchObject({ type: 'integer', default: 7 });
    expect(params('get', '/api/analytics/reports/:id')['path:id']).toMatchObject({ required: true, schema: { format: 'uuid' } });
    expect(Object.keys(params('delete', '/api/admin/edge-keys/:id'))).toEqual(['path:id']);
    // Deleting a store or an organisation always says what happens to its data.
    for (const path of ['/api/admin/stores/:store_id', '/api/admin/orgs/:org_id']) {
      expect(params('delete', path)['query:data']).toMatchObject({ required: true, schema: { enum: ['delete', 'keep'] } });
    }
    expect(Object.keys(params('patch', '/api/admin/cameras/:store_id/:camera_id')).sort()).toEqual(['path:camera_id', 'path:store_id']);
    expect(op({ method: 'patch', path: '/api/admin/orgs/:org_id' }).requestBody.content['application/json'].schema.properties.disabled.type).toBe('boolean');
    expect(op({ method: 'get', path: '/api/analytics/spikes' }).responses['202']).toBeDefined();
  });

  it('serves Swagger UI at /api/docs from the app itself', async () => {
    const res = await fetch(`${t.baseUrl}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    // The same page with a query string or a trailing slash carries the same policy.
    for (const variant of ['/api/docs?x=1', '/api/docs/']) {
      expect((await fetch(`${t.baseUrl}${variant}`)).headers.get('content-security-policy')).toContain("default-src 'none'");
    }
    const html = await res.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    expect(html).toContain('<title>WINK API</title>');

    const refs = [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]); // nothing from another origin
    const base = new URL(`${t.baseUrl}/api/docs`);
    for (const ref of refs) {
      const url = new URL(ref, base);
      expect(url.origin).toBe(t.baseUrl);
      const asset = await fetch(url);
      expect([ref, asset.status]).toEqual([ref, 200]);
      if (ref.endsWith('.js')) expect(asset.headers.get('content-type')).toMatch(/javascript/);
      if (ref.endsWith('.css')) expect(asset.headers.get('content-type')).toMatch(/text\/css/);
      const text = await asset.text();
      if (ref.endsWith('swagger-ui-init.js')) {
        expect(text).toContain('"validatorUrl": null'); // no badge from validator.swagger.io
        expect(text).not.toMatch(/https?:\/\//);
        expect(text).toContain('"/api/ingest/events"');
      } else if (ref.endsWith('.js')) {
        expect(text.length).toBeGreaterThan(1000);
      }
    }
    // swagger-ui-dist's demo initializer (petstore.swagger.io) is not served.
    expect((await fetch(`${t.baseUrl}/api/docs/swagger-initializer.js`)).status).toBe(404);
  });

  const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  (existsSync(CHROMIUM) ? it : it.skip)(
    'renders every operation in Chromium, tries one out, and requests nothing outside the app',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      try {
        const ctx = await browser.newContext();
        const outside: string[] = [];
        const problems: string[] = [];
        await ctx.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith(`${t.baseUrl}/`) || url.startsWith('data:')) return route.continue();
          outside.push(url);
          return route.abort();
        });
        const page = await ctx.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(String(e)));
        await page.goto(`${t.baseUrl}/api/docs`, { waitUntil: 'networkidle' });
        await page.waitForSelector('.opblock', { timeout: 15_000 });
        expect(await page.locator('.opblock').count()).toBe(routes.length);
        expect(await page.locator('.information-container .title').innerText()).toContain('WINK API');
        expect(await page.locator('.opblock-tag').allInnerTexts()).toEqual(
          ['Admin', 'Ingest', 'Dashboard', 'Analytics', 'Sales', 'Metrics', 'Alerts'].map((x) => expect.stringContaining(x)),
        );

        // Try it out through the page: authorize with the admin token, list organisations.
        await page.click('.auth-wrapper button.authorize');
        const adminBox = page.locator('.auth-container').filter({ hasText: SECURITY.admin });
        await adminBox.locator('input').fill(TEST_ADMIN_TOKEN);
        await adminBox.locator('button.authorize').click();
        await page.click('.auth-btn-wrapper button.btn-done');
        const listOrgs = page.locator('#operations-Admin-AdminController_listOrgs');
        await listOrgs.locator('.opblock-summary').click();
        await listOrgs.locator('button.try-out__btn').click();
        await listOrgs.locator('button.execute').click();
        await listOrgs.locator('.live-responses-table tbody td.response-col_status').first().waitFor();
        expect((await listOrgs.locator('.live-responses-table tbody td.response-col_status').first().innerText()).trim()).toBe('200');
        expect(await listOrgs.locator('.live-responses-table tbody td.response-col_description').first().innerText()).toContain('"orgs"');
        expect(outside).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
