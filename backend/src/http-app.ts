import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { MAX_BODY_BYTES } from '../../shared/src/events.ts';
import { AppModule } from './app.module.ts';
import { serveApiDocs } from './common/openapi.ts';
import { PinoNestLogger } from './observability/app-logger.ts';
import { APP_LOG } from './observability/request-observer.middleware.ts';
import type { AppConfig } from './config/app-config.ts';
import { serveWebDashboard } from './web/web-dashboard.ts';

/** Builds the HTTP application exactly as production runs it; tests use the same function. */
export async function createHttpApp(config: AppConfig, opts: { logDestination?: DestinationStream } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, opts), { bodyParser: false, bufferLogs: true });
  app.useLogger(new PinoNestLogger(app.get(APP_LOG)));
  // Dashboards poll answers that change every time (timestamps): an ETag would only cost a hash per response.
  app.set('etag', false);
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.enableShutdownHooks();
  serveWebDashboard(app); // the web dashboard's static build at `/` (npm run build:web)
  serveApiDocs(app); // OpenAPI document and Swagger UI at /api/docs
  return app;
}
