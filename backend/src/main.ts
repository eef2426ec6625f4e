import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadAppConfig } from './config/app-config.ts';
import { createHttpApp } from './http-app.ts';

async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await createHttpApp(config);
  const logger = app.get(Logger);
  if (config.adminTokenDefaulted) logger.warn('ADMIN_TOKEN is not set: using the development token (see README). Never run like this in production.', 'WINK');
  await app.listen(config.port, '0.0.0.0');
  logger.log(`WINK API listening on http://127.0.0.1:${config.port} (health: /api/ingest/health)`, 'WINK');
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
