import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadAppConfig } from './config/app-config.ts';
import { createHttpApp } from './http-app.ts';

async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await createHttpApp(config);
  const logger = new Logger('WINK');
  if (config.adminTokenDefaulted) logger.warn('ADMIN_TOKEN is not set: using the development token (see README). Never run like this in production.');
  const host = config.host ?? '0.0.0.0';
  await app.listen(config.port, host);
  logger.log(
    `WINK API listening on http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${config.port}${host === '0.0.0.0' ? ' (all interfaces)' : ''} (health: /api/ingest/health)`,
  );
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
