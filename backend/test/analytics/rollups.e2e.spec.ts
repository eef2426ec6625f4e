import type { StoreEvent } from '../../../shared/src/events.ts';
import { HourlyRollup } from '../../src/analytics/hourly-rollup.service.ts';
import type { TestApp } from '../test-app.ts';
import { closeAnalyticsApp, drain, ingest, provisionCamera, sql, startAnalyticsApp } from './analytics-harness.ts';

const ROWS = `SELECT to_char(hour_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS hour, kind, subject_id, local_date::text AS local_date, local_hour, iso_dow,
                     event_count, exit_count, seconds_sum, version::int AS version
              FROM hourly_rollups WHERE store_id = $1 ORDER BY hour_start, kind, subject_id`;

const at = (iso: string, s = 0) => new Date(Date.parse(iso) + s * 1000).toISOString();

function visit(id: string, t: string): StoreEvent[] {
  return [
    { type: 'entrance', event_id: `${id}-in`, ts: t, direction: 'in', person_key: id },
    { type: 'zone', event_id: `${id}-z`, ts: at(t, 120), zone_id: 'electronics', enter_ts: at(t, 30), exit_ts: at(t, 120), dwell_seconds: 90, person_key: id },
    { type: 'shelf', event_id: `${id}-s`, ts: at(t, 100), shelf_id: 'shelf_A1', dwell_seconds: 12.5, person_key: id },
    {
      type: 'queue',
      event_id: `${id}-q`,
      ts: at(t, 400),
      queue_id: 'checkout_1',
      enter_ts: at(t, 300),
      exit_ts: at(t, 400),
      wait_seconds: 100,
      person_key: id,
    },
    { type: 'entrance', event_id: `${id}-out`, ts: at(t, 600), direction: 'out', person_key: id },
  ];
}

describe('Hourly rollups (real PostgreSQL, Redis and BullMQ workers)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startAnalyticsApp();
  });
  afterAll(async () => {
    await closeAnalyticsApp(t);
  });

  it('rolls stored events into one row per store-local hour and subject', async () => {
    const cam = await provisionCamera(t, { storeId: 'roll_utc', cameraId: 'cam_1' });
    await ingest(t, cam, [...visit('p1', '2024-01-15T10:05:00Z'), ...visit('p2', '2024-01-15T10:20:00Z'), ...visit('p3', '2024-01-15T11:50:00Z')]);
    await drain(t);
    const rows = await sql(t, ROWS, ['roll_utc']);
    const pick = (hour: string, kind: string) => rows.find((r) => r.hour === hour && r.kind === kind);
    expect(pick('2024-01-15T10:00Z', 'entrance')).toMatchObject({
      subject_id: '',
      event_count: 2,
      exit_count: 2,
      local_date: '2024-01-15',
      local_hour: 10,
      iso_dow: 1,
    });
    expect(pick('2024-01-15T10:00Z', 'zone')).toMatchObject({ subject_id: 'electronics', event_count: 2, seconds_sum: 180 });
    expect(pick('2024-01-15T10:00Z', 'shelf')).toMatchObject({ subject_id: 'shelf_A1', event_count: 2, seconds_sum: 25 });
    expect(pick('2024-01-15T10:00Z', 'queue')).toMatchObject({ subject_id: 'checkout_1', event_count: 2, seconds_sum: 200 });
    // p3 entered at 11:50 and left at 12:00: each event counts in the hour it happened.
    expect(pick('2024-01-15T11:00Z', 'entrance')).toMatchObject({ event_count: 1, exit_count: 0 });
    expect(pick('2024-01-15T11:00Z', 'queue')).toMatchObject({ event_count: 1, seconds_sum: 100 });
    expect(pick('2024-01-15T12:00Z', 'entrance')).toMatchObject({ event_count: 0, exit_count: 1 });
    expect(rows).toHaveLength(4 + 4 + 1);
  });

  it('re-running an hour gives the same rows, versions included', async () => {
    const before = await sql(t, ROWS, ['roll_utc']);
    const rollup = t.app.get(HourlyRollup);
    const from = Date.parse('2024-01-15T00:00:00Z');
    const out = await rollup.rollUp('roll_utc', from, from + 86_400_000);
    await rollup.rollUp('roll_utc', from + 10 * 3_600_000, from + 11 * 3_600_000);
    expect(out).toMatchObject({ changed: 0, events: 15 }); // 3 visits × 5 events
    expect(await sql(t, ROWS, ['roll_utc'])).toEqual(before);
  });

  it('late events (an edge offline for hours) re-roll their hours; other hours keep their version', async () => {
    const before = await sql(t, ROWS, ['roll_utc']);
    const cam = await provisionCamera(t, {
      storeId: 'roll_utc',
      cameraId: 'cam_late',
      orgId: (await sql<{ org_id: string }>(t, `SELECT org_id FROM stores WHERE store_id = 'roll_utc'`))[0].org_id,
    });
    await ingest(t, cam, visit('late1', '2024-01-15T10:40:00Z'));
    await drain(t);
    const after = await sql(t, ROWS, ['roll_utc']);
    const key = (r: Record<string, unknown>) => `${r.hour}|${r.kind}|${r.subject_id}`;
    const old = new Map(before.map((r) => [key(r), r]));
    const e10 = after.find((r) => r.hour === '2024-01-15T10:00Z' && r.kind === 'entrance')!;
    expect(e10).toMatchObject({ event_count: 3, exit_count: 3 }); // the late visitor came at 10:40 and left at 10:50
    expect(e10.version).toBeGreaterThan(old.get(key(e10))!.version as number);
    const untouched = after.filter((r) => r.hour !== '2024-01-15T10:00Z');
    for (const r of untouched) expect(r).toEqual(old.get(key(r)));
  });

  it('keys rows by store-local hour: :30 zones split at local midnight, a DST fall-back day has two 01:00 hours', async () => {
    const kol = await provisionCamera(t, { storeId: 'roll_kolkata', cameraId: 'cam_1', timezone: 'Asia/Kolkata' });
    await ingest(t, kol, [
      { type: 'entrance', event_id: 'k1', ts: '2024-01-14T18:29:00Z', direction: 'in', person_key: 'k1' }, // 23:59 local, Sunday
      { type: 'entrance', event_id: 'k2', ts: '2024-01-14T18:31:00Z', direction: 'in', person_key: 'k2' }, // 00:01 local, Monday
    ]);
    const ny = await provisionCamera(t, { storeId: 'roll_newyork', cameraId: 'cam_1', timezone: 'America/New_York' });
    await ingest(t, ny, [
      { type: 'entrance', event_id: 'n1', ts: '2024-11-03T05:30:00Z', direction: 'in', person_key: 'n1' }, // 01:30 EDT
      { type: 'entrance', event_id: 'n2', ts: '2024-11-03T06:30:00Z', direction: 'in', person_key: 'n2' }, // 01:30 EST
      { type: 'entrance', event_id: 'n3', ts: '2024-11-03T06:45:00Z', direction: 'in', person_key: 'n3' },
    ]);
    await drain(t);
    expect((await sql(t, ROWS, ['roll_kolkata'])).map((r) => [r.hour, r.local_date, r.local_hour, r.iso_dow, r.event_count])).toEqual([
      ['2024-01-14T17:30Z', '2024-01-14', 23, 7, 1],
      ['2024-01-14T18:30Z', '2024-01-15', 0, 1, 1],
    ]);
    expect((await sql(t, ROWS, ['roll_newyork'])).map((r) => [r.hour, r.local_date, r.local_hour, r.event_count])).toEqual([
      ['2024-11-03T05:00Z', '2024-11-03', 1, 1],
      ['2024-11-03T06:00Z', '2024-11-03', 1, 2],
    ]);
  });

  describe('POST /api/analytics/rollups/rebuild', () => {
    it("re-rolls a store's history from its events (admin only)", async () => {
      await sql(t, `DELETE FROM hourly_rollups WHERE store_id = 'roll_utc'`);
      const r = await t.admin('POST', '/api/analytics/rollups/rebuild', { store_id: 'roll_utc' });
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ store_id: 'roll_utc', from: '2024-01-15T10:05:00.000Z', jobs: 1 });
      await drain(t);
      const rows = await sql(t, ROWS, ['roll_utc']);
      expect(rows.filter((x) => x.kind === 'entrance').reduce((a, x) => a + (x.event_count as number), 0)).toBe(4);
    });

    it.each([
      ['no admin token', null, { store_id: 'roll_utc' }, 401, 'authorization'],
      ['bad store id', 'admin', { store_id: 'no spaces' }, 400, 'store_id'],
      ['bad date', 'admin', { store_id: 'roll_utc', start_date: '2024-02-30' }, 400, 'start_date'],
      ['end before start', 'admin', { store_id: 'roll_utc', start_date: '2024-02-03', end_date: '2024-02-01' }, 400, 'end_date'],
      ['unknown field', 'admin', { store_id: 'roll_utc', days: 3 }, 400, 'days'],
      ['unknown store', 'admin', { store_id: 'nowhere' }, 404, 'store_id'],
    ])('refuses %s', async (_, who, body, status, field) => {
      const r = await t.call('POST', '/api/analytics/rollups/rebuild', { token: who ? t.config.adminToken : null, body });
      expect(r.status).toBe(status);
      expect(r.body.field).toBe(field);
      expect(r.body.message).toMatch(new RegExp(`^${field}: `));
    });
  });
});
