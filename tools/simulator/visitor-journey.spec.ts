import { storeEventSchema, type StoreEvent } from '../../shared/src/events.ts';
import { SIMULATED_CAMERAS, SIMULATED_STORE_PROFILES, layoutFromCameras, type CameraSpec } from './store-layout.ts';
import { planDay } from './traffic-model.ts';
import { JOURNEY, synthesizeStoreDay, type SimulatedEvent } from './visitor-journey.ts';

const LONDON = SIMULATED_STORE_PROFILES[0];
const layout = layoutFromCameras(SIMULATED_CAMERAS);
const day = (over: { promoLift?: number; date?: string } = {}) => {
  const plan = planDay({
    seed: 'journey',
    storeId: 'sim_store_001',
    timezone: LONDON.timezone,
    date: over.date ?? '2024-03-09',
    peakVisitorsPerHour: 80,
    openingHours: LONDON.openingHours,
    spikeProbability: 0,
    promotion: over.promoLift ? { first: '2024-01-01', last: '2024-12-31', lift: over.promoLift } : null,
  });
  return synthesizeStoreDay(plan, layout);
};

function byVisitor(events: SimulatedEvent[]): Map<string, SimulatedEvent[]> {
  const out = new Map<string, SimulatedEvent[]>();
  for (const e of events) out.set(e.event.person_key, [...(out.get(e.event.person_key) ?? []), e]);
  return out;
}

describe('visitor journey', () => {
  const { visitors, events } = day();

  it('produces events the ingest contract accepts, with unique ids', () => {
    for (const { event } of events) expect(storeEventSchema.safeParse(event).success).toBe(true);
    expect(new Set(events.map((e) => e.event.event_id)).size).toBe(events.length);
    expect(events.every((e) => e.atMs === Date.parse(e.event.ts))).toBe(true);
  });

  it('walks each visitor in through the entrance and out again, one person_key per visitor', () => {
    const journeys = byVisitor(events);
    expect(journeys.size).toBe(visitors);
    for (const journey of journeys.values()) {
      const first = journey[0].event;
      const last = journey.at(-1)!.event;
      expect(first).toMatchObject({ type: 'entrance', direction: 'in' });
      expect(last).toMatchObject({ type: 'entrance', direction: 'out' });
      expect(journey.filter((e) => e.event.type === 'entrance')).toHaveLength(2);
      expect(journey.filter((e) => e.event.type === 'queue').length).toBeLessThanOrEqual(1);
    }
  });

  it('reports each event from the camera that sees it', () => {
    const cameraOf = (e: StoreEvent) =>
      e.type === 'entrance' || (e.type === 'zone' && e.zone_id === 'entrance_area')
        ? 'cam_entrance_01'
        : e.type === 'queue'
          ? 'cam_checkout_01'
          : 'cam_zone_01';
    for (const e of events) expect(e.cameraId).toBe(cameraOf(e.event));
  });

  it('has shelf interactions of at least 2.5 s inside a department visit, and consistent dwell and wait times', () => {
    const journeys = byVisitor(events);
    let shelves = 0;
    for (const journey of journeys.values()) {
      const zones = journey.map((e) => e.event).filter((e) => e.type === 'zone');
      for (const e of journey.map((j) => j.event)) {
        if (e.type === 'shelf') {
          shelves++;
          expect(e.dwell_seconds).toBeGreaterThanOrEqual(JOURNEY.minShelfDwellS);
          const end = Date.parse(e.ts);
          const start = end - e.dwell_seconds * 1000;
          expect(zones.some((z) => z.zone_id !== 'entrance_area' && Date.parse(z.enter_ts) <= start && Date.parse(z.exit_ts) >= end)).toBe(true);
        }
        if (e.type === 'zone') expect(Math.round(e.dwell_seconds * 1000)).toBe(Date.parse(e.exit_ts) - Date.parse(e.enter_ts));
        if (e.type === 'queue') expect(Math.round(e.wait_seconds * 1000)).toBe(Date.parse(e.exit_ts) - Date.parse(e.enter_ts));
      }
    }
    expect(shelves).toBeGreaterThan(visitors * 0.3);
  });

  it('makes shelf interactions more frequent under a promotion', () => {
    const shelfPerVisitor = (d: ReturnType<typeof day>) => d.events.filter((e) => e.event.type === 'shelf').length / d.visitors;
    expect(shelfPerVisitor(day({ promoLift: 2 }))).toBeGreaterThan(1.5 * shelfPerVisitor(day()));
  });
});

describe('store layout from cameras', () => {
  it('gives the simulated store an entrance area, three departments with three shelves each, and a checkout', () => {
    expect(layout.entrance).toEqual({ cameraId: 'cam_entrance_01', zoneId: 'entrance_area' });
    expect(layout.productZones.map((z) => z.zoneId)).toEqual(['electronics', 'grocery', 'apparel']);
    expect(layout.productZones.flatMap((z) => z.shelves.map((s) => s.shelfId))).toHaveLength(9);
    expect(layout.queues).toEqual([{ cameraId: 'cam_checkout_01', queueId: 'checkout_1' }]);
  });

  it('needs a camera that counts the entrance', () => {
    const noEntrance: CameraSpec[] = [{ camera_id: 'cam_zone_01', name: 'z', capabilities: ['zones'] }];
    expect(() => layoutFromCameras(noEntrance)).toThrow('no camera with the "entrance" capability among cam_zone_01');
  });

  it('works with an entrance camera alone', () => {
    const only: CameraSpec[] = [{ camera_id: 'door', name: 'door', capabilities: ['entrance'] }];
    const plan = planDay({
      seed: 's',
      storeId: 'x',
      timezone: 'UTC',
      date: '2024-03-09',
      peakVisitorsPerHour: 20,
      openingHours: LONDON.openingHours,
      spikeProbability: 0,
    });
    const d = synthesizeStoreDay(plan, layoutFromCameras(only));
    expect(d.events).toHaveLength(d.visitors * 2);
    expect(d.events.every((e) => e.cameraId === 'door' && e.event.type === 'entrance')).toBe(true);
  });
});
