import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadAppConfig } from './config/app-config.ts';
import { createHttpApp } from './http-app.ts';

async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await createHttpApp(config);
  const logger = new Logger('WINK');
  if (config.adminTokenDefaulted) logger.warn('ADMIN_TOKEN is not set: using the development token (see README). Never run like this in production.');
  await app.listen(config.port, '0.0.0.0');
  logger.log(`WINK API listening on http://127.0.0.1:${config.port} (health: /api/ingest/health)`);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
