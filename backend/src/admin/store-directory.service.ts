import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import type { CreateCameraDto, CreateStoreDto, OpeningHours, UpdateStoreDto } from './admin.dto.ts';
import { Camera } from './entities/camera.entity.ts';
import { Organization } from './entities/organization.entity.ts';
import { Store } from './entities/store.entity.ts';

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(e: unknown): boolean {
  return e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === UNIQUE_VIOLATION;
}

function notFound(field: string, message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${field}: ${message}`, field });
}

export interface StoreView {
  org_id: string;
  store_id: string;
  name: string;
  timezone: string;
  /** Store-local hours per weekday, or null: the day runs from local midnight and nobody is closed out. */
  opening_hours: OpeningHours | null;
  capacity: number | null;
  created_at: string;
}
export interface CameraView {
  store_id: string;
  camera_id: string;
  name: string;
  capabilities: string[];
  created_at: string;
}
export type CameraCreatedListener = (camera: CameraView) => Promise<void>;
export type StoreUpdatedListener = (store: StoreView) => void;

/** The tenant tree: organisation → store → camera. Other modules read stores through this service. */
@Injectable()
export class StoreDirectory {
  private readonly cameraListeners: CameraCreatedListener[] = [];
  private readonly storeListeners: StoreUpdatedListener[] = [];

  constructor(
    @InjectRepository(Organization) private readonly orgs: Repository<Organization>,
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Camera) private readonly cameras: Repository<Camera>,
  ) {}

  /** Caches of the camera list (the live dashboard) subscribe here to stay in step with the admin API. */
  onCameraCreated(listener: CameraCreatedListener): void {
    this.cameraListeners.push(listener);
  }

  /** Caches of store rows (ReadableStores) subscribe here: a store's name, hours and capacity may change. */
  onStoreUpdated(listener: StoreUpdatedListener): void {
    this.storeListeners.push(listener);
  }

  /** The organisation, or a 404 naming `org_id`. */
  async getOrg(id: string): Promise<{ id: string; name: string }> {
    const org = await this.orgs.findOneBy({ id });
    if (!org) throw notFound('org_id', `organisation ${id} does not exist`);
    return { id: org.id, name: org.name };
  }

  async createOrg(name: string): Promise<{ id: string; name: string }> {
    const org = await this.orgs.save(this.orgs.create({ name }));
    return { id: org.id, name: org.name };
  }

  async listOrgs(): Promise<{ id: string; name: string; created_at: string }[]> {
    const rows = await this.orgs.find({ order: { createdAt: 'ASC' } });
    return rows.map((o) => ({ id: o.id, name: o.name, created_at: o.createdAt.toISOString() }));
  }

  async createStore(dto: CreateStoreDto): Promise<StoreView> {
    if (!(await this.orgs.existsBy({ id: dto.org_id }))) throw notFound('org_id', `organisation ${dto.org_id} does not exist`);
    try {
      // insert, not save: save() would silently update an existing store with the same id.
      await this.stores.insert({
        storeId: dto.store_id,
        orgId: dto.org_id,
        name: dto.name,
        timezone: dto.timezone,
        openingHours: dto.opening_hours ?? null,
        capacity: dto.capacity ?? null,
      });
      return storeView(await this.stores.findOneByOrFail({ storeId: dto.store_id }));
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ConflictException({ statusCode: 409, error: 'Conflict', message: `store_id: ${dto.store_id} already exists`, field: 'store_id' });
      throw e;
    }
  }

  /** Changes the fields sent (null clears hours or capacity); a 404 naming `store_id` if there is no such store. */
  async updateStore(storeId: string, dto: UpdateStoreDto): Promise<StoreView> {
    await this.getStore(storeId);
    const patch: Partial<Store> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.opening_hours !== undefined) patch.openingHours = dto.opening_hours;
    if (dto.capacity !== undefined) patch.capacity = dto.capacity;
    await this.stores.update({ storeId }, patch as never);
    const updated = storeView(await this.stores.findOneByOrFail({ storeId }));
    for (const l of this.storeListeners) l(updated);
    return updated;
  }

  async listStores(orgId?: string): Promise<StoreView[]> {
    const rows = await this.stores.find({ where: orgId ? { orgId } : {}, order: { storeId: 'ASC' } });
    return rows.map(storeView);
  }

  async createCamera(dto: CreateCameraDto): Promise<CameraView> {
    await this.getStore(dto.store_id);
    try {
      await this.cameras.insert({ storeId: dto.store_id, cameraId: dto.camera_id, name: dto.name, capabilities: dto.capabilities });
      const created = cameraView(await this.cameras.findOneByOrFail({ storeId: dto.store_id, cameraId: dto.camera_id }));
      for (const l of this.cameraListeners) await l(created);
      return created;
    } catch (e) {
      if (isUniqueViolation(e))
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `camera_id: ${dto.camera_id} already exists in store ${dto.store_id}`,
          field: 'camera_id',
        });
      throw e;
    }
  }

  async listCameras(storeId?: string): Promise<CameraView[]> {
    const rows = await this.cameras.find({ where: storeId ? { storeId } : {}, order: { storeId: 'ASC', cameraId: 'ASC' } });
    return rows.map(cameraView);
  }

  /** The store, or a 404 naming `store_id`. */
  async getStore(storeId: string): Promise<StoreView> {
    const store = await this.stores.findOneBy({ storeId });
    if (!store) throw notFound('store_id', `store ${storeId} does not exist`);
    return storeView(store);
  }

  /** The store for a key being issued to organisation `orgId`: 404 when missing, 400 when it is another organisation's. */
  async getStoreOfOrg(storeId: string, orgId: string): Promise<StoreView> {
    const store = await this.getStore(storeId);
    if (store.org_id !== orgId) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: `store_id: store ${storeId} does not belong to organisation ${orgId}`,
        field: 'store_id',
      });
    }
    return store;
  }

  /** The store, or null; with `orgId`, null also for a store of another organisation (the filter is in the query). */
  async findStore(storeId: string, orgId?: string): Promise<StoreView | null> {
    const store = await this.stores.findOneBy(orgId === undefined ? { storeId } : { storeId, orgId });
    return store ? storeView(store) : null;
  }

  async getCamera(storeId: string, cameraId: string): Promise<CameraView> {
    const cam = await this.cameras.findOneBy({ storeId, cameraId });
    if (!cam) throw notFound('camera_id', `camera ${cameraId} does not exist in store ${storeId}`);
    return cameraView(cam);
  }
}

function storeView(s: Store): StoreView {
  return {
    org_id: s.orgId,
    store_id: s.storeId,
    name: s.name,
    timezone: s.timezone,
    opening_hours: s.openingHours ?? null,
    capacity: s.capacity ?? null,
    created_at: s.createdAt.toISOString(),
  };
}

function cameraView(c: Camera): CameraView {
  return { store_id: c.storeId, camera_id: c.cameraId, name: c.name, capabilities: c.capabilities, created_at: c.createdAt.toISOString() };
}
