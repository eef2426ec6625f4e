/**
 * The footfall model of a simulated store, pure and deterministic: how many visitors per hour arrive at
 * any store-local minute of a given day, and when exactly they arrive (a non-homogeneous Poisson process
 * drawn from a seeded stream). Nothing here reads the clock or the network.
 */
import { SeededRandom } from '../../backend/src/common/seeded-random.ts';
import { isoDow, localTimeToInstant } from '../../backend/src/common/store-clock.ts';

/** Bump when the model's output for the same inputs changes: event ids change with it, so old runs are not mistaken for duplicates. */
export const TRAFFIC_MODEL_VERSION = 1;

/** Open from `open` to `close`, minutes of the store-local day (close may be 1440, midnight). */
export interface OpenInterval {
  open: number;
  close: number;
}
/** Index 0 = Sunday … 6 = Saturday; null = closed all day. */
export type OpeningHours = readonly (OpenInterval | null)[];

/** Weekly seasonality, Sunday first: Saturday is the busiest day (1.0), Monday the quietest. */
export const WEEKDAY_FACTORS: readonly number[] = [0.85, 0.7, 0.72, 0.76, 0.82, 0.92, 1.0];

/**
 * Daily seasonality by store-local hour: a late-morning rise, a lunch peak, a dip at 14:00 and the busiest
 * hour at 17:00 (1.0). Only the open hours of a day are used.
 */
export const HOURLY_FACTORS: readonly number[] = [
  0.1,
  0.1,
  0.1,
  0.1,
  0.1,
  0.1,
  0.12,
  0.18, // 00-07
  0.25,
  0.35,
  0.5,
  0.65,
  0.85,
  0.85,
  0.72,
  0.8, // 08-15
  0.95,
  1.0,
  0.9,
  0.7,
  0.5,
  0.35,
  0.25,
  0.15, // 16-23
];

/** No new visitors in the last minutes before closing (the doors are being closed). */
export const LAST_ENTRY_MINUTES_BEFORE_CLOSE = 10;
/** Arrival intensity is constant within a slot of this many minutes. */
const SLOT_MINUTES = 15;
const HOUR_MS = 3_600_000;

export interface Promotion {
  /** First and last store-local dates of the promotion, inclusive. */
  first: string;
  last: string;
  /** Multiplies footfall and the chance of a shelf interaction, e.g. 1.3. */
  lift: number;
}

/** One hour of the day with a burst of visitors (a bus tour, a flash sale, a rain shower). */
export interface Spike {
  hour: number;
  multiplier: number;
}

export const SPIKE_MULTIPLIER_RANGE = [2.5, 4] as const;

/**
 * A spike planted on a fixed rhythm of dates: `hour` (store-local) on every day whose number since
 * 1970-01-01 is a multiple of `everyDays`. The dates do not depend on when a run happens, so every run
 * sends the same days (and event ids); with everyDays 6, any 7 days hold one or two, and no two share a weekday
 * within 6 weeks, so the same-weekday baseline stays clean.
 */
export interface PlantedSpikes {
  everyDays: number;
  hour: number;
  multiplier: number;
}

export function plantedSpikeOn(planted: PlantedSpikes | null | undefined, date: string): Spike | null {
  if (!planted) return null;
  const day = Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
  return day % planted.everyDays === 0 ? { hour: planted.hour, multiplier: planted.multiplier } : null;
}

export interface DayPlanInput {
  seed: string;
  storeId: string;
  timezone: string;
  date: string;
  /** Mean visitors per open hour at the weekly peak (Saturday 17:00), before promotion and spikes. */
  peakVisitorsPerHour: number;
  openingHours: OpeningHours;
  promotion?: Promotion | null;
  /** Probability that this store-day has a spike hour. */
  spikeProbability: number;
  /** Spikes on fixed dates (the demo's): on such a date, this spike replaces the random one. */
  plantedSpikes?: PlantedSpikes | null;
}

/** Everything that decides one store-day's traffic. Equal plans give equal visitors and event ids. */
export interface DayPlan {
  modelVersion: number;
  seed: string;
  storeId: string;
  timezone: string;
  date: string;
  weekday: number;
  hours: OpenInterval | null;
  peakVisitorsPerHour: number;
  promoLift: number;
  spike: Spike | null;
}

export function isPromotionDay(promotion: Promotion | null | undefined, date: string): boolean {
  return !!promotion && date >= promotion.first && date <= promotion.last;
}

/**
 * Decides the day: opening hours, promotion lift and whether (and when) a spike happens. The spike comes
 * from its own stream, so the same day keeps the same spike when only the rate changes.
 */
export function planDay(input: DayPlanInput): DayPlan {
  const weekday = isoDow(input.date) % 7; // 0 = Sunday … 6 = Saturday, as OpeningHours and WEEKDAY_FACTORS count
  const hours = input.openingHours[weekday] ?? null;
  let spike: Spike | null = null;
  if (hours) {
    const rng = new SeededRandom(`spike|${input.seed}|${input.storeId}|${input.date}`);
    const happens = rng.next() < input.spikeProbability;
    const firstHour = Math.ceil(hours.open / 60);
    const lastHour = Math.floor(hours.close / 60) - 1;
    const hour = rng.int(firstHour, lastHour + 1);
    const multiplier = Math.round(rng.uniform(SPIKE_MULTIPLIER_RANGE[0], SPIKE_MULTIPLIER_RANGE[1]) * 100) / 100;
    if (happens && lastHour >= firstHour) spike = { hour, multiplier };
    const planted = plantedSpikeOn(input.plantedSpikes, input.date);
    if (planted && planted.hour >= firstHour && planted.hour <= lastHour) spike = planted;
  }
  return {
    modelVersion: TRAFFIC_MODEL_VERSION,
    seed: input.seed,
    storeId: input.storeId,
    timezone: input.timezone,
    date: input.date,
    weekday,
    hours,
    peakVisitorsPerHour: input.peakVisitorsPerHour,
    promoLift: isPromotionDay(input.promotion, input.date) ? input.promotion!.lift : 1,
    spike,
  };
}

/** Visitors per hour arriving at a store-local minute of the planned day; 0 when closed. */
export function visitorsPerHour(plan: DayPlan, minuteOfDay: number): number {
  const h = plan.hours;
  if (!h || minuteOfDay < h.open || minuteOfDay >= h.close - LAST_ENTRY_MINUTES_BEFORE_CLOSE) return 0;
  const hour = Math.floor(minuteOfDay / 60);
  const spike = plan.spike && plan.spike.hour === hour ? plan.spike.multiplier : 1;
  return plan.peakVisitorsPerHour * WEEKDAY_FACTORS[plan.weekday] * HOURLY_FACTORS[hour] * plan.promoLift * spike;
}

interface Slot {
  startMinute: number;
  endMinute: number;
  perHour: number;
}

function slotsOf(plan: DayPlan): Slot[] {
  const h = plan.hours;
  if (!h) return [];
  const lastEntry = h.close - LAST_ENTRY_MINUTES_BEFORE_CLOSE;
  const slots: Slot[] = [];
  for (let start = h.open; start < lastEntry; ) {
    // Slots end on the quarter hour, so an hour's factor (and a spike) never straddles a slot.
    const end = Math.min(lastEntry, (Math.floor(start / SLOT_MINUTES) + 1) * SLOT_MINUTES);
    slots.push({ startMinute: start, endMinute: end, perHour: visitorsPerHour(plan, start) });
    start = end;
  }
  return slots;
}

/** The mean number of visitors the plan yields (the integral of the intensity over the day). */
export function expectedVisitors(plan: DayPlan): number {
  return slotsOf(plan).reduce((sum, s) => sum + (s.perHour * (s.endMinute - s.startMinute)) / 60, 0);
}

export interface Arrival {
  atMs: number;
  /** Visitors per hour at that moment: busy hours mean longer queues. */
  perHour: number;
}

/**
 * Arrival instants of the day's visitors, in order. Within a slot the intensity is constant, so the gaps
 * are exponential; a slot boundary restarts the draw, which is exact for a Poisson process (memoryless).
 * Slot bounds are converted from store-local time one by one, so daylight-saving days come out right.
 */
export function arrivals(plan: DayPlan, rng: SeededRandom): Arrival[] {
  const out: Arrival[] = [];
  for (const slot of slotsOf(plan)) {
    if (slot.perHour <= 0) continue;
    const startMs = localTimeToInstant(plan.date, slot.startMinute, plan.timezone);
    const endMs = localTimeToInstant(plan.date, slot.endMinute, plan.timezone);
    const meanGapMs = HOUR_MS / slot.perHour;
    for (let t = startMs + rng.exponential(meanGapMs); t < endMs; t += rng.exponential(meanGapMs)) {
      out.push({ atMs: Math.floor(t), perHour: slot.perHour });
    }
  }
  return out;
}

/** Opening hours from one interval for weekdays, one for Saturday and one for Sunday (null = closed). */
export function weeklyHours(weekdays: OpenInterval, saturday: OpenInterval | null, sunday: OpenInterval | null): OpeningHours {
  return [sunday, weekdays, weekdays, weekdays, weekdays, weekdays, saturday];
}

export function hoursOf(open: string, close: string): OpenInterval {
  const minutes = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return h * 60 + m;
  };
  return { open: minutes(open), close: minutes(close) };
}
