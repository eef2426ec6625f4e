import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type DataSource, IsNull, type Repository } from 'typeorm';
import type { UpdateCameraDto, UpdateOrgDto, UpdateStoreDto } from './admin.dto.ts';
import { keyHashesWhere, revokeKeysWhere } from './api-keys.ts';
import { Camera } from './entities/camera.entity.ts';
import { EdgeKey } from './entities/edge-key.entity.ts';
import { Organization } from './entities/organization.entity.ts';
import { PosKey } from './entities/pos-key.entity.ts';
import { Store } from './entities/store.entity.ts';
import { ViewerKey } from './entities/viewer-key.entity.ts';
import { type CameraView, type OrgView, StoreDirectory, type StoreView } from './store-directory.service.ts';
import type { DataMode } from './tenant-state.ts';
import { VerifiedKeyMemory } from './verified-key-memory.service.ts';

/**
 * A module that keeps data about stores or organisations in its own tables (or Redis): it registers here once
 * (`TenantLifecycle.ownData`, from its service's constructor) and is told when one is deleted. Declared once,
 * so no module reaches into another's tables to delete: the admin module only deletes its own rows.
 */
export interface TenantDataOwner {
  /** Names the owner in logs. */
  name: string;
  /** The store is deleted: with `delete` remove every row of it; with `keep` only what is live (caches, Redis). Idempotent. */
  forgetStore?(storeId: string, data: DataMode): Promise<void>;
  /** The organisation is deleted (its stores already were): the same for its organisation-wide rows. Idempotent. */
  forgetOrg?(orgId: string, data: DataMode): Promise<void>;
}

/**
 * The owner of a module's rows in PostgreSQL: with `delete` it runs the statements of a store (`$1` = the store id)
 * or an organisation (`$1` = its id) in one transaction; with `keep` it does nothing. The statements live in the
 * module's *.queries.ts.
 */
export function sqlRowsOwner(name: string, db: DataSource, statements: { store?: readonly string[]; org?: readonly string[] }): TenantDataOwner {
  const run = async (sqls: readonly string[] | undefined, id: string, data: DataMode) => {
    if (data !== 'delete' || !sqls) return;
    await db.transaction(async (m) => {
      for (const sql of sqls) await m.query(sql, [id]);
    });
  };
  return { name, forgetStore: (storeId, data) => run(statements.store, storeId, data), forgetOrg: (orgId, data) => run(statements.org, orgId, data) };
}

export interface StoreDeleted {
  store_id: string;
  status: 'deleted';
  /** `deleted`: every row of the store is gone, its id free again; `kept`: rows kept for reports, the store marked deleted. */
  data: 'deleted' | 'kept';
  /** Edge and POS keys of the store, all refused from now on. */
  keys_revoked: number;
}

/**
 * Disabling, renaming and deleting organisations, stores and cameras, with what happens to their keys:
 * - disabled: the keys stay, but every API process forgets what it remembered of them, so their next request is
 *   verified afresh and refused with 403 naming what is disabled (EdgeKeyScope.refusal); history stays readable;
 * - deleted: every key under it is revoked and forgotten by every process at once (VerifiedKeyMemory), the live
 *   Redis keys go, and each {@link TenantDataOwner} deletes or keeps its rows per `?data=`.
 * Every step is idempotent, so a deletion cut short (Redis could not broadcast: 503) is finished by repeating it.
 */
@Injectable()
export class TenantLifecycle {
  private readonly logger = new Logger(TenantLifecycle.name);
  private readonly owners: TenantDataOwner[] = [];

  constructor(
    private readonly directory: StoreDirectory,
    private readonly memory: VerifiedKeyMemory,
    @InjectRepository(Organization) private readonly orgs: Repository<Organization>,
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Camera) private readonly cameras: Repository<Camera>,
    @InjectRepository(EdgeKey) private readonly edgeKeys: Repository<EdgeKey>,
    @InjectRepository(PosKey) private readonly posKeys: Repository<PosKey>,
    @InjectRepository(ViewerKey) private readonly viewerKeys: Repository<ViewerKey>,
  ) {}

  ownData(owner: TenantDataOwner): void {
    this.owners.push(owner);
  }

  async updateOrg(orgId: string, dto: UpdateOrgDto): Promise<OrgView> {
    const org = await this.directory.updateOrg(orgId, dto);
    if (dto.disabled !== undefined) {
      const hashes = [...(await keyHashesWhere(this.edgeKeys, { orgId })), ...(await keyHashesWhere(this.posKeys, { orgId }))];
      const storeIds = (await this.directory.listStores(orgId)).map((s) => s.store_id);
      await this.memory.forget(hashes, storeIds, 'org_id', `organisation ${orgId} is ${dto.disabled ? 'disabled' : 'enabled'}`);
    }
    return org;
  }

  async updateStore(storeId: string, dto: UpdateStoreDto): Promise<StoreView> {
    const store = await this.directory.updateStore(storeId, dto);
    if (dto.disabled !== undefined) {
      const hashes = [...(await keyHashesWhere(this.edgeKeys, { storeId })), ...(await keyHashesWhere(this.posKeys, { storeId }))];
      await this.memory.forget(hashes, [storeId], 'store_id', `store ${storeId} is ${dto.disabled ? 'disabled' : 'enabled'}`);
    }
    return store;
  }

  async updateCamera(storeId: string, cameraId: string, dto: UpdateCameraDto): Promise<CameraView> {
    const camera = await this.directory.updateCamera(storeId, cameraId, dto);
    if (dto.disabled !== undefined) {
      const hashes = await keyHashesWhere(this.edgeKeys, { storeId, cameraId });
      await this.memory.forget(hashes, [], 'camera_id', `camera ${cameraId} is ${dto.disabled ? 'disabled' : 'enabled'}`);
    }
    return camera;
  }

  /**
   * A camera goes with its edge keys (refused at once everywhere); the events it sent stay, as the store's history.
   * Its id may be used again for a new camera.
   */
  async deleteCamera(storeId: string, cameraId: string): Promise<{ store_id: string; camera_id: string; keys_revoked: number }> {
    await this.directory.getLiveStore(storeId);
    const camera = await this.directory.getCamera(storeId, cameraId);
    const hashes = await revokeKeysWhere(this.edgeKeys, { storeId, cameraId });
    await this.memory.forget(hashes, [], 'camera_id', `the keys of camera ${cameraId} are revoked`);
    await this.cameras.manager.transaction(async (m) => {
      await m.delete(EdgeKey, { storeId, cameraId });
      await m.delete(Camera, { storeId, cameraId });
    });
    await this.directory.cameraChanged(camera);
    return { store_id: storeId, camera_id: cameraId, keys_revoked: hashes.length };
  }

  /**
   * Closes the store at once (marked deleted, its edge and POS keys revoked and forgotten by every process, its
   * cached row too), then has every data owner delete or keep its rows; with `delete` the store's own rows go last,
   * so its id is free again. Repeating it finishes a deletion cut short.
   */
  async deleteStore(storeId: string, data: DataMode): Promise<StoreDeleted> {
    const store = await this.directory.getStore(storeId);
    if (store.status !== 'deleted') await this.stores.update({ storeId }, { deletedAt: new Date() });
    const hashes = [...(await revokeKeysWhere(this.edgeKeys, { storeId })), ...(await revokeKeysWhere(this.posKeys, { storeId }))];
    await this.memory.forget(hashes, [storeId], 'store_id', `store ${storeId} is deleted and its keys revoked`);
    for (const owner of this.owners) await owner.forgetStore?.(storeId, data);
    if (data === 'delete') {
      await this.stores.manager.transaction(async (m) => {
        await m.delete(EdgeKey, { storeId });
        await m.delete(PosKey, { storeId });
        await m.delete(Camera, { storeId });
        await m.delete(Store, { storeId });
      });
    }
    this.logger.log(`store ${storeId} deleted (data ${data === 'delete' ? 'deleted' : 'kept'}, ${hashes.length} keys revoked)`);
    return { store_id: storeId, status: 'deleted', data: data === 'delete' ? 'deleted' : 'kept', keys_revoked: hashes.length };
  }

  /** Deletes every store of the organisation (as {@link deleteStore}), then its viewer and POS keys and its own rows. */
  async deleteOrg(
    orgId: string,
    data: DataMode,
  ): Promise<{ org_id: string; status: 'deleted'; data: 'deleted' | 'kept'; stores: StoreDeleted[]; keys_revoked: number }> {
    const org = await this.directory.getOrg(orgId);
    if (org.status !== 'deleted') await this.orgs.update({ id: orgId }, { deletedAt: new Date() });
    const stores: StoreDeleted[] = [];
    for (const s of await this.directory.listStores(orgId, { includeDeleted: true })) stores.push(await this.deleteStore(s.store_id, data));
    // Edge keys and store POS keys went with their stores; what is left is the organisation's own.
    const hashes = [...(await revokeKeysWhere(this.viewerKeys, { orgId })), ...(await revokeKeysWhere(this.posKeys, { orgId, storeId: IsNull() }))];
    await this.memory.forget(hashes, [], 'org_id', `organisation ${orgId} is deleted and its keys revoked`);
    for (const owner of this.owners) await owner.forgetOrg?.(orgId, data);
    if (data === 'delete') {
      await this.orgs.manager.transaction(async (m) => {
        await m.delete(ViewerKey, { orgId });
        await m.delete(PosKey, { orgId });
        await m.delete(Organization, { id: orgId });
      });
    }
    const revoked = hashes.length + stores.reduce((n, s) => n + s.keys_revoked, 0);
    return { org_id: orgId, status: 'deleted', data: data === 'delete' ? 'deleted' : 'kept', stores, keys_revoked: revoked };
  }
}
