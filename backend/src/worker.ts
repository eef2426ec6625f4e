import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module.ts';
import { ConfigError, loadAppConfig } from './config/app-config.ts';
import { PinoNestLogger } from './observability/app-logger.ts';
import { APP_LOG } from './observability/request-observer.ts';

/**
 * `npm run worker`: the BullMQ analytics workers as their own process (rollups, reports, the hourly sweep
 * and the nightly spike precompute) and the webhook deliveries, without the HTTP server. Run as many as
 * needed, on any machine that reaches the same PostgreSQL and Redis: jobs are shared out by BullMQ.
 */
async function main(): Promise<void> {
  const config = { ...loadAppConfig(), runWorkers: true };
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { bufferLogs: true });
  app.useLogger(new PinoNestLogger(app.get(APP_LOG)));
  // SIGTERM (systemd, Ctrl-C) closes the workers gracefully: running jobs finish first.
  app.enableShutdownHooks();
  new Logger('WINK').log(`WINK analytics worker started (pid ${process.pid})`);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
