import { type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MAX_BODY_BYTES } from '../../shared/src/events.ts';
import { AppModule } from './app.module.ts';
import type { AppConfig } from './config/app-config.ts';

const NEST_LEVELS: Record<string, LogLevel[]> = {
  silent: [], fatal: ['fatal'], error: ['fatal', 'error'], warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'], debug: ['fatal', 'error', 'warn', 'log', 'debug'], trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Builds the HTTP application exactly as production runs it; tests use the same function. */
export async function createHttpApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger: NEST_LEVELS[config.logLevel] ?? NEST_LEVELS.info,
  });
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.enableShutdownHooks();
  return app;
}
