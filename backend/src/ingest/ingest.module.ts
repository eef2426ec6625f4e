import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.ts';
import { EdgeKeyGuard } from './edge-key.guard.ts';
import { IngestController } from './ingest.controller.ts';
import { IngestService } from './ingest.service.ts';
import { SystemHealth } from './system-health.service.ts';

@Module({
  imports: [AdminModule],
  controllers: [IngestController],
  providers: [IngestService, SystemHealth, EdgeKeyGuard],
  exports: [IngestService, SystemHealth],
})
export class IngestModule {}
