import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { CamerasView, LiveView, StoreHistoryView, StoreListView } from '../../../shared/src/read-contract.ts';
import { ReadAccessGuard, Reader, type ReadAccess } from '../admin/read-access.guard.ts';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import { ApiRoute, ApiZodQuery, ReaderAuth } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { queueLengths } from './camera-board.ts';
import { CameraStatus } from './camera-status.service.ts';
import { historyQuery, storeQuery, type HistoryQuery, type StoreQuery } from './dashboard.dto.ts';
import { LiveSales } from './live-sales.service.ts';
import { LiveStoreMetrics } from './live-store-metrics.service.ts';
import { StoreHistory } from './store-history.service.ts';

@Controller('api/dashboard')
@UseGuards(ReadAccessGuard)
@ReaderAuth()
export class DashboardController {
  constructor(
    private readonly stores: ReadableStores,
    private readonly liveMetrics: LiveStoreMetrics,
    private readonly cameraStatus: CameraStatus,
    private readonly storeHistory: StoreHistory,
    private readonly liveSales: LiveSales,
  ) {}

  /** The stores this reader may read (a viewer: its organisation's), for the web dashboard's store picker. */
  @Get('stores')
  @ApiRoute('Stores this reader may read', {
    200: '`{stores: [{store_id, name, timezone, opening_hours, capacity}]}`: opening_hours per weekday (store-local "HH:MM" ranges, null: none set), capacity (null: none set)',
  })
  async storeList(@Reader() reader: ReadAccess): Promise<StoreListView> {
    const stores = await this.stores.list(reader);
    return { stores: stores.map((s) => ({ store_id: s.store_id, name: s.name, timezone: s.timezone, opening_hours: s.opening_hours, capacity: s.capacity })) };
  }

  @Get('cameras')
  @ApiZodQuery(storeQuery)
  @ApiRoute(
    'Cameras of a store with their status',
    {
      200: '`{cameras: [{camera_id, name, capabilities, status, stream_state, last_heartbeat, status_data}]}`; `status`: `online` (heard from within CAMERA_ONLINE_SECONDS and streaming), `not_analysing` (heard from, but its stream is starting, reconnecting, stalled, ended, restarting or stopped), `offline`',
    },
    400,
    404,
  )
  async cameras(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(storeQuery, 'query')) q: StoreQuery): Promise<CamerasView> {
    const store = await this.stores.get(reader, q.store_id);
    return { cameras: await this.cameraStatus.list(store.store_id) };
  }

  @Get('live')
  @ApiZodQuery(storeQuery)
  @ApiRoute(
    "Today's numbers of a store (store-local day, from Redis; from PostgreSQL while Redis is unusable, header `x-live-source`)",
    {
      200: 'footfall, occupancy, capacity, utilisation, open, closed_out, opening_hours, zones, shelves, queues, cameras, queue_lengths. `occupancy`: people inside now, max(0, in − out) since the current opening (0 while closed; without opening hours since local midnight); `capacity` (null: none set); `utilisation` = occupancy ÷ capacity to 3 decimals (may exceed 1; null without a capacity); `open` by the opening hours (null without hours); `closed_out`: people still counted inside at today\'s closings so far, closed out; `opening_hours`: today\'s store-local ranges `[["09:00","20:00"]]` (null without hours). `cameras[].status`: `online`, `not_analysing` (heard from, stream not `streaming`; see `stream_state`) or `offline`. `zones.<id>.unique_visitors` counts distinct person_keys (edge tracks) seen in the zone today: a person whose track is lost and found again (an id switch: occlusion, leaving the picture, a worker restart) is counted again, so it is an upper bound on people. `queue_lengths`: `[{queue_id, length, camera_id, read_at, age_seconds}]`, the people in each queue polygon at its camera\'s latest heartbeat (every 30 s by default) and how old that reading is. `sales`: today so far from the POS feed (null when the store sent no sales today): `{transactions, sales_amount, currency, conversion_rate, atv, sales_per_visitor, left_out}`, conversion and sales per visitor over the hours that have both sales and complete footfall (`left_out` says why when none has)',
      503: 'neither Redis nor PostgreSQL can answer; retry',
    },
    400,
    404,
  )
  async live(
    @Reader() reader: ReadAccess,
    @Query(new ZodValidationPipe(storeQuery, 'query')) q: StoreQuery,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<LiveView> {
    const store = await this.stores.get(reader, q.store_id);
    const nowMs = Date.now();
    const [{ view, source }, sales] = await Promise.all([this.liveMetrics.answer(store, nowMs), this.liveSales.today(store, nowMs)]);
    res.header('x-live-source', source);
    return { ...view, queue_lengths: queueLengths(view.cameras, Date.parse(view.timestamp)), sales };
  }

  @Get('history')
  @ApiZodQuery(historyQuery)
  @ApiRoute(
    'The same metrics per store-local hour or day (from PostgreSQL)',
    {
      200: "buckets in store-local time; `unique_visitors` exact distinct person_keys per zone and bucket (id switches inflate it, see /live); `completeness` per bucket: `{store, incomplete, cameras: {<camera_id>: share}}`, the share of the bucket its cameras really analysed (0–1, null = unknown: before a camera's first heartbeat), computed from heartbeats; `store` is the least complete entrance camera, `incomplete` when it is below `completeness_threshold` (0.9)",
    },
    400,
    404,
  )
  async history(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(historyQuery, 'query')) q: HistoryQuery): Promise<StoreHistoryView> {
    return this.storeHistory.history(await this.stores.get(reader, q.store_id), q);
  }
}
