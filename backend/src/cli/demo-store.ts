import type { INestApplicationContext } from '@nestjs/common';
import type { Capability } from '../../../shared/src/events.ts';
import { EdgeKeyService } from '../admin/edge-key.service.ts';
import { StoreDirectory } from '../admin/store-directory.service.ts';

export const DEMO_ORG_NAME = 'WINK Demo Retail';
export const DEMO_STORE = { store_id: 'store_demo_001', name: 'Demo Store', timezone: 'Europe/London' };
export const DEMO_CAMERAS: { camera_id: string; name: string; capabilities: Capability[] }[] = [
  { camera_id: 'cam_entrance_01', name: 'Main Entrance Camera', capabilities: ['entrance', 'zones'] },
  { camera_id: 'cam_zone_01', name: 'Product Zone Camera', capabilities: ['zones', 'shelves'] },
  { camera_id: 'cam_checkout_01', name: 'Checkout Camera', capabilities: ['queue'] },
];

export interface SeededStore {
  orgId: string;
  store: typeof DEMO_STORE;
  cameras: { camera_id: string; name: string; capabilities: Capability[]; api_key: string }[];
}

/**
 * Creates the demo organisation, store and cameras when missing, and issues a fresh edge key per camera
 * (old keys cannot be shown again, so a re-run prints new ones; the old ones keep working until revoked).
 */
export async function seedDemoStore(app: INestApplicationContext): Promise<SeededStore> {
  const directory = app.get(StoreDirectory);
  const keys = app.get(EdgeKeyService);
  const existing = await directory.findStore(DEMO_STORE.store_id);
  const orgId = existing?.org_id ?? (await directory.createOrg(DEMO_ORG_NAME)).id;
  if (!existing) await directory.createStore({ org_id: orgId, ...DEMO_STORE });
  const have = new Set((await directory.listCameras(DEMO_STORE.store_id)).map((c) => c.camera_id));
  const cameras: SeededStore['cameras'] = [];
  for (const cam of DEMO_CAMERAS) {
    if (!have.has(cam.camera_id)) await directory.createCamera({ store_id: DEMO_STORE.store_id, ...cam });
    const key = await keys.issue({ org_id: orgId, store_id: DEMO_STORE.store_id, camera_id: cam.camera_id });
    cameras.push({ ...cam, api_key: key.api_key });
  }
  return { orgId, store: DEMO_STORE, cameras };
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
  lines.push("⚠️  Store these API keys securely - they won't be shown again! Put each one in the edge config.yaml of its camera.");
  return lines.join('\n');
}
