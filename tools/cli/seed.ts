import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../backend/src/app.module.ts';
import { ConfigError, loadAppConfig } from '../../backend/src/config/app-config.ts';
import { migrate } from '../../backend/src/database/database-bootstrap.ts';
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
