import 'reflect-metadata';
import { ConfigError, loadAppConfig } from '../config/app-config.ts';
import { migrate } from '../database/database-bootstrap.ts';

async function main(): Promise<void> {
  const config = loadAppConfig();
  const applied = await migrate(config.databaseUrl);
  const where = new URL(config.databaseUrl);
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s) to ${where.host}${where.pathname}: ${applied.join(', ')}`
      : `Database ${where.host}${where.pathname} is up to date.`,
  );
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : `Migration failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
