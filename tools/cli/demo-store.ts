import type { INestApplicationContext } from '@nestjs/common';
import type { Capability } from '../../shared/src/events.ts';
import { EdgeKeyService } from '../../backend/src/admin/edge-key.service.ts';
import { PosKeyService } from '../../backend/src/admin/pos-key.service.ts';
import { StoreDirectory } from '../../backend/src/admin/store-directory.service.ts';
import { ViewerKeyService } from '../../backend/src/admin/viewer-key.service.ts';
import { POS_ENTRY } from '../simulator/simulated-fleet.ts';

export const DEMO_ORG_NAME = 'WINK Demo Retail';
export const DEMO_STORE = { store_id: 'store_demo_001', name: 'Demo Store', timezone: 'Europe/London' };
export const DEMO_CAMERAS: { camera_id: string; name: string; capabilities: Capability[] }[] = [
  { camera_id: 'cam_entrance_01', name: 'Main Entrance Camera', capabilities: ['entrance', 'zones'] },
  { camera_id: 'cam_zone_01', name: 'Product Zone Camera', capabilities: ['zones', 'shelves'] },
  { camera_id: 'cam_checkout_01', name: 'Checkout Camera', capabilities: ['queue'] },
];

/**
 * The demo organisation's other stores: history only (footfall at the door and a till), each converting its own share
 * of visitors, so the comparison of stores ranks several on the first look. `rate`: visitors per hour at the peak.
 */
export const DEMO_BRANCHES: { store_id: string; name: string; timezone: string; conversion: number; rate: number }[] = [
  { store_id: 'store_demo_002', name: 'Demo Store High Street', timezone: 'Europe/London', conversion: 1.3, rate: 40 },
  { store_id: 'store_demo_003', name: 'Demo Store Retail Park', timezone: 'Europe/London', conversion: 0.7, rate: 50 },
];
export const DEMO_BRANCH_CAMERA = { camera_id: 'cam_entrance_01', name: 'Entrance Camera', capabilities: ['entrance'] as Capability[] };

export interface SeededStore {
  orgId: string;
  store: typeof DEMO_STORE;
  cameras: { camera_id: string; name: string; capabilities: Capability[]; api_key: string }[];
  /** Edge keys of the demo cameras that this run replaced (revoked). */
  revoked: number;
}

/**
 * Creates the demo organisation, store and cameras when missing, and issues a fresh edge key per camera.
 * Old keys cannot be shown again, so a re-run prints new ones and revokes the ones they replace: the demo
 * cameras never collect live keys nobody holds any more.
 */
export async function seedDemoStore(app: INestApplicationContext): Promise<SeededStore> {
  const directory = app.get(StoreDirectory);
  const keys = app.get(EdgeKeyService);
  const existing = await directory.findStore(DEMO_STORE.store_id);
  const orgId = existing?.org_id ?? (await directory.createOrg(DEMO_ORG_NAME)).id;
  if (!existing) await directory.createStore({ org_id: orgId, ...DEMO_STORE });
  const have = new Set((await directory.listCameras(DEMO_STORE.store_id)).map((c) => c.camera_id));
  const replaced = (await keys.list(DEMO_STORE.store_id)).filter((k) => !k.revoked_at && DEMO_CAMERAS.some((c) => c.camera_id === k.camera_id));
  const cameras: SeededStore['cameras'] = [];
  for (const cam of DEMO_CAMERAS) {
    if (!have.has(cam.camera_id)) await directory.createCamera({ store_id: DEMO_STORE.store_id, ...cam });
    const key = await keys.issue({ org_id: orgId, store_id: DEMO_STORE.store_id, camera_id: cam.camera_id });
    cameras.push({ ...cam, api_key: key.api_key });
  }
  for (const k of replaced) await keys.revoke(k.id);
  return { orgId, store: DEMO_STORE, cameras, revoked: replaced.length };
}

/**
 * The branches of the demo organisation with their door camera, each with a fresh edge key and POS key (an earlier
 * run's revoked): store id → keys for the simulator (camera id → edge key, and `pos`).
 */
export async function seedDemoBranches(app: INestApplicationContext, orgId: string): Promise<Map<string, Record<string, string>>> {
  const directory = app.get(StoreDirectory);
  const edgeKeys = app.get(EdgeKeyService);
  const pos = app.get(PosKeyService);
  const out = new Map<string, Record<string, string>>();
  for (const b of DEMO_BRANCHES) {
    if (!(await directory.findStore(b.store_id))) await directory.createStore({ org_id: orgId, store_id: b.store_id, name: b.name, timezone: b.timezone });
    if (!(await directory.listCameras(b.store_id)).length) await directory.createCamera({ store_id: b.store_id, ...DEMO_BRANCH_CAMERA });
    const replaced = (await edgeKeys.list(b.store_id)).filter((k) => !k.revoked_at);
    const key = await edgeKeys.issue({ org_id: orgId, store_id: b.store_id, camera_id: DEMO_BRANCH_CAMERA.camera_id });
    for (const k of replaced) await edgeKeys.revoke(k.id);
    const name = `${DEMO_POS_KEY_NAME} (${b.store_id})`;
    const till = await reissue(pos, orgId, name, () => pos.issue({ org_id: orgId, store_id: b.store_id, name }));
    out.set(b.store_id, { [DEMO_BRANCH_CAMERA.camera_id]: key.api_key, [POS_ENTRY]: till });
  }
  return out;
}

export const DEMO_VIEWER_KEY_NAME = 'npm run demo';
/** The demo till's POS key is named the same way. */
export const DEMO_POS_KEY_NAME = 'npm run demo';

/** Keys listed per organisation, revocable by id: viewer and POS keys. */
interface NamedKeys {
  list(orgId: string): Promise<{ id: string; name: string | null; revoked_at: string | null }[]>;
  revoke(id: string): Promise<unknown>;
}

/** Issues the demo's key of a kind and revokes the one an earlier demo run issued under the same name. */
async function reissue(keys: NamedKeys, orgId: string, name: string, issue: () => Promise<{ api_key: string }>): Promise<string> {
  const earlier = (await keys.list(orgId)).filter((k) => !k.revoked_at && k.name === name);
  const issued = await issue();
  for (const k of earlier) await keys.revoke(k.id);
  return issued.api_key;
}

/** The viewer key `npm run demo` prints; the one an earlier demo run printed is revoked. */
export function issueDemoViewerKey(app: INestApplicationContext, orgId: string): Promise<string> {
  const viewers = app.get(ViewerKeyService);
  return reissue(viewers, orgId, DEMO_VIEWER_KEY_NAME, () => viewers.issue({ org_id: orgId, role: 'viewer', name: DEMO_VIEWER_KEY_NAME }));
}

/**
 * The demo store's till: a POS key with which the simulator sends its sales through POST /api/sales, exactly as a
 * store's POS would (the one an earlier demo run used is revoked).
 */
export function issueDemoPosKey(app: INestApplicationContext, orgId: string): Promise<string> {
  const pos = app.get(PosKeyService);
  return reissue(pos, orgId, DEMO_POS_KEY_NAME, () => pos.issue({ org_id: orgId, store_id: DEMO_STORE.store_id, name: DEMO_POS_KEY_NAME }));
}

export function formatSeededStore(s: SeededStore): string {
  const lines = [
    '✅ Demo data ready',
    '',
    `Organization ID: ${s.orgId}`,
    `Store ID:        ${s.store.store_id} (${s.store.name}, ${s.store.timezone})`,
    '',
    'Cameras:',
  ];
  for (const c of s.cameras) {
    lines.push(`  📹 ${c.camera_id} - ${c.name}`, `     Capabilities: ${c.capabilities.join(', ')}`, `     API Key: ${c.api_key}`, '');
  }
  if (s.revoked) lines.push(`🔁 The ${s.revoked} earlier key(s) of these cameras were revoked: edges still using them get 401 until given the new ones.`, '');
  lines.push("⚠️  Store these API keys securely - they won't be shown again! Put each one in the edge config.yaml of its camera.");
  return lines.join('\n');
}
