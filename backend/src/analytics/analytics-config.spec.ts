import { loadAppConfig } from '../config/app-config.ts';
import { redisUrlOptions } from '../redis/redis-connection.ts';

describe('analytics configuration', () => {
  it('runs workers in the API process only in development, unless RUN_WORKERS says otherwise', () => {
    expect(loadAppConfig({}).runWorkers).toBe(true); // NODE_ENV defaults to development
    expect(loadAppConfig({ NODE_ENV: 'test' }).runWorkers).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'production', ADMIN_TOKEN: 'a-very-long-admin-token' }).runWorkers).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'production', ADMIN_TOKEN: 'a-very-long-admin-token', RUN_WORKERS: 'true' }).runWorkers).toBe(true);
    expect(loadAppConfig({ RUN_WORKERS: 'false' }).runWorkers).toBe(false);
  });

  it('has sane defaults and reads the documented variables', () => {
    expect(loadAppConfig({})).toMatchObject({ reportWaitMs: 3000, rollupDebounceMs: 60_000, jobLockMs: 30_000, healIntervalMs: 60_000 });
    expect(
      loadAppConfig({
        ANALYTICS_REPORT_WAIT_MS: '500',
        ANALYTICS_ROLLUP_DEBOUNCE_MS: '1000',
        ANALYTICS_JOB_LOCK_MS: '5000',
        ANALYTICS_HEAL_INTERVAL_MS: '2000',
      }),
    ).toMatchObject({ reportWaitMs: 500, rollupDebounceMs: 1000, jobLockMs: 5000, healIntervalMs: 2000 });
  });

  it.each([
    ['RUN_WORKERS', 'yes', 'must be "true" or "false"'],
    ['ANALYTICS_REPORT_WAIT_MS', '-1', ''],
    ['ANALYTICS_ROLLUP_DEBOUNCE_MS', 'soon', ''],
    ['ANALYTICS_JOB_LOCK_MS', '10', ''],
    ['ANALYTICS_HEAL_INTERVAL_MS', '100', ''],
  ])('refuses a bad %s, naming it', (name, value, why) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(`  ${name}: ${why}`);
  });

  it('turns REDIS_URL into connection options (ioredis and BullMQ)', () => {
    expect(redisUrlOptions('redis://127.0.0.1:6379')).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, tls: undefined, password: undefined });
    expect(redisUrlOptions('rediss://user:p%40ss@cache.internal:6380/2')).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      db: 2,
      username: 'user',
      password: 'p@ss',
      tls: {},
    });
  });
});
