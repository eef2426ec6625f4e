/**
 * Which camera sees what in a simulated store: the entrance (and the area just inside it), the product
 * zones with their shelves, and the checkout queues. Every event goes to the camera that would see it,
 * because an edge key may only write for its own camera.
 */
import type { Capability } from '../../shared/src/events.ts';
import { hoursOf, weeklyHours, type OpeningHours } from './traffic-model.ts';

export interface CameraSpec {
  camera_id: string;
  name: string;
  capabilities: Capability[];
}

export interface ProductZone {
  /** The camera that reports visits to this zone, or null when no camera covers it as a zone. */
  cameraId: string | null;
  zoneId: string;
  shelves: { cameraId: string; shelfId: string }[];
}

export interface StoreLayout {
  entrance: { cameraId: string; zoneId: string | null };
  productZones: ProductZone[];
  queues: { cameraId: string; queueId: string }[];
}

export class StoreLayoutError extends Error {}

/** The cameras of every simulated store: the same set as the demo store (entrance+zones, zones+shelves, queue). */
export const SIMULATED_CAMERAS: CameraSpec[] = [
  { camera_id: 'cam_entrance_01', name: 'Main Entrance Camera', capabilities: ['entrance', 'zones'] },
  { camera_id: 'cam_zone_01', name: 'Product Zone Camera', capabilities: ['zones', 'shelves'] },
  { camera_id: 'cam_checkout_01', name: 'Checkout Camera', capabilities: ['queue'] },
];

const DEPARTMENTS = ['electronics', 'grocery', 'apparel', 'home', 'beauty', 'toys', 'sports', 'books'];
const ZONES_PER_CAMERA = 3;
const SHELVES_PER_ZONE = 3;

/**
 * The layout a set of cameras implies, from their capabilities: the first entrance camera counts people in
 * and out (and, if it also does zones, the entrance area); other zone cameras cover three departments each;
 * shelf cameras watch three shelves per department; each queue camera watches one checkout.
 */
export function layoutFromCameras(cameras: readonly CameraSpec[]): StoreLayout {
  const entranceCam = cameras.find((c) => c.capabilities.includes('entrance'));
  if (!entranceCam)
    throw new StoreLayoutError(`no camera with the "entrance" capability among ${cameras.map((c) => c.camera_id).join(', ') || '(none)'}: footfall needs one`);
  const productZones: ProductZone[] = [];
  for (const cam of cameras) {
    if (cam === entranceCam || !cam.capabilities.includes('zones')) continue;
    for (let i = 0; i < ZONES_PER_CAMERA; i++) {
      productZones.push({ cameraId: cam.camera_id, zoneId: DEPARTMENTS[productZones.length % DEPARTMENTS.length] + suffix(productZones.length), shelves: [] });
    }
  }
  const shelfCams = cameras.filter((c) => c.capabilities.includes('shelves'));
  if (shelfCams.length > 0 && productZones.length === 0) {
    // Shelves without a zone camera: the departments exist, no camera reports them as zones.
    for (let i = 0; i < ZONES_PER_CAMERA; i++) productZones.push({ cameraId: null, zoneId: DEPARTMENTS[i], shelves: [] });
  }
  for (const [z, zone] of productZones.entries()) {
    for (let s = 0; s < SHELVES_PER_ZONE && shelfCams.length > 0; s++) {
      const cam = shelfCams[(z * SHELVES_PER_ZONE + s) % shelfCams.length];
      zone.shelves.push({ cameraId: cam.camera_id, shelfId: `shelf_${String.fromCharCode(65 + (z % 26))}${s + 1}` });
    }
  }
  const queues = cameras.filter((c) => c.capabilities.includes('queue')).map((c, i) => ({ cameraId: c.camera_id, queueId: `checkout_${i + 1}` }));
  return { entrance: { cameraId: entranceCam.camera_id, zoneId: entranceCam.capabilities.includes('zones') ? 'entrance_area' : null }, productZones, queues };
}

/** Departments repeat after eight: the second round is `electronics_2`, … */
function suffix(index: number): string {
  const round = Math.floor(index / DEPARTMENTS.length);
  return round === 0 ? '' : `_${round + 1}`;
}

/** How a simulated store differs from the others: where it is, when it opens and how busy it is. */
export interface StoreProfile {
  timezone: string;
  openingHours: OpeningHours;
  /** Multiplies --rate: a flagship is busier than a neighbourhood store. Averages 1 over the profiles. */
  size: number;
  /** What its till reports sales in (ISO 4217). */
  currency: string;
  /** Multiplies the sales model's conversion: stores differ in how many of their visitors buy. */
  conversion: number;
}

/** Simulated stores take these profiles in turn: sim_store_001 is in London, 002 in Los Angeles, 003 in Kolkata, … */
export const SIMULATED_STORE_PROFILES: readonly StoreProfile[] = [
  {
    timezone: 'Europe/London',
    openingHours: weeklyHours(hoursOf('09:00', '20:00'), hoursOf('09:00', '20:00'), hoursOf('11:00', '17:00')),
    size: 1.0,
    currency: 'GBP',
    conversion: 1.0,
  },
  {
    timezone: 'America/Los_Angeles',
    openingHours: weeklyHours(hoursOf('10:00', '21:00'), hoursOf('10:00', '21:00'), hoursOf('10:00', '19:00')),
    size: 1.2,
    currency: 'USD',
    conversion: 1.15,
  },
  {
    timezone: 'Asia/Kolkata',
    openingHours: weeklyHours(hoursOf('10:00', '22:00'), hoursOf('10:00', '22:00'), hoursOf('10:00', '22:00')),
    size: 0.8,
    currency: 'INR',
    conversion: 0.8,
  },
];

/** An existing store fed by --store-id reports its sales in this currency (the demo store is in London). */
export const DEFAULT_CURRENCY = 'GBP';

/** An existing store fed by --store-id keeps its own time zone and gets these hours. */
export const DEFAULT_OPENING_HOURS: OpeningHours = weeklyHours(hoursOf('09:00', '20:00'), hoursOf('09:00', '20:00'), hoursOf('11:00', '17:00'));

export function simulatedStoreId(index: number): string {
  return `sim_store_${String(index + 1).padStart(3, '0')}`;
}

export function simulatedStoreProfile(index: number): StoreProfile {
  return SIMULATED_STORE_PROFILES[index % SIMULATED_STORE_PROFILES.length];
}
