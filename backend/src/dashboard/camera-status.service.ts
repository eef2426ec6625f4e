import { Inject, Injectable, Logger, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { StoreDirectory } from '../admin/store-directory.service.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { IngestService, type RecordedHeartbeat } from '../ingest/ingest.service.ts';
import { StoreTotalsReader } from '../ingest/store-totals.reader.ts';
import { cameraStatuses, heartbeatField, type CameraStatusView } from './camera-board.ts';
import { cameraBoardKey } from './live-keys.ts';
import { LiveRedis, RedisUnavailable } from './live-redis.ts';
import { liveScripts, type LiveScripts } from './live-scripts.ts';

/**
 * Cameras of a store with their online status. The list and each camera's latest heartbeat are kept in
 * a Redis hash, written when the admin API adds a camera and when a heartbeat arrives, and rebuilt from
 * PostgreSQL when missing (Redis flushed or restarted): reading it never queries PostgreSQL otherwise.
 * Redis unusable (down, or no answer within LiveRedis's bound): the list is read from PostgreSQL.
 */
@Injectable()
export class CameraStatus implements OnModuleInit {
  private readonly logger = new Logger(CameraStatus.name);
  private readonly scripts: LiveScripts;
  /** Boards whose last write failed (Redis unreachable): marked stale as soon as Redis answers again. */
  private readonly unsynced = new Set<string>();

  constructor(
    private readonly redis: LiveRedis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: StoreDirectory,
    private readonly totals: StoreTotalsReader,
    private readonly ingest: IngestService,
  ) {
    this.scripts = liveScripts(redis.client);
  }

  onModuleInit(): void {
    this.ingest.events.on('heartbeat.recorded', (hb) => this.recordHeartbeat(hb));
    this.directory.onCameraChanged((camera) => this.invalidate(camera.store_id));
  }

  async list(storeId: string, nowMs = Date.now()): Promise<CameraStatusView[]> {
    let board: Record<string, string>;
    try {
      board = await this.redis.run('camera list', () => this.redis.client.hgetall(this.key(storeId)));
    } catch (e) {
      this.unexpected(e, `camera list of ${storeId} not read from Redis`);
      return this.fromPostgres(storeId, nowMs).catch((pgError: Error) => {
        this.logger.warn(`camera list of ${storeId} not read from PostgreSQL either: ${pgError.message}`);
        throw new ServiceUnavailableException({
          statusCode: 503,
          error: 'Service Unavailable',
          field: 'store_id',
          message: `store_id: cameras of store ${storeId} are unavailable (Redis and PostgreSQL unreachable); retry in a moment`,
        });
      });
    }
    return this.fromBoard(storeId, board, nowMs);
  }

  /** The view from a board already read (the live read fetches it in its own round trip), rebuilding it if incomplete. */
  async fromBoard(storeId: string, board: Record<string, string>, nowMs: number): Promise<CameraStatusView[]> {
    let complete = board;
    try {
      await this.resync();
      if (board._ready !== '1') complete = await this.rebuild(storeId);
    } catch (e) {
      // Redis went away between the read and the rebuild: the list straight from PostgreSQL.
      this.unexpected(e, `camera list of ${storeId} not rebuilt`);
      complete = await this.boardFromPostgres(storeId);
    }
    return cameraStatuses(complete, nowMs, this.config.cameraOnlineSeconds);
  }

  /** The same answer straight from PostgreSQL (reference for tests and the benchmark). */
  async fromPostgres(storeId: string, nowMs = Date.now()): Promise<CameraStatusView[]> {
    return cameraStatuses(await this.boardFromPostgres(storeId), nowMs, this.config.cameraOnlineSeconds);
  }

  private async rebuild(storeId: string): Promise<Record<string, string>> {
    const key = this.key(storeId);
    for (let attempt = 0; attempt < 3; attempt++) {
      // Optimistic: a camera added while we read PostgreSQL bumps _gen, and the fill refuses to mark the board ready.
      const gen = (await this.redis.run('camera board generation', () => this.redis.client.hget(key, '_gen'))) ?? '0';
      const board = await this.boardFromPostgres(storeId);
      const camFields: string[] = [];
      const beats: string[] = [];
      for (const [field, value] of Object.entries(board)) {
        if (field.startsWith('cam:')) camFields.push(field, value);
        else if (field.startsWith('hb:')) {
          const bar = value.indexOf('|');
          beats.push(field, value.slice(0, bar), value.slice(bar + 1));
        }
      }
      if (
        await this.redis.run('camera board fill', () =>
          this.scripts.run<number>('winkCameraBoardFill', key, gen, JSON.stringify(camFields), JSON.stringify(beats)),
        )
      )
        return board;
    }
    // Cameras being added continuously: answer from PostgreSQL this time, the next read tries again.
    return this.boardFromPostgres(storeId);
  }

  private async boardFromPostgres(storeId: string): Promise<Record<string, string>> {
    const [cameras, beats] = await Promise.all([this.directory.listCameras(storeId), this.totals.latestHeartbeats(storeId)]);
    const board: Record<string, string> = { _ready: '1' };
    for (const c of cameras) board[`cam:${c.camera_id}`] = JSON.stringify({ name: c.name, capabilities: c.capabilities });
    for (const b of beats) board[`hb:${b.cameraId}`] = heartbeatField(b.receivedAt.getTime(), b.statusData);
    return board;
  }

  private async recordHeartbeat(hb: RecordedHeartbeat): Promise<void> {
    try {
      await this.resync();
      const ms = hb.receivedAt.getTime();
      await this.redis.run('heartbeat', () =>
        this.scripts.run('winkCameraHeartbeat', this.key(hb.storeId), `hb:${hb.cameraId}`, ms, JSON.stringify(hb.statusData)),
      );
    } catch (e) {
      // The heartbeat is in PostgreSQL; the board is rebuilt from there once Redis is back.
      this.unsynced.add(hb.storeId);
      this.unexpected(e, `heartbeat of ${hb.storeId}/${hb.cameraId} not cached`);
    }
  }

  private async invalidate(storeId: string): Promise<void> {
    try {
      await this.redis.run('camera board invalidate', () => this.scripts.run('winkCameraBoardInvalidate', this.key(storeId)));
    } catch (e) {
      this.unsynced.add(storeId);
      this.unexpected(e, `camera list of ${storeId} not invalidated`);
    }
  }

  private async resync(): Promise<void> {
    if (this.unsynced.size === 0) return;
    for (const storeId of [...this.unsynced]) {
      await this.redis.run('camera board resync', () => this.scripts.run('winkCameraBoardInvalidate', this.key(storeId)));
      this.unsynced.delete(storeId);
    }
  }

  /** Redis being unusable is logged once by LiveRedis; anything else here is worth a line each time. */
  private unexpected(e: unknown, what: string): void {
    if (!(e instanceof RedisUnavailable)) this.logger.warn(`${what}: ${(e as Error).message}`);
  }

  private key(storeId: string): string {
    return cameraBoardKey(this.config.redisPrefix, storeId);
  }
}
