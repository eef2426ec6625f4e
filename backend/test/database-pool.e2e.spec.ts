import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './test-app.ts';

/** The backends that served `n` statements sent at once, each holding its connection for 300 ms. */
async function backendsServing(app: TestApp, n: number): Promise<Set<number>> {
  const ds = app.app.get(DataSource);
  const rows = await Promise.all(
    Array.from({ length: n }, () => ds.query('SELECT pg_backend_pid() AS pid FROM pg_sleep(0.3)') as Promise<Array<{ pid: number }>>),
  );
  return new Set(rows.map((r) => r[0]!.pid));
}

describe('DATABASE_POOL_MAX: the connections one process holds (real PostgreSQL)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('a process never opens more than its pool allows, and the default allows more', async () => {
    const small = await startTestApp({ databasePoolMax: 3 });
    apps.push(small);
    const used = await backendsServing(small, 8);
    expect(used.size).toBeLessThanOrEqual(3);

    const standard = await startTestApp();
    apps.push(standard);
    // 8 statements at once on the default pool (20): each gets a connection of its own.
    expect((await backendsServing(standard, 8)).size).toBe(8);
  });
});
