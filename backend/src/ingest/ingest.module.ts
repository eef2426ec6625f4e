import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.ts';
import { DataCompleteness } from './data-completeness.service.ts';
import { EdgeKeyGuard } from './edge-key.guard.ts';
import { HeartbeatCompactor } from './heartbeat-compactor.service.ts';
import { IngestController } from './ingest.controller.ts';
import { IngestService } from './ingest.service.ts';
import { StoreEventsReader } from './store-events.reader.ts';
import { StoreTotalsReader } from './store-totals.reader.ts';
import { SystemHealth } from './system-health.service.ts';

@Module({
  imports: [AdminModule],
  controllers: [IngestController],
  providers: [IngestService, SystemHealth, EdgeKeyGuard, StoreEventsReader, StoreTotalsReader, DataCompleteness, HeartbeatCompactor],
  // StoreEventsReader: aggregates of the event tables for analytics, which never touches the tables itself.
  // StoreTotalsReader: the same for the dashboard (live counter rebuilds, history, latest heartbeats).
  // DataCompleteness: the share of each hour really analysed, from heartbeats (history, reports).
  // HeartbeatCompactor: heartbeats kept as compacted days before retention drops them.
  exports: [IngestService, SystemHealth, StoreEventsReader, StoreTotalsReader, DataCompleteness, HeartbeatCompactor],
})
export class IngestModule {}
