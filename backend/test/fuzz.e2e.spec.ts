// The border refuses what PostgreSQL cannot store (issue 12): the poison seen in the wild, one request each,
// then a seeded fuzz run over every endpoint that takes caller-supplied values. Never a 5xx; every 400
// names its field; a refused body writes no row.
import { DataSource } from 'typeorm';
import { COUNT_ROWS_SQL, FUZZ_ENDPOINTS, FuzzTally, fuzzRequests, runFuzz, type FuzzScope } from '../../bench/fuzz-bodies.ts';
import { guideBatch } from './guide-examples.ts';
import { provisionCamera, startTestApp, TEST_ADMIN_TOKEN, type ProvisionedCamera, type TestApp } from './test-app.ts';

const FUZZ_BODIES = Number(process.env.FUZZ_BODIES ?? 360);
const NUL = 'must not contain NUL characters (\\u0000)';
const SURROGATE = 'must be valid Unicode (no lone surrogate such as \\ud800)';
const OFFSET = 'must have a UTC offset between -15:59 and +15:59';
const YEARS = 'must be in the years 2000 to 2100';

describe('Poison input at the border (real PostgreSQL and Redis)', () => {
  let t: TestApp;
  let cam: ProvisionedCamera;
  const rows = async () => Number((await t.app.get(DataSource).query(COUNT_ROWS_SQL))[0].n);

  beforeAll(async () => {
    // Reports answer 202 at once: the fuzz run is about the border, not about waiting for workers (none run here).
    t = await startTestApp({ reportWaitMs: 0 });
    cam = await provisionCamera(t, { storeId: 'store_fuzz_001', cameraId: 'cam_entrance_01' });
  });
  afterAll(async () => {
    await t.close();
  });

  const scope = () => ({ org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId });
  const batch = (events: Record<string, unknown>[]) => ({ ...guideBatch(cam, '2024-02-01T12:00:00Z'), events });
  const entrance = (patch: Record<string, unknown>) => ({ type: 'entrance', ts: '2024-02-01T12:00:00Z', direction: 'in', person_key: 'p1', ...patch });
  const zone = (patch: Record<string, unknown>) => ({
    type: 'zone',
    ts: '2024-02-01T12:00:00Z',
    zone_id: 'z',
    enter_ts: '2024-02-01T11:59:00Z',
    exit_ts: '2024-02-01T12:00:00Z',
    dwell_seconds: 60,
    person_key: 'p1',
    ...patch,
  });

  /** Each case: the request, the status and the field and message it must be refused with. */
  const cases: [string, () => Promise<{ status: number; body: any }>, string, string, number?][] = [
    [
      'NUL in heartbeat status_data',
      () =>
        t.call('POST', '/api/ingest/heartbeat', {
          token: cam.apiKey,
          body: { ...scope(), device_ts: '2024-02-01T12:00:00Z', status_data: { state: 'ok\u0000' } },
        }),
      'status_data.state',
      NUL,
    ],
    [
      'a lone surrogate in a status_data key',
      () =>
        t.call('POST', '/api/ingest/heartbeat', {
          token: cam.apiKey,
          body: { ...scope(), device_ts: '2024-02-01T12:00:00Z', status_data: { q: { '\ud800': 1 } } },
        }),
      'status_data.q',
      `keys ${SURROGATE}`,
    ],
    [
      'status_data 100,000 levels deep',
      () =>
        t.call('POST', '/api/ingest/heartbeat', {
          token: cam.apiKey,
          rawBody: `{"org_id":"${cam.orgId}","store_id":"${cam.storeId}","camera_id":"${cam.cameraId}","device_ts":"2024-02-01T12:00:00Z","status_data":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
        }),
      'status_data.a[0][0][0][0][0][0][0]',
      'is nested more than 8 levels deep',
    ],
    [
      'heartbeat device_ts +23:59',
      () => t.call('POST', '/api/ingest/heartbeat', { token: cam.apiKey, body: { ...scope(), device_ts: '2026-12-01T10:00:00+23:59', status_data: {} } }),
      'device_ts',
      OFFSET,
    ],
    ['org name with NUL', () => t.admin('POST', '/api/admin/orgs', { name: 'Acme\u0000' }), 'name', NUL],
    ['org name with a lone surrogate', () => t.admin('POST', '/api/admin/orgs', { name: 'Acme \ud800' }), 'name', SURROGATE],
    [
      'store name with NUL',
      () => t.admin('POST', '/api/admin/stores', { org_id: cam.orgId, store_id: 'store_nul', name: '\u0000', timezone: 'UTC' }),
      'name',
      NUL,
    ],
    [
      'camera name with a lone surrogate',
      () => t.admin('POST', '/api/admin/cameras', { store_id: cam.storeId, camera_id: 'cam_x', name: 'c\udfff', capabilities: ['zones'] }),
      'name',
      SURROGATE,
    ],
    ['viewer key name with NUL', () => t.admin('POST', '/api/admin/api-keys', { org_id: cam.orgId, role: 'viewer', name: 'k\u0000' }), 'name', NUL],
    [
      'ts +23:59',
      () => t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: batch([entrance({}), entrance({ ts: '2026-12-01T10:00:00+23:59' })]) }),
      'events[1].ts',
      OFFSET,
      1,
    ],
    [
      'enter_ts -16:00',
      () => t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: batch([zone({ enter_ts: '2024-02-01T11:00:00-16:00' })]) }),
      'events[0].enter_ts',
      OFFSET,
      0,
    ],
    [
      'exit_ts year 0000',
      () => t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: batch([zone({ exit_ts: '0000-01-01T00:00:00Z' })]) }),
      'events[0].exit_ts',
      YEARS,
      0,
    ],
    [
      'device_ts year 0000',
      () => t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: { ...batch([entrance({})]), device_ts: '0000-12-01T10:00:00Z' } }),
      'device_ts',
      YEARS,
    ],
    ['spikes end_date 0000-01-01', () => t.admin('GET', `/api/analytics/spikes?store_id=${cam.storeId}&end_date=0000-01-01`), 'end_date', YEARS],
    [
      'promo end_date 0000-01-01',
      () => t.admin('GET', `/api/analytics/promo?store_id=${cam.storeId}&start_date=0000-01-01&end_date=0000-01-01`),
      'start_date',
      YEARS,
    ],
    [
      'promo shelf_id with NUL',
      () => t.admin('GET', `/api/analytics/promo?store_id=${cam.storeId}&start_date=2024-01-01&end_date=2024-01-07&shelf_id=a%00`),
      'shelf_id',
      'must not contain control characters',
    ],
    ['history from year 0000', () => t.admin('GET', `/api/dashboard/history?store_id=${cam.storeId}&from=0000-01-01&to=2024-01-02`), 'from', YEARS],
    ['history to +23:59', () => t.admin('GET', `/api/dashboard/history?store_id=${cam.storeId}&from=2024-01-01&to=2024-01-02T00:00:00%2B23:59`), 'to', OFFSET],
  ];

  // (The event index comes as a rest parameter: jest takes a declared parameter the row lacks for a done callback.)
  it.each(cases)('%s → 400 naming the field, nothing written', async (_name, request, field, message, ...eventIndex) => {
    const before = await rows();
    const r = await request();
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ statusCode: 400, error: 'Bad Request', field, message: `${field}: ${message}` });
    expect(r.body.event_index).toBe(eventIndex[0]);
    expect(await rows()).toBe(before);
  });

  it('refuses event ids with lone surrogates (they were stored as one row "r-\ufffd", each answered "duplicate")', async () => {
    const before = await rows();
    for (const [i, id] of ['r-\ud800', 'r-\ud801', 'r-\udfff'].entries()) {
      const events = [entrance({ event_id: 'r-ok-1' }), entrance({ event_id: 'r-ok-2' }), entrance({ event_id: 'r-ok-3' })];
      events[i] = entrance({ event_id: id });
      const r = await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: batch(events) });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        field: `events[${i}].event_id`,
        event_index: i,
        message: `events[${i}].event_id: ${SURROGATE}`,
      });
    }
    expect(await rows()).toBe(before);
    // A real pair (an emoji) is text, stored as sent and distinct from its neighbours.
    const ok = await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: batch([entrance({ event_id: 'r-😀' }), entrance({ event_id: 'r-😁' })]) });
    expect(ok.body).toEqual({ status: 'ok', received: 2, accepted: 2, duplicates: 0 });
    const stored = await t.app.get(DataSource).query(`SELECT event_id FROM entrance_events WHERE event_id LIKE 'r-%' ORDER BY event_id`);
    expect(stored.map((r: { event_id: string }) => r.event_id)).toEqual(['r-😀', 'r-😁']);
  });

  it('keeps good values: +05:30, -15:59, Z and unicode names', async () => {
    const events = [
      entrance({ event_id: 'g1', ts: '2024-02-01T17:30:00+05:30' }),
      zone({ event_id: 'g2', enter_ts: '2024-01-31T20:00:00-15:59', exit_ts: '2024-02-01T12:00:00Z' }),
    ];
    expect((await t.call('POST', '/api/ingest/events', { token: cam.apiKey, body: batch(events) })).body).toMatchObject({ accepted: 2 });
    const org = await t.admin('POST', '/api/admin/orgs', { name: 'Café Ü 店' });
    expect(org.body).toEqual({ id: expect.any(String), name: 'Café Ü 店' });
  });

  it(`a seeded fuzz run of ${FUZZ_BODIES} requests: no 5xx, every 400 names its field, refused bodies write nothing`, async () => {
    const fuzzScope: FuzzScope = { orgId: cam.orgId, storeId: cam.storeId, cameraId: cam.cameraId, edgeKey: cam.apiKey, adminToken: TEST_ADMIN_TOKEN };
    const tally = new FuzzTally();
    await runFuzz(t.baseUrl, fuzzRequests('e2e-1', fuzzScope, FUZZ_BODIES), rows, (r) => tally.add(r));
    const problems = tally.violations.map(({ result, why }) => `${result.request.endpoint} [${result.request.mutation}]: ${why}`);
    expect(problems).toEqual([]);
    // The run exercised both sides of the border on every endpoint (a valid promotion is a 400 here: no rollups, see fuzz-bodies).
    expect([...tally.rows.keys()]).toEqual([...FUZZ_ENDPOINTS]);
    for (const [endpoint, row] of tally.rows)
      expect({ endpoint, accepted: row.ok > 0 || endpoint === 'promo', refused: row.refused > 0 }).toEqual({ endpoint, accepted: true, refused: true });
    process.stdout.write(`${tally.table()}\n`);
  }, 240_000);
});
