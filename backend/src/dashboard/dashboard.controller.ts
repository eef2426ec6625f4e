import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ReadAccessGuard, Reader, type ReadAccess } from '../admin/read-access.guard.ts';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { CameraStatus } from './camera-status.service.ts';
import { historyQuery, storeQuery, type HistoryQuery, type StoreQuery } from './dashboard.dto.ts';
import { LiveStoreMetrics } from './live-store-metrics.service.ts';
import { StoreHistory } from './store-history.service.ts';

@Controller('api/dashboard')
@UseGuards(ReadAccessGuard)
export class DashboardController {
  constructor(
    private readonly stores: ReadableStores,
    private readonly liveMetrics: LiveStoreMetrics,
    private readonly cameraStatus: CameraStatus,
    private readonly storeHistory: StoreHistory,
  ) {}

  /** The stores this reader may read (a viewer: its organisation's), for the web dashboard's store picker. */
  @Get('stores')
  async storeList(@Reader() reader: ReadAccess) {
    const stores = await this.stores.list(reader);
    return { stores: stores.map((s) => ({ store_id: s.store_id, name: s.name, timezone: s.timezone })) };
  }

  @Get('cameras')
  async cameras(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(storeQuery, 'query')) q: StoreQuery) {
    const store = await this.stores.get(reader, q.store_id);
    return { cameras: await this.cameraStatus.list(store.store_id) };
  }

  @Get('live')
  async live(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(storeQuery, 'query')) q: StoreQuery) {
    return this.liveMetrics.live(await this.stores.get(reader, q.store_id));
  }

  @Get('history')
  async history(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(historyQuery, 'query')) q: HistoryQuery) {
    return this.storeHistory.history(await this.stores.get(reader, q.store_id), q);
  }
}
