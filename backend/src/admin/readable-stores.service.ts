import { Injectable, NotFoundException } from '@nestjs/common';
import type { ReadAccess } from './read-access.guard.ts';
import { StoreDirectory, type StoreView } from './store-directory.service.ts';

/**
 * Stores as a reader may see them. Store rows are immutable once created (no update or delete in the
 * admin API), so they are cached in process: the dashboard's hot path needs a store's organisation and
 * time zone without a PostgreSQL query. If stores ever become editable, invalidate here.
 */
@Injectable()
export class ReadableStores {
  private readonly cache = new Map<string, StoreView>();

  constructor(private readonly directory: StoreDirectory) {}

  /**
   * The store if `reader` may read it; otherwise the same 404 as a store that does not exist. No existence
   * leak, in the answer or its timing: another organisation's store and a missing one take the same path — the
   * cache serves only a store the reader may read, anything else is one query filtered on the reader's
   * organisation in SQL, which finds no row either way.
   */
  async get(reader: ReadAccess, storeId: string): Promise<StoreView> {
    const orgId = this.orgScope(reader);
    const hit = this.cache.get(storeId);
    if (hit && (orgId === null || hit.org_id === orgId)) return hit;
    const store = await this.directory.findStore(storeId, orgId ?? undefined);
    if (!store) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `store_id: store ${storeId} does not exist`, field: 'store_id' });
    this.cache.set(storeId, store);
    return store;
  }

  /** The org_id to filter cross-store queries on, or null when the reader sees every organisation. */
  orgScope(reader: ReadAccess): string | null {
    return reader.role === 'admin' ? null : reader.orgId;
  }

  /** Every store the reader may read. */
  async list(reader: ReadAccess): Promise<StoreView[]> {
    return this.directory.listStores(this.orgScope(reader) ?? undefined);
  }

  /** Cached store lookup without an access check, for hot paths such as ingest listeners. */
  async lookup(storeId: string): Promise<StoreView | null> {
    const hit = this.cache.get(storeId);
    if (hit) return hit;
    const store = await this.directory.findStore(storeId);
    if (store) this.cache.set(storeId, store); // misses are not cached: the store may be created a moment later
    return store;
  }
}
