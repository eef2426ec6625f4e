/**
 * What one simulated visitor does, as the cameras would report it: in through the entrance, a look around
 * the entrance area, one to four departments with a dwell each (and maybe a few shelf interactions), maybe
 * the checkout queue, then out. Pure and deterministic: a store-day's plan and layout give the same events
 * with the same ids every time, so a re-run is stored once by the ingest's de-duplication.
 */
import type { StoreEvent } from '../../shared/src/events.ts';
import { SeededRandom, fingerprint } from '../../backend/src/common/seeded-random.ts';
import type { StoreLayout } from './store-layout.ts';
import { localTimeToInstant } from '../../backend/src/common/store-clock.ts';
import { arrivals, type DayPlan } from './traffic-model.ts';

/** An event and the camera whose edge key sends it; `atMs` is its `ts`, the moment the edge would emit it. */
export interface SimulatedEvent {
  cameraId: string;
  atMs: number;
  event: StoreEvent;
}

export const JOURNEY = {
  /** Share of visitors who look around the entrance area first (when a camera covers it). */
  entranceAreaShare: 0.9,
  /** How many departments a visitor visits: 1 (35 %), 2 (35 %), 3 (20 %), 4 (10 %). */
  departmentWeights: [0.35, 0.35, 0.2, 0.1],
  departmentDwellMedianS: 75,
  departmentDwellSigma: 0.6,
  /** Chance per shelf of a department that a visitor interacts with it; a promotion multiplies it. */
  shelfInteractionChance: 0.3,
  maxShelfInteractionChance: 0.95,
  /** An interaction is a stop of at least this long in front of a shelf (shorter is walking past). */
  minShelfDwellS: 2.5,
  /** Share of visitors who queue at a checkout. */
  checkoutShare: 0.55,
  /** Mean queue wait at the weekly peak rate; it grows with the arrival rate (spikes mean long queues). */
  meanQueueWaitS: 45,
  /** Everyone is out by closing time: the walk to the door is kept free before it. */
  exitReserveS: 30,
} as const;

const S = 1000;

/** An event before the journey gives it its ids (Omit distributed over the union of event types). */
type EventContent = StoreEvent extends infer E ? (E extends StoreEvent ? Omit<E, 'event_id' | 'person_key'> : never) : never;

interface VisitContext {
  plan: DayPlan;
  layout: StoreLayout;
  rng: SeededRandom;
  closeMs: number;
  idPrefix: string;
}

/** The events of one visitor, in time order. */
export function synthesizeVisit(ctx: VisitContext, visitor: number, arrivalMs: number, perHour: number): SimulatedEvent[] {
  const { layout, rng, plan } = ctx;
  const personKey = `${ctx.idPrefix}_${visitor}`;
  const out: SimulatedEvent[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const emit = (cameraId: string, atMs: number, event: EventContent) => {
    out.push({ cameraId, atMs, event: { ...event, event_id: `${personKey}_${out.length}`, person_key: personKey } as StoreEvent });
  };
  const fits = (t: number, durationMs: number) => t + durationMs + JOURNEY.exitReserveS * S <= ctx.closeMs;
  const seconds = (ms: number) => ms / S;

  let t = arrivalMs;
  emit(layout.entrance.cameraId, t, { type: 'entrance', ts: iso(t), direction: 'in' });

  if (layout.entrance.zoneId && rng.chance(JOURNEY.entranceAreaShare)) {
    const enter = t + Math.round(rng.uniform(1, 3) * S);
    const exit = enter + Math.round((3 + rng.exponential(8)) * S);
    if (fits(enter, exit - enter)) {
      emit(layout.entrance.cameraId, exit, {
        type: 'zone',
        ts: iso(exit),
        zone_id: layout.entrance.zoneId,
        enter_ts: iso(enter),
        exit_ts: iso(exit),
        dwell_seconds: seconds(exit - enter),
      });
      t = exit;
    }
  }

  const departments = rng.shuffled(layout.productZones).slice(0, departmentCount(rng));
  const shelfChance = Math.min(JOURNEY.maxShelfInteractionChance, JOURNEY.shelfInteractionChance * plan.promoLift);
  for (const zone of departments) {
    const enter = t + Math.round(rng.uniform(5, 25) * S);
    const dwellS = Math.min(1200, Math.max(15, rng.logNormal(JOURNEY.departmentDwellMedianS, JOURNEY.departmentDwellSigma)));
    const exit = enter + Math.round(dwellS * S);
    if (!fits(enter, exit - enter)) break;
    // Shelf stops happen one after another inside the department visit.
    let cursor = enter + Math.round(rng.uniform(2, 8) * S);
    for (const shelf of rng.shuffled(zone.shelves)) {
      if (!rng.chance(shelfChance)) continue;
      const dwellMs = Math.round(Math.min(120, JOURNEY.minShelfDwellS + rng.exponential(7)) * S);
      if (cursor + dwellMs > exit) break;
      const end = cursor + dwellMs;
      emit(shelf.cameraId, end, { type: 'shelf', ts: iso(end), shelf_id: shelf.shelfId, dwell_seconds: seconds(dwellMs) });
      cursor = end + Math.round(rng.uniform(1, 6) * S);
    }
    if (zone.cameraId)
      emit(zone.cameraId, exit, {
        type: 'zone',
        ts: iso(exit),
        zone_id: zone.zoneId,
        enter_ts: iso(enter),
        exit_ts: iso(exit),
        dwell_seconds: seconds(exit - enter),
      });
    t = exit;
  }

  if (layout.queues.length > 0 && rng.chance(JOURNEY.checkoutShare)) {
    const queue = rng.pick(layout.queues);
    const busy = perHour / plan.peakVisitorsPerHour;
    const enter = t + Math.round(rng.uniform(10, 40) * S);
    const exit = enter + Math.round(Math.min(1800, rng.exponential(JOURNEY.meanQueueWaitS * (0.5 + busy))) * S);
    const served = exit + Math.round(rng.uniform(40, 120) * S);
    if (fits(enter, served - enter)) {
      emit(queue.cameraId, exit, {
        type: 'queue',
        ts: iso(exit),
        queue_id: queue.queueId,
        enter_ts: iso(enter),
        exit_ts: iso(exit),
        wait_seconds: seconds(exit - enter),
      });
      t = served;
    }
  }

  const leftMs = Math.min(ctx.closeMs, t + Math.round(rng.uniform(10, 30) * S));
  emit(layout.entrance.cameraId, leftMs, { type: 'entrance', ts: iso(leftMs), direction: 'out' });
  return out.sort((a, b) => a.atMs - b.atMs);
}

function departmentCount(rng: SeededRandom): number {
  let u = rng.next();
  for (const [i, w] of JOURNEY.departmentWeights.entries()) {
    if (u < w) return i + 1;
    u -= w;
  }
  return JOURNEY.departmentWeights.length;
}

/** A store-day's ids start with this: it changes whenever anything that shapes the day changes. */
export function dayIdPrefix(plan: DayPlan, layout: StoreLayout): string {
  return `sim_${fingerprint({ plan, layout })}`;
}

/** Every event of one store-day, in time order, with its visitor count. */
export function synthesizeStoreDay(plan: DayPlan, layout: StoreLayout): { visitors: number; events: SimulatedEvent[] } {
  if (!plan.hours) return { visitors: 0, events: [] };
  const idPrefix = dayIdPrefix(plan, layout);
  const rng = new SeededRandom(`visitors|${idPrefix}|${plan.seed}`);
  const ctx: VisitContext = { plan, layout, rng, closeMs: localTimeToInstant(plan.date, plan.hours.close, plan.timezone), idPrefix };
  const day = arrivals(plan, rng);
  const events: SimulatedEvent[] = [];
  for (const [i, a] of day.entries()) events.push(...synthesizeVisit(ctx, i, a.atMs, a.perHour));
  events.sort((a, b) => a.atMs - b.atMs);
  return { visitors: day.length, events };
}
