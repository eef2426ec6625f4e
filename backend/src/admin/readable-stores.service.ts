import { Injectable, NotFoundException } from '@nestjs/common';
import type { ReadAccess } from './read-access.guard.ts';
import { StoreDirectory, type StoreView } from './store-directory.service.ts';
import { VerifiedKeyMemory } from './verified-key-memory.service.ts';

/** A cached store row is read again after this long: another API process may have changed its hours or capacity. */
export const STORE_CACHE_MS = 10_000;

/**
 * Stores as a reader may see them, cached in process: the dashboard's hot path needs a store's
 * organisation, time zone and opening hours without a PostgreSQL query on every request. A store's name,
 * hours and capacity may change (PATCH /api/admin/stores/:id): the process that changes it forgets its copy at
 * once, the others within {@link STORE_CACHE_MS}; a store disabled or deleted is forgotten by every process at once
 * (VerifiedKeyMemory's channel). The organisation and time zone never change.
 */
@Injectable()
export class ReadableStores {
  private readonly cache = new Map<string, { store: StoreView; at: number }>();

  constructor(
    private readonly directory: StoreDirectory,
    memory: VerifiedKeyMemory,
  ) {
    directory.onStoreUpdated((store) => this.cache.delete(store.store_id));
    // Disabled or deleted in any process: forgotten here at once (the key-change channel carries it).
    memory.onStoreChanged((storeId) => this.cache.delete(storeId));
  }

  private cached(storeId: string): StoreView | undefined {
    const hit = this.cache.get(storeId);
    if (hit && Date.now() - hit.at < STORE_CACHE_MS) return hit.store;
    return undefined;
  }

  /**
   * The store if `reader` may read it; otherwise the same 404 as a store that does not exist. No existence
   * leak, in the answer or its timing: another organisation's store and a missing one take the same path — the
   * cache serves only a store the reader may read, anything else is one query filtered on the reader's
   * organisation in SQL, which finds no row either way.
   */
  async get(reader: ReadAccess, storeId: string): Promise<StoreView> {
    const orgId = this.orgScope(reader);
    const hit = this.cached(storeId);
    if (hit && (orgId === null || hit.org_id === orgId)) return hit;
    const store = await this.directory.findStore(storeId, orgId ?? undefined);
    if (!store) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `store_id: store ${storeId} does not exist`, field: 'store_id' });
    this.cache.set(storeId, { store, at: Date.now() });
    return store;
  }

  /**
   * {@link get} for several stores, in the order asked: the cached ones the reader may read are served, the rest
   * read in one query filtered on the reader's organisation. The 404 names `field` (the list parameter) and the first
   * store the reader may not read, the same answer as for a store that does not exist.
   */
  async getMany(reader: ReadAccess, storeIds: readonly string[], field = 'store_id'): Promise<StoreView[]> {
    const orgId = this.orgScope(reader);
    const found = await this.readMany(storeIds, (hit) => orgId === null || hit.org_id === orgId, orgId ?? undefined);
    return storeIds.map((storeId) => {
      const store = found.get(storeId);
      if (!store) throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${field}: store ${storeId} does not exist`, field });
      return store;
    });
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
    const hit = this.cached(storeId);
    if (hit) return hit;
    const store = await this.directory.findStore(storeId);
    if (store) this.cache.set(storeId, { store, at: Date.now() }); // misses are not cached: the store may be created a moment later
    return store;
  }

  /** {@link lookup} for several stores: the ones not cached are read in one query (a report's first run over 100 stores). */
  lookupMany(storeIds: readonly string[]): Promise<Map<string, StoreView>> {
    return this.readMany(storeIds, () => true);
  }

  /** Cached stores that pass `usable`, the others in one query (and cached); missing ones are left out. */
  private async readMany(storeIds: readonly string[], usable: (hit: StoreView) => boolean, orgId?: string): Promise<Map<string, StoreView>> {
    const found = new Map<string, StoreView>();
    const unread: string[] = [];
    for (const storeId of storeIds) {
      const hit = this.cached(storeId);
      if (hit && usable(hit)) found.set(storeId, hit);
      else unread.push(storeId);
    }
    const at = Date.now();
    for (const store of await this.directory.getStores(unread, orgId)) {
      this.cache.set(store.store_id, { store, at });
      found.set(store.store_id, store);
    }
    return found;
  }
}
