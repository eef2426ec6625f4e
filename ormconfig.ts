// TypeORM CLI entry (`npx typeorm -d dist/ormconfig.js migration:show`). The app builds the same options
// from backend/src/database/database-options.ts; `npm run migrate` is the supported way to migrate.
import { DataSource } from 'typeorm';
import { databaseOptions } from './backend/src/database/database-options.ts';
import { DEFAULT_DATABASE_URL } from './backend/src/config/app-config.ts';

export default new DataSource(databaseOptions(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL));
