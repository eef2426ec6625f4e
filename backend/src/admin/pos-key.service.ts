import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { POS_KEY_FORMAT } from '../common/bearer-token.ts';
import type { CreatePosKeyDto } from './admin.dto.ts';
import { hashKey, revokeKey, verifyKey } from './api-keys.ts';
import { Organization } from './entities/organization.entity.ts';
import { PosKey } from './entities/pos-key.entity.ts';
import { Store } from './entities/store.entity.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { type TenantLevel, tenantStatus, writeRefusal } from './tenant-state.ts';
import { VerifiedKeyMemory } from './verified-key-memory.service.ts';

const KEY_PREFIX = 'wink_pos_';
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 6;

/** What a POS key may write: sales of its organisation's stores, or of its one store (storeId). */
export interface PosKeyScope {
  keyId: string;
  orgId: string;
  storeId: string | null;
  /** Why the key may not write now (its organisation or store is disabled), or null; a store's own state is checked per request. */
  refusal: string | null;
}

export interface PosKeyView {
  id: string;
  key_prefix: string;
  org_id: string;
  store_id: string | null;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** POS keys: issued per organisation or store, shown once, revocable at once (api-keys.ts), never able to read. */
@Injectable()
export class PosKeyService {
  constructor(
    @InjectRepository(PosKey) private readonly keys: Repository<PosKey>,
    @InjectRepository(Store) private readonly stores: Repository<Store>,
    @InjectRepository(Organization) private readonly orgs: Repository<Organization>,
    private readonly directory: StoreDirectory,
    private readonly memory: VerifiedKeyMemory,
  ) {}

  async issue(dto: CreatePosKeyDto): Promise<PosKeyView & { api_key: string; message: string }> {
    await this.directory.getLiveOrg(dto.org_id);
    if (dto.store_id) await this.directory.getStoreOfOrg(dto.store_id, dto.org_id);
    const apiKey = KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.keys.save(
      this.keys.create({
        keyHash: hashKey(apiKey),
        keyPrefix: apiKey.slice(0, DISPLAY_PREFIX_LENGTH),
        orgId: dto.org_id,
        storeId: dto.store_id ?? null,
        name: dto.name ?? null,
        revokedAt: null,
      }),
    );
    await this.memory.created(row.keyHash);
    return { ...view(row), api_key: apiKey, message: "Store this API key securely - it won't be shown again!" };
  }

  async list(orgId?: string): Promise<PosKeyView[]> {
    const rows = await this.keys.find({ where: orgId ? { orgId } : {}, order: { createdAt: 'ASC' } });
    return rows.map(view);
  }

  revoke(id: string): Promise<{ id: string; revoked_at: string }> {
    return revokeKey(this.keys, this.memory, id, 'POS key');
  }

  /** The scope of a live POS key, or null for an unknown or revoked one. */
  verify(plaintext: string): Promise<PosKeyScope | null> {
    return verifyKey(plaintext, POS_KEY_FORMAT, this.keys, this.memory, async (row): Promise<PosKeyScope> => {
      const org = await this.orgs.findOneBy({ id: row.orgId });
      const path: TenantLevel[] = [{ kind: 'organisation', id: row.orgId, status: org ? tenantStatus(org) : 'deleted' }];
      if (row.storeId) {
        const store = await this.stores.findOneBy({ storeId: row.storeId });
        path.push({ kind: 'store', id: row.storeId, status: store ? tenantStatus(store) : 'deleted' });
      }
      return { keyId: row.id, orgId: row.orgId, storeId: row.storeId, refusal: writeRefusal(path) };
    });
  }
}

function view(k: PosKey): PosKeyView {
  return {
    id: k.id,
    key_prefix: k.keyPrefix,
    org_id: k.orgId,
    store_id: k.storeId,
    name: k.name,
    created_at: k.createdAt.toISOString(),
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}
