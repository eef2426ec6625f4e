import type { DataSourceOptions } from 'typeorm';
import { Camera } from '../admin/entities/camera.entity.ts';
import { EdgeKey } from '../admin/entities/edge-key.entity.ts';
import { Organization } from '../admin/entities/organization.entity.ts';
import { Store } from '../admin/entities/store.entity.ts';
import { ViewerKey } from '../admin/entities/viewer-key.entity.ts';
import { InitialSchema1732400000000 } from './migrations/1732400000000-InitialSchema.ts';
import { ViewerApiKeys1732500000000 } from './migrations/1732500000000-ViewerApiKeys.ts';
import { AnalyticsRollups1732600000000 } from './migrations/1732600000000-AnalyticsRollups.ts';
import { RollupDirtyHours1732700000000 } from './migrations/1732700000000-RollupDirtyHours.ts';
import { StoreOpeningHours1732800000000 } from './migrations/1732800000000-StoreOpeningHours.ts';
import { Alerts1732900000000 } from './migrations/1732900000000-Alerts.ts';
import { Webhooks1733000000000 } from './migrations/1733000000000-Webhooks.ts';

/** The event tables have no entities: they are written with multi-row SQL and read with SQL (see ingest/). */
export const ENTITIES = [Organization, Store, Camera, EdgeKey, ViewerKey];

/** Migrations are listed as classes, not globs, so the same list works from .ts (jest) and .js (dist). */
export const MIGRATIONS = [
  InitialSchema1732400000000,
  ViewerApiKeys1732500000000,
  AnalyticsRollups1732600000000,
  RollupDirtyHours1732700000000,
  StoreOpeningHours1732800000000,
  Alerts1732900000000,
  Webhooks1733000000000,
];

export function databaseOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: { max: 20 },
  };
}
