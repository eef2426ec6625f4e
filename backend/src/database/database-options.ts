import type { DataSourceOptions } from 'typeorm';
import { Camera } from '../admin/entities/camera.entity.ts';
import { EdgeKey } from '../admin/entities/edge-key.entity.ts';
import { PosKey } from '../admin/entities/pos-key.entity.ts';
import { Organization } from '../admin/entities/organization.entity.ts';
import { Store } from '../admin/entities/store.entity.ts';
import { ViewerKey } from '../admin/entities/viewer-key.entity.ts';
import { DEFAULT_DATABASE_POOL_MAX } from '../config/app-config.ts';
import { MIGRATIONS } from './migrations/index.ts';

/** The event tables have no entities: they are written with multi-row SQL and read with SQL (see ingest/). */
export const ENTITIES = [Organization, Store, Camera, EdgeKey, ViewerKey, PosKey];

/** Every migration in backend/src/database/migrations, found by ./migrations/index.ts (classes, from .ts and .js alike). */
export { MIGRATIONS };

/** `poolMax`: connections this process may hold open (DATABASE_POOL_MAX). */
export function databaseOptions(url: string, poolMax = DEFAULT_DATABASE_POOL_MAX): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [...MIGRATIONS],
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: { max: poolMax },
  };
}
