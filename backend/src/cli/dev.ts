import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadAppConfig } from '../config/app-config.ts';
import { migrate } from '../database/database-bootstrap.ts';
import { ensurePostgres, ensureRedis } from './local-services.ts';

/** `npm run dev`: make PostgreSQL and Redis answer, migrate, then run the API until Ctrl-C. */
async function main(): Promise<void> {
  const log = (m: string) => console.log(`[wink-dev] ${m}`);
  const config = loadAppConfig();
  const db = await ensurePostgres(config, log);
  await ensureRedis(config, log);
  const applied = await migrate(db.url);
  log(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema is up to date');
  const mainJs = fileURLToPath(new URL('../main.js', import.meta.url));
  const api = spawn(process.execPath, [mainJs], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: db.url } });
  const stop = () => api.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise<number>((r) => api.on('exit', (c) => r(c ?? 0)));
  await db.stop();
  process.exit(code);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : `[wink-dev] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
