import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadAppConfig } from '../../backend/src/config/app-config.ts';
import { LocalServices, stopChildren } from './local-services.ts';

/**
 * `npm run dev`: make PostgreSQL and Redis answer, migrate, then run the API until Ctrl-C or SIGTERM, which
 * stop the API first and then whatever this command started (the embedded PostgreSQL, a redis-server).
 */
async function main(): Promise<void> {
  const log = (m: string) => console.log(`[wink-dev] ${m}`);
  const config = loadAppConfig();
  const services = new LocalServices();
  let api: ChildProcess | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopChildren(api ? [api] : []);
    await services.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  let databaseUrl: string;
  try {
    databaseUrl = await services.start(config, log);
  } catch (e) {
    console.error(`[wink-dev] ${e instanceof Error ? e.message : e}`);
    return stop(1);
  }
  if (stopping) return;
  const mainJs = fileURLToPath(new URL('../../backend/src/main.js', import.meta.url));
  api = spawn(process.execPath, [mainJs], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: databaseUrl } });
  const code = await new Promise<number>((r) => api!.on('exit', (c) => r(c ?? 0)));
  await stop(code);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : `[wink-dev] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
