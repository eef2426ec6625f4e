import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from './database-bootstrap.ts';

/** Server on which tests and benchmarks create their throwaway databases (trust auth on this machine and in CI). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ThrowawayDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database per test file or benchmark run: nothing sees another run's rows. */
export async function createThrowawayDatabase(opts: { migrate?: boolean } = {}): Promise<ThrowawayDatabase> {
  const name = `wink_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  if (opts.migrate !== false) await migrate(url.toString());
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
