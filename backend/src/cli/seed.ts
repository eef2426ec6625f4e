import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.ts';
import { ConfigError, loadAppConfig } from '../config/app-config.ts';
import { migrate } from '../database/database-bootstrap.ts';
import { formatSeededStore, seedDemoStore } from './demo-store.ts';

async function main(): Promise<void> {
  const config = loadAppConfig();
  await migrate(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: ['error', 'warn'] });
  try {
    console.log(formatSeededStore(await seedDemoStore(app)));
  } finally {
    await app.close();
  }
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : `Seed failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
