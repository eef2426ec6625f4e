// Security hardening, end to end on the real app (PostgreSQL + Redis): failed authentication throttled per
// address, unknown keys answered from memory, new keys usable at once everywhere, API headers, no credentials
// in query strings (nor in the log), and another organisation's store answered exactly like a missing one.
import { randomBytes } from 'node:crypto';
import { EdgeKeyService } from '../src/admin/edge-key.service.ts';
import { StoreDirectory } from '../src/admin/store-directory.service.ts';
import { ViewerKeyService } from '../src/admin/viewer-key.service.ts';
import { keyChangesSubscribed, startSibling } from './dashboard/dashboard-fixtures.ts';
import { guideBatch } from './guide-examples.ts';
import { provisionCamera, startTestApp, TEST_ADMIN_TOKEN, type ProvisionedCamera, type TestApp } from './test-app.ts';

const randomKey = (prefix: 'wink_edge_' | 'wink_view_') => prefix + randomBytes(32).toString('base64url');

async function send(baseUrl: string, method: string, path: string, token: string | null, body?: unknown) {
  const headers: Record<string, string> = { connection: 'close' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** `wink_key_lookups_total{result}` of one app: how many key lookups went to PostgreSQL. */
async function keyLookups(baseUrl: string, result: 'live' | 'unknown'): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { connection: 'close' } })).text();
  const m = new RegExp(`^wink_key_lookups_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('failed authentication, throttled per client address (two API processes sharing Redis)', () => {
  let t: TestApp;
  let sibling: Awaited<ReturnType<typeof startSibling>>;
  let cam: ProvisionedCamera;
  let viewer: string;
  beforeAll(async () => {
    t = await startTestApp();
    sibling = await startSibling(t.config);
    cam = await provisionCamera(t, { storeId: 'store_sec_001', cameraId: 'cam_1' });
    viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' })).body.api_key;
  });
  afterAll(async () => {
    await sibling.app.close();
    await t.close();
  });

  const ingest = (baseUrl: string, key: string | null) => send(baseUrl, 'POST', '/api/ingest/events', key, guideBatch(cam));
  /** Fails until the address is throttled (again, should its minute have run out meanwhile). */
  const throttled = async () => {
    for (let i = 0; i < 25; i++) if ((await ingest(t.baseUrl, randomKey('wink_edge_'))).status === 429) return;
    throw new Error('never throttled');
  };

  it('answers the 21st failure of an address 429 with Retry-After, counted across processes; good keys are still served', async () => {
    // 20 failures of every kind (no key, unknown edge key, unknown viewer key, junk, wrong admin token), split across the two processes.
    const failures = [
      () => ingest(t.baseUrl, null),
      () => ingest(sibling.baseUrl, randomKey('wink_edge_')),
      () => send(t.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, randomKey('wink_view_')),
      () => send(sibling.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, 'not-a-key'),
      () => send(t.baseUrl, 'GET', '/api/admin/orgs', 'wrong-admin-token-0123456789'),
    ];
    for (let i = 0; i < 20; i++) {
      const r = await failures[i % failures.length]();
      expect(r.status).toBe(401);
      expect(r.headers.get('x-ratelimit-remaining')).toBe(String(19 - i));
      expect(r.headers.get('retry-after')).toBeNull();
    }

    const over = await ingest(t.baseUrl, randomKey('wink_edge_'));
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.parse(over.text)).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      field: 'authorization',
      message: `authorization: too many failed attempts from this address; retry in ${retryAfter} s`,
    });
    expect((await send(sibling.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, null)).status).toBe(429);

    // Good keys from the same address: served by both processes.
    for (const base of [t.baseUrl, sibling.baseUrl]) {
      expect((await ingest(base, cam.apiKey)).status).toBe(200);
      expect((await send(base, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer)).status).toBe(200);
    }
    expect(await (await fetch(`${t.baseUrl}/metrics`, { headers: { connection: 'close' } })).text()).toMatch(/^wink_auth_throttled_total [1-9]\d*$/m);
  });

  it('never throttles an edge key: a burst of 500 ingest requests from the throttled address is all 200', async () => {
    await throttled();
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 500) {
          next++;
          statuses.push((await ingest(next % 2 ? t.baseUrl : sibling.baseUrl, cam.apiKey)).status);
        }
      }),
    );
    expect(statuses).toHaveLength(500);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);

  it('does not even compare the admin token from a throttled address (it is the one guessable secret)', async () => {
    await throttled();
    const r = await send(t.baseUrl, 'GET', '/api/admin/orgs', TEST_ADMIN_TOKEN);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await send(t.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, TEST_ADMIN_TOKEN)).status).toBe(429);
  });
});

describe('failed authentication while Redis is down', () => {
  it("is still throttled, counted in the process's memory", async () => {
    const down = await startTestApp({ redisUrl: 'redis://127.0.0.1:1', authFailuresPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await send(down.baseUrl, 'GET', '/api/admin/orgs', 'wrong-admin-token-0123456789')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await down.close();
    }
  });
});

describe('unknown keys and new keys (two API processes)', () => {
  let t: TestApp;
  let sibling: Awaited<ReturnType<typeof startSibling>>;
  let cam: ProvisionedCamera;
  beforeAll(async () => {
    t = await startTestApp({ authFailuresPerMinute: 10_000 });
    sibling = await startSibling(t.config);
    cam = await provisionCamera(t, { storeId: 'store_keys_001', cameraId: 'cam_1' });
  });
  afterAll(async () => {
    await sibling.app.close();
    await t.close();
  });

  it('looks an unknown key up in PostgreSQL once, not once per request', async () => {
    const edge = randomKey('wink_edge_');
    const view = randomKey('wink_view_');
    const before = await keyLookups(t.baseUrl, 'unknown');
    for (let i = 0; i < 100; i++) {
      expect((await send(t.baseUrl, 'POST', '/api/ingest/events', edge, guideBatch(cam))).status).toBe(401);
      expect((await send(t.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, view)).status).toBe(401);
    }
    expect(await keyLookups(t.baseUrl, 'unknown')).toBe(before + 2); // one per key
  });

  it('accepts a new key at once in every process, even one that was just refused as unknown', async () => {
    await keyChangesSubscribed(t.config);
    const edgeKeys = t.app.get(EdgeKeyService);
    const viewerKeys = t.app.get(ViewerKeyService);
    const edge = randomKey('wink_edge_');
    const view = randomKey('wink_view_');
    const live = (base: string) => send(base, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, view);
    const ingest = (base: string) => send(base, 'POST', '/api/ingest/events', edge, guideBatch(cam));
    // Both processes learn both keys as unknown (and answer them from memory from then on).
    for (const base of [t.baseUrl, sibling.baseUrl]) {
      for (let i = 0; i < 2; i++) {
        expect((await ingest(base)).status).toBe(401);
        expect((await live(base)).status).toBe(401);
      }
    }
    const lookups = await keyLookups(sibling.baseUrl, 'unknown');
    expect((await ingest(sibling.baseUrl)).status).toBe(401);
    expect(await keyLookups(sibling.baseUrl, 'unknown')).toBe(lookups); // remembered, not looked up

    // Then exactly those keys are issued (on the first process).
    const [newEdge, newView] = [edgeKeys.newKey, viewerKeys.newKey];
    edgeKeys.newKey = () => edge;
    viewerKeys.newKey = () => view;
    try {
      expect((await t.admin('POST', '/api/admin/edge-keys', { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId })).body.api_key).toBe(edge);
      expect((await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' })).body.api_key).toBe(view);
    } finally {
      edgeKeys.newKey = newEdge;
      viewerKeys.newKey = newView;
    }
    for (const base of [t.baseUrl, sibling.baseUrl]) {
      expect((await ingest(base)).status).toBe(200);
      expect((await live(base)).status).toBe(200);
    }
  });
});

describe('API answers and query strings', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  let viewer: string;
  beforeAll(async () => {
    t = await startTestApp({ logLevel: 'info' });
    cam = await provisionCamera(t, { storeId: 'store_hdr_001', cameraId: 'cam_1' });
    viewer = (await t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer' })).body.api_key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('carries nosniff and no-store on every API answer, errors included', async () => {
    const answers = [
      await send(t.baseUrl, 'GET', '/api/ingest/health', null),
      await send(t.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, viewer),
      await send(t.baseUrl, 'GET', `/api/dashboard/live?store_id=${cam.storeId}`, null),
      await send(t.baseUrl, 'GET', '/api/admin/orgs', TEST_ADMIN_TOKEN),
      await send(t.baseUrl, 'POST', '/api/ingest/events', cam.apiKey, guideBatch(cam)),
      await send(t.baseUrl, 'GET', '/api/no-such-route', null),
      await send(t.baseUrl, 'GET', '/metrics', null),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 200, 200, 404, 200]);
    for (const a of answers) {
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      expect(a.headers.get('cache-control')).toBe('no-store');
    }
    // The static dashboard keeps its own caching.
    expect((await send(t.baseUrl, 'GET', '/', null)).headers.get('cache-control')).not.toBe('no-store');
  });

  it.each(['token', 'api_key', 'access_token', 'store_id'])(
    'refuses a key in the query string (?%s=…) with 400 naming it, and never logs it',
    async (param) => {
      const path = param === 'store_id' ? `/api/dashboard/live?store_id=${viewer}` : `/api/dashboard/live?store_id=${cam.storeId}&${param}=${viewer}`;
      const r = await send(t.baseUrl, 'GET', path, viewer);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        field: param,
        message: `${param}: credentials are not accepted in the query string; send the key as "Authorization: Bearer <key>"`,
      });
      const lines = t.logs.map((l) => JSON.parse(l));
      const expected = param === 'store_id' ? '/api/dashboard/live?store_id=[redacted]' : `/api/dashboard/live?store_id=[redacted]&${param}=[redacted]`;
      expect(lines.some((l) => l.req?.url === expected && l.res?.statusCode === 400)).toBe(true);
      expect(t.logs.join('\n')).not.toContain(viewer.slice('wink_view_'.length));
    },
  );
});

describe("another organisation's store answers exactly like a missing one", () => {
  let t: TestApp;
  let camA: ProvisionedCamera;
  let viewerA: string;
  beforeAll(async () => {
    t = await startTestApp();
    camA = await provisionCamera(t, { storeId: 'store_own_001', cameraId: 'cam_1' });
    viewerA = (await t.admin('POST', '/api/admin/api-keys', { org_id: camA.orgId, role: 'viewer' })).body.api_key;
  });
  afterAll(async () => {
    await t.close();
  });

  it("same status, same bytes, same single lookup filtered on the reader's organisation", async () => {
    const paths = [
      '/api/dashboard/live?store_id=store_other_001',
      '/api/dashboard/cameras?store_id=store_other_001',
      '/api/dashboard/history?store_id=store_other_001&from=2024-01-01&to=2024-01-02',
    ];
    const directory = t.app.get(StoreDirectory);
    const findStore = directory.findStore;
    const calls: unknown[][] = [];
    directory.findStore = (...args: Parameters<StoreDirectory['findStore']>) => {
      calls.push(args);
      return findStore.apply(directory, args);
    };
    try {
      const read = async () => {
        const out: { status: number; text: string }[] = [];
        for (const p of paths) out.push(await send(t.baseUrl, 'GET', p, viewerA).then(({ status, text }) => ({ status, text })));
        return out;
      };
      const missing = await read();
      const missingCalls = calls.splice(0);

      // Now the store exists, in another organisation, and the admin's read has put it in the app's store cache.
      await provisionCamera(t, { storeId: 'store_other_001', cameraId: 'cam_1' });
      expect((await send(t.baseUrl, 'GET', paths[0], TEST_ADMIN_TOKEN)).status).toBe(200);
      calls.splice(0);
      const foreign = await read();

      expect(missing.map((r) => r.status)).toEqual([404, 404, 404]);
      expect(foreign).toEqual(missing);
      expect(missing[0].text).toBe('{"statusCode":404,"error":"Not Found","message":"store_id: store store_other_001 does not exist","field":"store_id"}');
      // One query each, with the organisation filter in SQL — not a lookup then a comparison.
      expect(calls).toEqual(missingCalls);
      expect(calls).toEqual(paths.map(() => ['store_other_001', camA.orgId]));
    } finally {
      directory.findStore = findStore;
    }
  });
});
