import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsWhere, In, IsNull, QueryFailedError, type Repository } from 'typeorm';
import type { CreateCameraDto, CreateStoreDto, OpeningHours, UpdateCameraDto, UpdateOrgDto, UpdateStoreDto } from './admin.dto.ts';
import { Camera } from './entities/camera.entity.ts';
import { Organization } from './entities/organization.entity.ts';
import { Store } from './entities/store.entity.ts';
import { type TenantStatus, tenantStatus } from './tenant-state.ts';

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(e: unknown): boolean {
  return e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === UNIQUE_VIOLATION;
}

function notFound(field: string, message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${field}: ${message}`, field });
}

/** A change to something deleted (its data kept): it can only be deleted again, with data=delete. */
export function deletedConflict(field: string, what: string): ConflictException {
  return new ConflictException({
    statusCode: 409,
    error: 'Conflict',
    message: `${field}: ${what} is deleted (its data is kept); delete it with ?data=delete to remove it`,
    field,
  });
}

export interface OrgView {
  id: string;
  name: string;
  status: TenantStatus;
  created_at: string;
}

export interface StoreView {
  org_id: string;
  store_id: string;
  name: string;
  timezone: string;
  /** Store-local hours per weekday, or null: the day runs from local midnight and nobody is closed out. */
  opening_hours: OpeningHours | null;
  capacity: number | null;
  /** `disabled`: its keys are refused, its history readable; `deleted`: deleted with its data kept. */
  status: TenantStatus;
  created_at: string;
}
export interface CameraView {
  store_id: string;
  camera_id: string;
  name: string;
  capabilities: string[];
  status: TenantStatus;
  created_at: string;
}
/** A camera was added, changed or deleted. */
export type CameraChangedListener = (camera: CameraView) => Promise<void>;
export type StoreUpdatedListener = (store: StoreView) => void;

/** The tenant tree: organisation → store → camera. Other modules read stores through this service. */
@Injectable()
export class StoreDirectory {
  private readonly cameraListeners: CameraChangedListener[] = [];
  private readonly storeListeners: StoreUpdatedListener[] = [];

  constructor(
    @InjectRepository(Organization) private readonly orgs: Repository<Organization>,
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Camera) private readonly cameras: Repository<Camera>,
  ) {}

  /** Caches of the camera list (the live dashboard) subscribe here to stay in step with the admin API. */
  onCameraChanged(listener: CameraChangedListener): void {
    this.cameraListeners.push(listener);
  }

  /** Caches of store rows (ReadableStores) subscribe here: a store's name, hours and capacity may change. */
  onStoreUpdated(listener: StoreUpdatedListener): void {
    this.storeListeners.push(listener);
  }

  /** The organisation, or a 404 naming `org_id`. */
  async getOrg(id: string): Promise<OrgView> {
    const org = await this.orgs.findOneBy({ id });
    if (!org) throw notFound('org_id', `organisation ${id} does not exist`);
    return orgView(org);
  }

  /** The organisation, 404 when missing, 409 when deleted: what issuing a key or adding a store to it needs. */
  async getLiveOrg(id: string): Promise<OrgView> {
    const org = await this.getOrg(id);
    if (org.status === 'deleted') throw deletedConflict('org_id', `organisation ${id}`);
    return org;
  }

  async createOrg(name: string): Promise<{ id: string; name: string }> {
    const org = await this.orgs.save(this.orgs.create({ name }));
    return { id: org.id, name: org.name };
  }

  async listOrgs(): Promise<OrgView[]> {
    const rows = await this.orgs.find({ order: { createdAt: 'ASC' } });
    return rows.map(orgView);
  }

  /** Renames, disables or enables; 409 for a deleted organisation. Keys are forgotten by the caller (TenantLifecycle). */
  async updateOrg(id: string, dto: UpdateOrgDto): Promise<OrgView> {
    await this.getLiveOrg(id);
    const patch: Partial<Organization> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.disabled !== undefined) patch.disabledAt = dto.disabled ? new Date() : null;
    await this.orgs.update({ id }, patch as never);
    return this.getOrg(id);
  }

  async createStore(dto: CreateStoreDto): Promise<StoreView> {
    await this.getLiveOrg(dto.org_id);
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
    await this.getLiveStore(storeId);
    const patch: Partial<Store> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.disabled !== undefined) patch.disabledAt = dto.disabled ? new Date() : null;
    if (dto.opening_hours !== undefined) patch.openingHours = dto.opening_hours;
    if (dto.capacity !== undefined) patch.capacity = dto.capacity;
    await this.stores.update({ storeId }, patch as never);
    const updated = storeView(await this.stores.findOneByOrFail({ storeId }));
    for (const l of this.storeListeners) l(updated);
    return updated;
  }

  /** Stores (of one organisation); deleted ones only when asked (the admin listing): workers and readers skip them. */
  async listStores(orgId?: string, opts: { includeDeleted?: boolean } = {}): Promise<StoreView[]> {
    const where: FindOptionsWhere<Store> = orgId ? { orgId } : {};
    if (!opts.includeDeleted) where.deletedAt = IsNull();
    const rows = await this.stores.find({ where, order: { storeId: 'ASC' } });
    return rows.map(storeView);
  }

  /** Has every process that caches this store (ReadableStores) read it afresh: it was changed or deleted. */
  storeChanged(store: StoreView): void {
    for (const l of this.storeListeners) l(store);
  }

  async createCamera(dto: CreateCameraDto): Promise<CameraView> {
    await this.getLiveStore(dto.store_id);
    try {
      await this.cameras.insert({ storeId: dto.store_id, cameraId: dto.camera_id, name: dto.name, capabilities: dto.capabilities });
      const created = cameraView(await this.cameras.findOneByOrFail({ storeId: dto.store_id, cameraId: dto.camera_id }));
      await this.cameraChanged(created);
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

  async listCameras(storeId?: string | readonly string[]): Promise<CameraView[]> {
    const where = storeId === undefined ? {} : typeof storeId === 'string' ? { storeId } : { storeId: In([...storeId]) };
    const rows = await this.cameras.find({ where, order: { storeId: 'ASC', cameraId: 'ASC' } });
    return rows.map(cameraView);
  }

  /** Renames, disables or enables a camera; 404 naming `camera_id` when the store has no such camera. */
  async updateCamera(storeId: string, cameraId: string, dto: UpdateCameraDto): Promise<CameraView> {
    await this.getLiveStore(storeId);
    await this.getCamera(storeId, cameraId);
    const patch: Partial<Camera> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.disabled !== undefined) patch.disabledAt = dto.disabled ? new Date() : null;
    await this.cameras.update({ storeId, cameraId }, patch as never);
    const updated = await this.getCamera(storeId, cameraId);
    await this.cameraChanged(updated);
    return updated;
  }

  /** Tells the camera list's caches (the live dashboard's board) that a camera changed or went. */
  async cameraChanged(camera: CameraView): Promise<void> {
    for (const l of this.cameraListeners) await l(camera);
  }

  /** The store, or a 404 naming `store_id`. */
  async getStore(storeId: string): Promise<StoreView> {
    const store = await this.stores.findOneBy({ storeId });
    if (!store) throw notFound('store_id', `store ${storeId} does not exist`);
    return storeView(store);
  }

  /** The store, 404 when missing, 409 when deleted (its data kept): what changing it or adding to it needs. */
  async getLiveStore(storeId: string): Promise<StoreView> {
    const store = await this.getStore(storeId);
    if (store.status === 'deleted') throw deletedConflict('store_id', `store ${storeId}`);
    return store;
  }

  /** The store for a key being issued to organisation `orgId`: 404 when missing, 400 when it is another organisation's. */
  async getStoreOfOrg(storeId: string, orgId: string): Promise<StoreView> {
    const store = await this.getLiveStore(storeId);
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

  /**
   * The stores of `storeIds` that exist, in one statement, ordered by store id: what {@link findStore} answers for
   * each, missing ones left out. With `orgId`, a store of another organisation is left out too (filtered in the query).
   */
  async getStores(storeIds: readonly string[], orgId?: string): Promise<StoreView[]> {
    if (!storeIds.length) return [];
    const where: FindOptionsWhere<Store> = { storeId: In([...new Set(storeIds)]) };
    if (orgId !== undefined) where.orgId = orgId;
    const rows = await this.stores.find({ where, order: { storeId: 'ASC' } });
    return rows.map(storeView);
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
    status: tenantStatus(s),
    created_at: s.createdAt.toISOString(),
  };
}

function cameraView(c: Camera): CameraView {
  return {
    store_id: c.storeId,
    camera_id: c.cameraId,
    name: c.name,
    capabilities: c.capabilities,
    status: tenantStatus(c),
    created_at: c.createdAt.toISOString(),
  };
}

function orgView(o: Organization): OrgView {
  return { id: o.id, name: o.name, status: tenantStatus(o), created_at: o.createdAt.toISOString() };
}
