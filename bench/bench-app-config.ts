import { randomBytes } from 'node:crypto';
import { type AppConfig, loadAppConfig } from '../backend/src/config/app-config.ts';

/**
 * The app's configuration for a benchmark or fault scenario on the throwaway database `db`: production mode,
 * REDIS_URL (else the schema's default), a Redis prefix of its own, log level info and the schema's camera
 * online window, then `overrides`. The optional settings (workers, debounce, locks, …) stay unset unless
 * overridden, so the app's own fallbacks apply, as in a hand-built config; the environment is not read
 * beyond REDIS_URL.
 */
export function benchAppConfig(db: { url: string }, overrides: Partial<AppConfig> & Pick<AppConfig, 'adminToken'>): AppConfig {
  const defaults = loadAppConfig({ NODE_ENV: 'test' });
  return {
    nodeEnv: 'production',
    port: 0,
    databaseUrl: db.url,
    databaseUrlDefaulted: false,
    redisUrl: process.env.REDIS_URL ?? defaults.redisUrl,
    redisPrefix: `wink_bench_${randomBytes(3).toString('hex')}`,
    adminTokenDefaulted: false,
    cameraOnlineSeconds: defaults.cameraOnlineSeconds,
    logLevel: 'info',
    ...overrides,
  };
}
