// Completeness of many stores in one read (DataCompleteness.forStores, used by the comparison report) on real
// PostgreSQL: the same figures as reading each store on its own (forBuckets), for stores read from compacted days,
// from raw heartbeats, from both, and for stores without heartbeats or without cameras. The stores share camera
// ids, so a batch that mixed their rows up would show.
import { DataSource } from 'typeorm';
import { localHourStarts, startOfLocalDay } from '../../src/common/store-clock.ts';
import type { TimeBucket } from '../../src/ingest/data-completeness.ts';
import { DataCompleteness, type StoreCompleteness } from '../../src/ingest/data-completeness.service.ts';
import { HeartbeatCompactor } from '../../src/ingest/heartbeat-compactor.service.ts';
import { PARTITIONED_TABLES } from '../../src/ingest/partitioned-tables.ts';
import { monthOf } from '../../src/retention/partition-planner.ts';
import { TimePartitions } from '../../src/retention/time-partitions.service.ts';
import { provisionCamera, startTestApp, type TestApp } from '../test-app.ts';

const NOW = Date.parse('2030-03-10T15:20:00Z');
const DAY = 86_400_000;

/**
 * Heartbeats of one camera every 30 s over [from, to): streaming, except an outage of `outageMin` minutes each day
 * from `outageAt` (UTC), and a stall (fps under the target) for 10 minutes from 14:00 UTC.
 */
async function heartbeats(ds: DataSource, storeId: string, cameraId: string, from: string, to: string, outageAt: string, outageMin: number): Promise<void> {
  await ds.query(
    `INSERT INTO camera_heartbeats (store_id, camera_id, device_ts, received_at, status_data)
     SELECT $1, $2, g, g, CASE WHEN (g AT TIME ZONE 'UTC')::time >= '14:00' AND (g AT TIME ZONE 'UTC')::time < '14:10'
         THEN '{"stream_state":"streaming","fps_achieved":1,"target_fps":5}' ELSE '{"stream_state":"streaming","fps_achieved":5,"target_fps":5}' END::jsonb
     FROM generate_series($3::timestamptz, $4::timestamptz - interval '1 millisecond', interval '30 seconds') g
     WHERE NOT ((g AT TIME ZONE 'UTC')::time >= $5::time AND (g AT TIME ZONE 'UTC')::time < $5::time + make_interval(mins => $6))`,
    [storeId, cameraId, from, to, outageAt, outageMin],
  );
}

/** Local hours of `days` dates from `first` in a zone, as buckets. */
const hours = (first: string, days: number, tz: string): TimeBucket[] =>
  localHourStarts(startOfLocalDay(first, tz), startOfLocalDay(first, tz) + days * DAY + 2 * 3_600_000).map((h) => ({ startMs: h, endMs: h + 3_600_000 }));

describe('completeness of many stores in one read (real PostgreSQL)', () => {
  let t: TestApp;
  let completeness: DataCompleteness;
  let buckets: Map<string, TimeBucket[]>;

  beforeAll(async () => {
    t = await startTestApp();
    const ds = t.app.get(DataSource);
    completeness = t.app.get(DataCompleteness);
    const partitions = t.app.get(TimePartitions);
    for (const table of PARTITIONED_TABLES) for (const m of [monthOf(Date.parse('2030-02-15T00:00:00Z')), monthOf(NOW)]) await partitions.createMonth(table, m);
    const org = (await t.admin('POST', '/api/admin/orgs', { name: 'Many stores' })).body.id as string;
    const cam = (storeId: string, cameraId: string, timezone: string, capabilities: string[]) =>
      provisionCamera(t, { orgId: org, storeId, cameraId, timezone, capabilities });
    // compacted: two cameras (the door judges the store), heartbeats from 02-27, compacted up to 03-08, raw after.
    await cam('cov_compacted', 'door', 'Asia/Kolkata', ['entrance']);
    await cam('cov_compacted', 'aisle', 'Asia/Kolkata', ['zones']);
    await heartbeats(ds, 'cov_compacted', 'door', '2030-02-27T06:00:00Z', '2030-03-10T15:20:00Z', '10:00', 20);
    await heartbeats(ds, 'cov_compacted', 'aisle', '2030-02-27T06:00:00Z', '2030-03-10T15:20:00Z', '11:00', 50);
    await t.app.get(HeartbeatCompactor).compact('cov_compacted', Date.parse('2030-03-08T00:00:00Z'));
    // raw: never compacted, another outage time, the same camera id.
    await cam('cov_raw', 'door', 'America/New_York', ['entrance']);
    await heartbeats(ds, 'cov_raw', 'door', '2030-03-03T00:00:00Z', '2030-03-10T15:20:00Z', '16:30', 30);
    // all_compacted: every heartbeat of the period compacted (the common case of a report over past weeks).
    await cam('cov_all_compacted', 'door', 'UTC', ['entrance']);
    await heartbeats(ds, 'cov_all_compacted', 'door', '2030-03-01T00:00:00Z', '2030-03-10T00:00:00Z', '09:00', 15);
    await t.app.get(HeartbeatCompactor).compact('cov_all_compacted', Date.parse('2030-03-10T00:00:00Z'));
    // silent: a camera that never sent a heartbeat; bare: no camera at all.
    await cam('cov_silent', 'door', 'Europe/London', ['entrance']);
    await t.admin('POST', '/api/admin/stores', { org_id: org, store_id: 'cov_bare', name: 'bare', timezone: 'UTC' });
    buckets = new Map([
      ['cov_compacted', hours('2030-02-26', 14, 'Asia/Kolkata')],
      ['cov_raw', hours('2030-03-02', 9, 'America/New_York')],
      ['cov_all_compacted', hours('2030-02-28', 10, 'UTC')],
      ['cov_silent', hours('2030-03-05', 2, 'Europe/London')],
      ['cov_bare', hours('2030-03-05', 2, 'UTC')],
    ]);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('reads every store as it reads each one alone', async () => {
    const many = await completeness.forStores(buckets, NOW);
    expect([...many.keys()]).toEqual([...buckets.keys()]);
    for (const [storeId, b] of buckets) expect(many.get(storeId)).toEqual(await completeness.forBuckets(storeId, b, NOW));
  });

  it('the figures are not trivially equal: outages, stalls, unknown and not-started hours show', async () => {
    const many = await completeness.forStores(buckets, NOW);
    const store = (id: string) => many.get(id)!.store;
    const count = (xs: (number | null)[], f: (x: number | null) => boolean) => xs.filter(f).length;
    const door = (c: StoreCompleteness) => c.cameras.find((x) => x.camera_id === 'door')!.shares;
    // Kolkata 15:00–16:00 (09:30–10:30 UTC) holds the 10:00–10:20 UTC outage: 09:59:30–10:20 lost of the door's hour;
    // the aisle's longer outage (11:00–11:50) does not make the store's next hour worse (only the door judges).
    const kolkata = buckets.get('cov_compacted')!;
    const outage = kolkata.findIndex((b) => b.startMs === Date.parse('2030-03-05T09:30:00Z'));
    expect(store('cov_compacted')[outage]).toBeCloseTo((3600 - 1230) / 3600, 6);
    expect(many.get('cov_compacted')!.cameras.find((x) => x.camera_id === 'aisle')!.shares[outage + 1]).toBeLessThan(0.5);
    expect(store('cov_compacted')[outage + 1]).toBe(1);
    // The same outage on a day still read from raw heartbeats (after the 03-08 mark).
    expect(store('cov_compacted')[kolkata.findIndex((b) => b.startMs === Date.parse('2030-03-09T09:30:00Z'))]).toBeCloseTo((3600 - 1230) / 3600, 6);
    // Before the first heartbeat: unknown; after now: not started.
    expect(store('cov_compacted')[0]).toBeNull();
    expect(store('cov_compacted').at(-1)).toBeNull();
    expect(count(store('cov_compacted'), (x) => x === 1)).toBeGreaterThan(100);
    // The raw store's own outage (16:30 UTC), not the compacted store's (10:00 UTC), though both cameras are "door".
    const ny = buckets.get('cov_raw')!;
    const nyAt = (iso: string) => door(many.get('cov_raw')!)[ny.findIndex((b) => b.startMs === Date.parse(iso))];
    expect(nyAt('2030-03-05T16:00:00Z')).toBeCloseTo((3600 - 1830) / 3600, 6);
    expect(nyAt('2030-03-05T10:00:00Z')).toBe(1);
    // Stalled 14:00–14:10 UTC every day (fps 1 of 5): the beats 14:00:00–14:09:30 vouch for nothing, 14:00–14:09:30 of the hour.
    expect(store('cov_all_compacted')[buckets.get('cov_all_compacted')!.findIndex((b) => b.startMs === Date.parse('2030-03-04T14:00:00Z'))]).toBeCloseTo(
      (3600 - 570) / 3600,
      6,
    );
    expect(store('cov_silent').every((x) => x === null)).toBe(true);
    expect(many.get('cov_bare')).toEqual({ cameras: [], store: buckets.get('cov_bare')!.map(() => null) });
  });

  it('a store asked with no buckets, and no stores at all, read as empty', async () => {
    const none = await completeness.forStores(new Map([['cov_raw', []]]), NOW);
    expect(none.get('cov_raw')).toEqual(await completeness.forBuckets('cov_raw', [], NOW));
    expect(none.get('cov_raw')!.store).toEqual([]);
    expect(await completeness.forStores(new Map(), NOW)).toEqual(new Map());
  });
});
