import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { VIEWER_KEY_FORMAT } from '../common/bearer-token.ts';
import type { CreateViewerKeyDto } from './admin.dto.ts';
import { hashKey, revokeKey, verifyKey } from './api-keys.ts';
import { ViewerKey } from './entities/viewer-key.entity.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { VerifiedKeyMemory } from './verified-key-memory.service.ts';

export const VIEWER_KEY_PREFIX = 'wink_view_';
const DISPLAY_PREFIX_LENGTH = VIEWER_KEY_PREFIX.length + 6;
export interface ViewerKeyScope {
  keyId: string;
  orgId: string;
}

export interface ViewerKeyView {
  id: string;
  key_prefix: string;
  org_id: string;
  role: 'viewer';
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

@Injectable()
export class ViewerKeyService {
  constructor(
    @InjectRepository(ViewerKey) private readonly keys: Repository<ViewerKey>,
    private readonly directory: StoreDirectory,
    private readonly memory: VerifiedKeyMemory,
  ) {}

  async issue(dto: CreateViewerKeyDto): Promise<{ id: string; api_key: string; org_id: string; role: 'viewer'; name: string | null; message: string }> {
    await this.directory.getLiveOrg(dto.org_id);
    const apiKey = this.newKey();
    const row = await this.keys.save(
      this.keys.create({
        keyHash: hashKey(apiKey),
        keyPrefix: apiKey.slice(0, DISPLAY_PREFIX_LENGTH),
        orgId: dto.org_id,
        role: dto.role,
        name: dto.name ?? null,
        revokedAt: null,
      }),
    );
    await this.memory.created(row.keyHash);
    return {
      id: row.id,
      api_key: apiKey,
      org_id: row.orgId,
      role: row.role,
      name: row.name,
      message: "Store this API key securely - it won't be shown again!",
    };
  }

  async list(orgId?: string): Promise<ViewerKeyView[]> {
    const rows = await this.keys.find({ where: orgId ? { orgId } : {}, order: { createdAt: 'ASC' } });
    return rows.map((k) => ({
      id: k.id,
      key_prefix: k.keyPrefix,
      org_id: k.orgId,
      role: k.role,
      name: k.name,
      created_at: k.createdAt.toISOString(),
      revoked_at: k.revokedAt?.toISOString() ?? null,
    }));
  }

  /** Immediate, in every API process (VerifiedKeyMemory). */
  revoke(id: string): Promise<{ id: string; revoked_at: string }> {
    return revokeKey(this.keys, this.memory, id, 'API key');
  }

  /** The plaintext of a new key (a method of its own so that a test can choose it). */
  newKey(): string {
    return VIEWER_KEY_PREFIX + randomBytes(32).toString('base64url');
  }

  /** The organisation a live viewer key reads for, or null for an unknown or revoked key. */
  verify(plaintext: string): Promise<ViewerKeyScope | null> {
    return verifyKey(plaintext, VIEWER_KEY_FORMAT, this.keys, this.memory, (row): ViewerKeyScope => ({ keyId: row.id, orgId: row.orgId }));
  }
}
