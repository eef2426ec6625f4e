import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminController } from './admin.controller.ts';
import { AdminTokenGuard } from './admin-token.guard.ts';
import { AuthFailureThrottle } from './auth-failure-throttle.service.ts';
import { EdgeKeyService } from './edge-key.service.ts';
import { Camera } from './entities/camera.entity.ts';
import { EdgeKey } from './entities/edge-key.entity.ts';
import { PosKey } from './entities/pos-key.entity.ts';
import { Organization } from './entities/organization.entity.ts';
import { Store } from './entities/store.entity.ts';
import { ViewerKey } from './entities/viewer-key.entity.ts';
import { PosKeyService } from './pos-key.service.ts';
import { ReadAccessGuard } from './read-access.guard.ts';
import { ReadableStores } from './readable-stores.service.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { TenantLifecycle } from './tenant-lifecycle.service.ts';
import { VerifiedKeyMemory } from './verified-key-memory.service.ts';
import { ViewerKeyService } from './viewer-key.service.ts';

@Module({
  imports: [TypeOrmModule.forFeature([Organization, Store, Camera, EdgeKey, ViewerKey, PosKey])],
  controllers: [AdminController],
  providers: [
    StoreDirectory,
    VerifiedKeyMemory,
    EdgeKeyService,
    AuthFailureThrottle,
    AdminTokenGuard,
    ViewerKeyService,
    ReadableStores,
    ReadAccessGuard,
    PosKeyService,
    TenantLifecycle,
  ],
  // ReadAccessGuard + ReadableStores are the read-side access API for dashboards and analytics.
  // TenantLifecycle: modules with per-store data register as its data owners (deletion with ?data=delete|keep).
  exports: [
    StoreDirectory,
    EdgeKeyService,
    AuthFailureThrottle,
    AdminTokenGuard,
    ViewerKeyService,
    ReadableStores,
    ReadAccessGuard,
    PosKeyService,
    TenantLifecycle,
  ],
})
export class AdminModule {}
