// Plain JS: jest's globalSetup runs outside the ts transform. Keep the URL default in step with
// backend/src/database/throwaway-database.ts.
import pg from 'pg';

const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Drops throwaway databases left behind by test runs that were killed (their pid is gone). */
export default async function dropOrphanedTestDatabases() {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`Tests need PostgreSQL at ${TEST_PG_URL} (set TEST_DATABASE_URL): ${e.message}`);
  }
  try {
    const rows = await client.query(`SELECT datname FROM pg_database WHERE datname ~ '^wink_(test|bench)_[0-9]+_[0-9a-f]+$'`);
    for (const { datname } of rows.rows) {
      if (pidAlive(Number(datname.split('_')[2]))) continue;
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
