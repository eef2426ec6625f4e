// `npm run bench:fuzz`: ≥ 10,000 seeded fuzz requests (bench/fuzz-bodies.ts) against a real started server on a
// throwaway database, one after another, counting rows before and after each. Prints per endpoint: bodies,
// 2xx, 4xx, 5xx, and rows written by refused bodies (both of the last two must be 0), then any violation.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { createThrowawayDatabase } from '../backend/src/database/throwaway-database.ts';
import { createHttpApp } from '../backend/src/http-app.ts';
import { COUNT_ROWS_SQL, FuzzTally, fuzzRequests, runFuzz } from './fuzz-bodies.ts';
import { benchAppConfig } from './bench-app-config.ts';
import { dropRedisPrefix } from './redis-prefix.ts';

const BODIES = Number(process.env.BENCH_FUZZ_BODIES ?? 10_000);
const SEED = process.env.BENCH_FUZZ_SEED ?? 'bench-1';
const ADMIN = 'bench-admin-token-0123456789';

async function main(): Promise<void> {
  console.log(`WINK border fuzz: ${BODIES.toLocaleString()} requests, seed "${SEED}", one at a time against a real server`);
  const db = await createThrowawayDatabase();
  const config = benchAppConfig(db, {
    adminToken: ADMIN,
    // Reports answer 202 at once (no workers here): the run is about the border, not report latency.
    runWorkers: false,
    reportWaitMs: 0,
  });
  const app = await createHttpApp(config, { logDestination: pino.destination({ dest: '/dev/null', sync: false }) });
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const admin = async (path: string, body: unknown): Promise<any> => {
      const res = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`${path} ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };
    const org = await admin('/api/admin/orgs', { name: 'fuzz' });
    await admin('/api/admin/stores', { org_id: org.id, store_id: 'store_fuzz_001', name: 'Fuzz', timezone: 'Europe/London' });
    await admin('/api/admin/cameras', {
      store_id: 'store_fuzz_001',
      camera_id: 'cam_01',
      name: 'cam',
      capabilities: ['entrance', 'zones', 'shelves', 'queue'],
    });
    const key = await admin('/api/admin/edge-keys', { org_id: org.id, store_id: 'store_fuzz_001', camera_id: 'cam_01' });
    const scope = { orgId: org.id, storeId: 'store_fuzz_001', cameraId: 'cam_01', edgeKey: key.api_key, adminToken: ADMIN };

    const tally = new FuzzTally();
    const started = performance.now();
    let done = 0;
    await runFuzz(
      baseUrl,
      fuzzRequests(SEED, scope, BODIES),
      async () => Number((await client.query(COUNT_ROWS_SQL)).rows[0].n),
      (r) => {
        tally.add(r);
        if (++done % 1000 === 0) process.stdout.write(`  ${done.toLocaleString()} / ${BODIES.toLocaleString()}\n`);
      },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${tally.table()}\n`);
    console.log(`${BODIES.toLocaleString()} requests in ${seconds.toFixed(0)} s. 5xx and rows written by refused bodies must both be 0;`);
    console.log('every 400/413/415 must name its field ("field: reason"); valid requests must be 2xx (a promotion without rollups: a 400 naming start_date).');
    if (tally.violations.length) {
      console.log(`\n${tally.violations.length} violation(s), the first 20:`);
      for (const { result, why } of tally.violations.slice(0, 20))
        console.log(`  ${result.request.method} ${result.request.path.slice(0, 120)} [${result.request.mutation}]: ${why}`);
      process.exitCode = 1;
    } else {
      console.log('\nNo violations.');
    }
  } finally {
    await client.end();
    await app.close();
    await db.drop();
    await dropRedisPrefix(config.redisUrl, config.redisPrefix);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
