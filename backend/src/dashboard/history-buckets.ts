// Pure parts of the history series: range limits and the bucket grid (occupancy is occupancy.ts).

import type { BucketGranularity } from '../ingest/store-totals.reader.ts';

export type Granularity = BucketGranularity;

/** Longest range per granularity, plus one hour so a range across a DST change is not refused for its extra hour. */
export const MAX_RANGE_DAYS: Record<Granularity, number> = { hour: 31, day: 366 };
export function maxRangeMs(g: Granularity): number {
  return MAX_RANGE_DAYS[g] * 86_400_000 + 3_600_000;
}

/** Grid step that lands at least once in every local bucket (local hours are 60 min, local days at least 23 h). */
export const GRID_STEP: Record<Granularity, string> = { hour: '15 minutes', day: '1 hour' };
