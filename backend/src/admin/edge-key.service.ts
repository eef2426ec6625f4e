import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { EDGE_KEY_FORMAT } from '../common/bearer-token.ts';
import type { CreateEdgeKeyDto } from './admin.dto.ts';
import type { Capability } from '../../../shared/src/events.ts';
import { hashKey, revokeKey, verifyKey } from './api-keys.ts';
import { Camera } from './entities/camera.entity.ts';
import { EdgeKey } from './entities/edge-key.entity.ts';
import { Organization } from './entities/organization.entity.ts';
import { Store } from './entities/store.entity.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { tenantStatus, writeRefusal } from './tenant-state.ts';
import { VerifiedKeyMemory } from './verified-key-memory.service.ts';

const KEY_PREFIX = 'wink_edge_';
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 6;
/** last_used_at is a hint for operators, not an audit log: write it at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** What an edge key may write: one camera of one store, and only the event kinds of that camera's capabilities. */
export interface EdgeKeyScope {
  keyId: string;
  orgId: string;
  storeId: string;
  cameraId: string;
  capabilities: readonly Capability[];
  /** Why the key may not write now (its organisation, store or camera is disabled), or null. */
  refusal: string | null;
}

export interface EdgeKeyView {
  id: string;
  key_prefix: string;
  org_id: string;
  store_id: string;
  camera_id: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

@Injectable()
export class EdgeKeyService {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    @InjectRepository(EdgeKey) private readonly keys: Repository<EdgeKey>,
    @InjectRepository(Camera) private readonly cameras: Repository<Camera>,
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Organization) private readonly orgs: Repository<Organization>,
    private readonly directory: StoreDirectory,
    private readonly memory: VerifiedKeyMemory,
  ) {}

  async issue(dto: CreateEdgeKeyDto): Promise<{ id: string; api_key: string; store_id: string; camera_id: string; message: string }> {
    await this.directory.getStoreOfOrg(dto.store_id, dto.org_id);
    await this.directory.getCamera(dto.store_id, dto.camera_id);
    const apiKey = this.newKey();
    const row = await this.keys.save(
      this.keys.create({
        keyHash: hashKey(apiKey),
        keyPrefix: apiKey.slice(0, DISPLAY_PREFIX_LENGTH),
        orgId: dto.org_id,
        storeId: dto.store_id,
        cameraId: dto.camera_id,
        revokedAt: null,
        lastUsedAt: null,
      }),
    );
    await this.memory.created(row.keyHash);
    return { id: row.id, api_key: apiKey, store_id: dto.store_id, camera_id: dto.camera_id, message: "Store this API key securely - it won't be shown again!" };
  }

  async list(storeId?: string): Promise<EdgeKeyView[]> {
    const rows = await this.keys.find({ where: storeId ? { storeId } : {}, order: { createdAt: 'ASC' } });
    return rows.map((k) => ({
      id: k.id,
      key_prefix: k.keyPrefix,
      org_id: k.orgId,
      store_id: k.storeId,
      camera_id: k.cameraId,
      created_at: k.createdAt.toISOString(),
      revoked_at: k.revokedAt?.toISOString() ?? null,
      last_used_at: k.lastUsedAt?.toISOString() ?? null,
    }));
  }

  revoke(id: string): Promise<{ id: string; revoked_at: string }> {
    return revokeKey(this.keys, this.memory, id, 'edge key');
  }

  /**
   * The scope of a live key, or null for an unknown or revoked one. Checked on every request; revocation is
   * immediate (VerifiedKeyMemory), and so is disabling: TenantLifecycle has every process forget the keys it closes.
   */
  async verify(plaintext: string): Promise<EdgeKeyScope | null> {
    const scope = await verifyKey(plaintext, EDGE_KEY_FORMAT, this.keys, this.memory, async (key): Promise<EdgeKeyScope> => {
      const [org, store, camera] = await Promise.all([
        this.orgs.findOneBy({ id: key.orgId }),
        this.stores.findOneBy({ storeId: key.storeId }),
        this.cameras.findOneBy({ storeId: key.storeId, cameraId: key.cameraId }),
      ]);
      const refusal = writeRefusal([
        { kind: 'organisation', id: key.orgId, status: org ? tenantStatus(org) : 'deleted' },
        { kind: 'store', id: key.storeId, status: store ? tenantStatus(store) : 'deleted' },
        { kind: 'camera', id: key.cameraId, status: camera ? tenantStatus(camera) : 'deleted' },
      ]);
      return { keyId: key.id, orgId: key.orgId, storeId: key.storeId, cameraId: key.cameraId, capabilities: camera?.capabilities ?? [], refusal };
    });
    if (scope) this.touch(scope.keyId);
    return scope;
  }

  /** The plaintext of a new key (a method of its own so that a test can choose it). */
  newKey(): string {
    return KEY_PREFIX + randomBytes(32).toString('base64url');
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(id, now);
    this.keys.update({ id }, { lastUsedAt: new Date(now) }).catch(() => this.lastUsedWritten.delete(id));
  }
}
