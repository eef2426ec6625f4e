import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { TestApp } from '../test-app.ts';
import {
  closeAnalyticsApp,
  entrances,
  HOUR,
  ingest,
  provisionCamera,
  queues,
  seededRandom,
  spawnWorker,
  sql,
  startAnalyticsApp,
  waitFor,
} from './analytics-harness.ts';

// Same namespace as HourlyRollup's per-store advisory lock ('WINK').
const ROLLUP_LOCK_NAMESPACE = 0x57494e4b;
/** A worker process started from the TypeScript sources: seconds idle, minutes on a loaded 2-core machine. */
const START_MS = 180_000;

describe('a worker process killed mid-job (real PostgreSQL, Redis and BullMQ worker processes)', () => {
  let t: TestApp;
  const children: ChildProcess[] = [];
  // API only: the jobs must be taken by the worker processes this test starts and kills.
  beforeAll(async () => {
    t = await startAnalyticsApp({ runWorkers: false });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await closeAnalyticsApp(t);
  });

  it('the job is taken over by another worker after its lock expires, completes once, and no row is doubled', async () => {
    const cam = await provisionCamera(t, { storeId: 'crash_store', cameraId: 'cam_1', capabilities: ['entrance'] });
    const { rollup } = queues(t);
    // Hold the store's rollup lock, so the first worker's job blocks inside its transaction: mid-job.
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [ROLLUP_LOCK_NAMESPACE, 'crash_store']);

    const hour = Date.parse('2024-05-06T10:00:00Z');
    const stored = await ingest(t, cam, [...entrances(hour, 40, 'a', seededRandom(1)), ...entrances(hour + HOUR, 25, 'b', seededRandom(2))]);
    expect(stored).toBe(65);
    const jobIds = (await rollup.getJobs(['delayed', 'waiting'])).filter((j) => j.name === 'rollup').map((j) => j.id!);
    expect(jobIds).toHaveLength(2); // one per hour touched

    // As scale-out.e2e: long enough that a loaded but live worker keeps its lock (a lapse would count as a stall);
    // the stall check runs every lock period, so the dead worker's job is still taken over within seconds.
    const lockMs = '5000';
    const first = spawnWorker(t, { ANALYTICS_JOB_LOCK_MS: lockMs });
    children.push(first);
    // Mid-job: the worker holds the BullMQ job and its PostgreSQL session waits on the lock.
    await waitFor('the first worker to start a job', async () => (await rollup.getJobs(['active'])).length > 0, START_MS);
    await waitFor(
      'its transaction to block on the store lock',
      async () =>
        (
          await sql(
            t,
            `SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                     WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted`,
          )
        ).length > 0,
      60_000,
    );
    const killedJob = (await rollup.getJobs(['active']))[0];
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await holder.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [ROLLUP_LOCK_NAMESPACE, 'crash_store']);
    await holder.end();
    // Nothing was committed by the dead worker.
    expect(await sql(t, `SELECT * FROM hourly_rollups WHERE store_id = 'crash_store'`)).toEqual([]);

    const second = spawnWorker(t, { ANALYTICS_JOB_LOCK_MS: lockMs });
    children.push(second);
    await waitFor(
      'both rollup jobs to complete',
      async () => {
        const states = await Promise.all(jobIds.map((id) => rollup.getJobState(id)));
        return states.every((s) => s === 'completed');
      },
      START_MS, // the second worker's cold start, then lock expiry and a stall check or two
    );

    const recovered = await rollup.getJob(killedJob.id!);
    expect(recovered!.stalledCounter).toBe(1); // detected as stalled once, then run to completion by the second worker
    expect(recovered!.attemptsStarted).toBeGreaterThanOrEqual(2);
    const rows = await sql<{ hour: string; event_count: number }>(
      t,
      `SELECT to_char(hour_start AT TIME ZONE 'UTC', 'HH24:MI') AS hour, event_count FROM hourly_rollups WHERE store_id = 'crash_store' ORDER BY hour_start`,
    );
    expect(rows).toEqual([
      { hour: '10:00', event_count: 40 },
      { hour: '11:00', event_count: 25 },
    ]);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }, 420_000);
});
