/**
 * The stores a simulation feeds, set up through the admin API exactly as an operator would: the
 * simulated organisation, its stores and cameras (reused when a previous run created them) and one fresh
 * edge key per camera (keys cannot be read back, so every run issues its own and revokes them at the end).
 * Or an existing store, fed with the keys an operator hands over.
 */
import type { Capability } from '../../shared/src/events.ts';
import {
  DEFAULT_CURRENCY,
  DEFAULT_OPENING_HOURS,
  SIMULATED_CAMERAS,
  layoutFromCameras,
  simulatedStoreId,
  simulatedStoreProfile,
  type CameraSpec,
  type StoreLayout,
} from './store-layout.ts';
import type { OpeningHours } from './traffic-model.ts';
import { WinkApiError, type WinkApiClient } from './wink-api-client.ts';

export const SIMULATED_ORG_NAME = 'WINK Simulated Retail';

export interface SimulatedStore {
  orgId: string;
  storeId: string;
  timezone: string;
  openingHours: OpeningHours;
  /** Multiplies --rate for this store. */
  size: number;
  /** Multiplies the sales model's conversion: its shoppers buy more or less often. */
  conversion: number;
  layout: StoreLayout;
  /** Edge key per camera that the simulation writes for. */
  keys: Record<string, string>;
  /** The till's POS key (POST /api/sales); null: no sales are sent for this store. */
  posKey: string | null;
  currency: string;
}

export interface Fleet {
  stores: SimulatedStore[];
  /** Edge keys this run issued (revoked by `release`). */
  issuedKeyIds: string[];
  /** POS keys this run issued (revoked by `release`). */
  issuedPosKeyIds: string[];
}

interface StoreView {
  org_id: string;
  store_id: string;
  name: string;
  timezone: string;
}
interface CameraView {
  camera_id: string;
  name: string;
  capabilities: string[];
}
interface IssuedKey {
  id: string;
  api_key: string;
}

export class FleetError extends Error {}

/** sim_store_001 … sim_store_N in the simulated organisation, each with the demo store's three cameras. */
export async function provisionSimulatedStores(api: WinkApiClient, count: number, log: (m: string) => void = () => {}): Promise<Fleet> {
  const { orgs } = await api.admin<{ orgs: { id: string; name: string }[] }>('GET', '/api/admin/orgs');
  let orgId = orgs.find((o) => o.name === SIMULATED_ORG_NAME)?.id;
  if (!orgId) {
    orgId = (await api.admin<{ id: string }>('POST', '/api/admin/orgs', { name: SIMULATED_ORG_NAME })).id;
    log(`created organisation "${SIMULATED_ORG_NAME}" (${orgId})`);
  }
  // Store ids are unique across organisations: look in all of them, so a re-run finds its stores.
  const existing = new Map((await api.admin<{ stores: StoreView[] }>('GET', '/api/admin/stores')).stores.map((s) => [s.store_id, s]));
  const fleet: Fleet = { stores: [], issuedKeyIds: [], issuedPosKeyIds: [] };
  let created = 0;
  for (let i = 0; i < count; i++) {
    const storeId = simulatedStoreId(i);
    const profile = simulatedStoreProfile(i);
    let store = existing.get(storeId);
    if (!store) {
      store = await createOrFind(api, storeId, {
        org_id: orgId,
        store_id: storeId,
        name: `Simulated Store ${String(i + 1).padStart(3, '0')}`,
        timezone: profile.timezone,
      });
      created++;
    }
    const have = new Set((await listCameras(api, storeId)).map((c) => c.camera_id));
    for (const cam of SIMULATED_CAMERAS) {
      if (have.has(cam.camera_id)) continue;
      await api.admin('POST', '/api/admin/cameras', { store_id: storeId, ...cam }).catch(ignoreConflict);
    }
    const keys = await issueKeys(
      api,
      store,
      SIMULATED_CAMERAS.map((c) => c.camera_id),
      fleet,
    );
    // An existing store keeps its own time zone: the model follows the store as the backend knows it.
    fleet.stores.push({
      orgId: store.org_id,
      storeId,
      timezone: store.timezone,
      openingHours: profile.openingHours,
      size: profile.size,
      conversion: profile.conversion,
      layout: layoutFromCameras(SIMULATED_CAMERAS),
      keys,
      posKey: await issuePosKey(api, store, fleet),
      currency: profile.currency,
    });
  }
  log(
    `${count} simulated store(s) ready (${created} created, ${count - created} reused), ${fleet.issuedKeyIds.length} edge keys and ${fleet.issuedPosKeyIds.length} POS keys issued`,
  );
  return fleet;
}

/**
 * An existing store (e.g. store_demo_001). With `keys` ({camera_id: api_key}, and `pos`: its till's POS key) only
 * those cameras are fed, and sales only with a `pos` key; without, a key is issued for each of its cameras and its till.
 */
export async function attachExistingStore(api: WinkApiClient, storeId: string, keys: Record<string, string> | null, conversion = 1): Promise<Fleet> {
  const store = (await api.admin<{ stores: StoreView[] }>('GET', '/api/admin/stores')).stores.find((s) => s.store_id === storeId);
  if (!store) throw new FleetError(`--store-id: store ${storeId} does not exist (create it with the admin API or npm run seed)`);
  const cameras = await listCameras(api, storeId);
  const fleet: Fleet = { stores: [], issuedKeyIds: [], issuedPosKeyIds: [] };
  let fed: CameraView[] = cameras;
  let storeKeys: Record<string, string>;
  let posKey: string | null = null;
  if (keys) {
    const { [POS_ENTRY]: pos, ...cameraKeys } = keys;
    posKey = pos ?? null;
    const known = new Set(cameras.map((c) => c.camera_id));
    const unknown = Object.keys(cameraKeys).filter((id) => !known.has(id));
    if (unknown.length)
      throw new FleetError(
        `--keys-file: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a camera' : 'are not cameras'} of store ${storeId} (cameras: ${[...known].join(', ') || 'none'})`,
      );
    fed = cameras.filter((c) => cameraKeys[c.camera_id] !== undefined);
    storeKeys = cameraKeys;
  } else {
    storeKeys = await issueKeys(
      api,
      store,
      cameras.map((c) => c.camera_id),
      fleet,
    );
    posKey = await issuePosKey(api, store, fleet);
  }
  const specs: CameraSpec[] = fed.map((c) => ({ camera_id: c.camera_id, name: c.name, capabilities: c.capabilities as Capability[] }));
  let layout: StoreLayout;
  try {
    layout = layoutFromCameras(specs);
  } catch (e) {
    throw new FleetError(`${keys ? '--keys-file' : '--store-id'}: store ${storeId}: ${(e as Error).message}`);
  }
  fleet.stores.push({
    orgId: store.org_id,
    storeId,
    timezone: store.timezone,
    openingHours: DEFAULT_OPENING_HOURS,
    size: 1,
    conversion,
    layout,
    keys: storeKeys,
    posKey,
    currency: DEFAULT_CURRENCY,
  });
  return fleet;
}

/** Revokes the edge keys this run issued; the stores, cameras and events stay. */
export async function releaseFleet(api: WinkApiClient, fleet: Fleet): Promise<void> {
  for (const id of fleet.issuedKeyIds.splice(0)) await api.admin('DELETE', `/api/admin/edge-keys/${id}`);
  for (const id of fleet.issuedPosKeyIds.splice(0)) await api.admin('DELETE', `/api/admin/pos-keys/${id}`);
}

/** The entry of a keys file ({camera_id: key}) that holds the store's POS key rather than a camera's. */
export const POS_ENTRY = 'pos';

/** A POS key for the store's till, issued like the edge keys (shown once) and revoked at the end of the run. */
async function issuePosKey(api: WinkApiClient, store: StoreView, fleet: Fleet): Promise<string> {
  const key = await api.admin<IssuedKey>('POST', '/api/admin/pos-keys', { org_id: store.org_id, store_id: store.store_id, name: 'npm run simulate' });
  fleet.issuedPosKeyIds.push(key.id);
  return key.api_key;
}

async function listCameras(api: WinkApiClient, storeId: string): Promise<CameraView[]> {
  return (await api.admin<{ cameras: CameraView[] }>('GET', `/api/admin/cameras?store_id=${encodeURIComponent(storeId)}`)).cameras;
}

async function issueKeys(api: WinkApiClient, store: StoreView, cameraIds: string[], fleet: Fleet): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const camera_id of cameraIds) {
    const key = await api.admin<IssuedKey>('POST', '/api/admin/edge-keys', { org_id: store.org_id, store_id: store.store_id, camera_id });
    keys[camera_id] = key.api_key;
    fleet.issuedKeyIds.push(key.id);
  }
  return keys;
}

/** Another simulation may have created the store a moment ago: then use that one. */
async function createOrFind(api: WinkApiClient, storeId: string, body: StoreView): Promise<StoreView> {
  try {
    return await api.admin<StoreView>('POST', '/api/admin/stores', body);
  } catch (e) {
    if (!(e instanceof WinkApiError && e.status === 409)) throw e;
    const found = (await api.admin<{ stores: StoreView[] }>('GET', '/api/admin/stores')).stores.find((s) => s.store_id === storeId);
    if (!found) throw e;
    return found;
  }
}

function ignoreConflict(e: unknown): void {
  if (!(e instanceof WinkApiError && e.status === 409)) throw e;
}
