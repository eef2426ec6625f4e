/**
 * What a simulated store's till records: which visitors buy, when they pay and how much. Conversion varies by
 * store-local hour (lunch and after-work shoppers come to buy, mid-afternoon browsers less) and by weekday (the
 * busy Saturday crowd browses more), and a promotion lifts it as well as footfall. Pure and deterministic: a
 * store-day's visitors give the same receipts (and receipt ids) every time, drawn from a stream of their own, so
 * the footfall events do not change when the sales model does.
 */
import { SeededRandom } from '../../backend/src/common/seeded-random.ts';
import { localMinuteAt } from '../../backend/src/common/store-clock.ts';
import type { DayPlan } from './traffic-model.ts';
import type { SimulatedEvent } from './visitor-journey.ts';

/** Bump when the receipts for the same visitors change. */
export const SALES_MODEL_VERSION = 1;

export const SALES_MODEL = {
  /** Share of visitors who buy, before the hour's, weekday's and promotion's factors. */
  baseConversion: 0.24,
  /** Sunday first: weekday visitors come to buy; the Saturday crowd browses more. */
  weekdayConversion: [0.92, 1.08, 1.06, 1.04, 1.0, 0.96, 0.86] as readonly number[],
  /** By the store-local hour the visitor came in. */
  hourlyConversion: [
    0.8,
    0.8,
    0.8,
    0.8,
    0.8,
    0.8,
    0.8,
    0.8, // 00-07
    0.85,
    0.9,
    0.95,
    1.05,
    1.2,
    1.15,
    0.85,
    0.8, // 08-15
    0.92,
    1.1,
    1.15,
    1.0,
    0.9,
    0.85,
    0.8,
    0.8, // 16-23
  ] as readonly number[],
  /** A promotion's footfall lift carries over to conversion at this share: ×1.3 footfall → ×1.15 conversion. */
  promoConversionShare: 0.5,
  maxConversion: 0.9,
  /** Basket value: log-normal with this median (in the store's currency) and spread, capped. */
  basketMedian: 24,
  basketSigma: 0.55,
  maxBasket: 400,
  /** Paying takes place this many seconds before walking out. */
  payBeforeExitS: [20, 90] as const,
} as const;

/**
 * The chance that a visitor who came in at this store-local hour of the planned day buys something. `storeConversion`
 * is the store's own factor (its shoppers buy more or less often than the model's average store).
 */
export function conversionProbability(plan: DayPlan, hour: number, storeConversion = 1): number {
  const promo = 1 + (plan.promoLift - 1) * SALES_MODEL.promoConversionShare;
  const p = storeConversion * SALES_MODEL.baseConversion * SALES_MODEL.weekdayConversion[plan.weekday] * SALES_MODEL.hourlyConversion[hour] * promo;
  return Math.min(SALES_MODEL.maxConversion, p);
}

/** One receipt as a till sends it to POST /api/sales. */
export interface SimulatedReceipt {
  receipt_id: string;
  /** When it was paid: the instant the POS would send it. */
  atMs: number;
  amount: number;
  units: number;
}

/**
 * The receipts of a store-day from its visitors' events: each visitor (an entrance `in` and its `out`, by
 * person_key) buys with the probability of the hour they came in, and pays shortly before walking out.
 */
export function synthesizeStoreDaySales(plan: DayPlan, events: readonly SimulatedEvent[], storeConversion = 1): SimulatedReceipt[] {
  const visits = new Map<string, { inMs: number; outMs: number | null }>();
  for (const e of events) {
    if (e.event.type !== 'entrance') continue;
    const key = e.event.person_key ?? e.event.event_id;
    const v = visits.get(key) ?? { inMs: e.atMs, outMs: null };
    if (e.event.direction === 'in') v.inMs = e.atMs;
    else v.outMs = e.atMs;
    visits.set(key, v);
  }
  const rng = new SeededRandom(`sales|${SALES_MODEL_VERSION}|${plan.seed}|${plan.storeId}|${plan.date}|${plan.promoLift}`);
  const receipts: SimulatedReceipt[] = [];
  for (const [personKey, v] of visits) {
    // Draw every visitor's numbers, buyer or not, so one visitor's outcome never shifts another's.
    const buys = rng.chance(conversionProbability(plan, Math.floor(localMinuteAt(v.inMs, plan.timezone) / 60), storeConversion));
    const basket = Math.min(SALES_MODEL.maxBasket, Math.max(1, rng.logNormal(SALES_MODEL.basketMedian, SALES_MODEL.basketSigma)));
    const payBefore = rng.uniform(SALES_MODEL.payBeforeExitS[0], SALES_MODEL.payBeforeExitS[1]) * 1000;
    if (!buys || v.outMs === null) continue;
    const amount = Math.round(basket * 100) / 100;
    receipts.push({
      receipt_id: `${personKey}_r`,
      atMs: Math.max(v.inMs + 1000, Math.round(v.outMs - payBefore)),
      amount,
      units: Math.max(1, Math.round(amount / 12)),
    });
  }
  return receipts.sort((a, b) => a.atMs - b.atMs);
}
