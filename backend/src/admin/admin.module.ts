import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminController } from './admin.controller.ts';
import { AdminTokenGuard } from './admin-token.guard.ts';
import { EdgeKeyService } from './edge-key.service.ts';
import { Camera } from './entities/camera.entity.ts';
import { EdgeKey } from './entities/edge-key.entity.ts';
import { Organization } from './entities/organization.entity.ts';
import { Store } from './entities/store.entity.ts';
import { StoreDirectory } from './store-directory.service.ts';

@Module({
  imports: [TypeOrmModule.forFeature([Organization, Store, Camera, EdgeKey])],
  controllers: [AdminController],
  providers: [StoreDirectory, EdgeKeyService, AdminTokenGuard],
  exports: [StoreDirectory, EdgeKeyService, AdminTokenGuard],
})
export class AdminModule {}
