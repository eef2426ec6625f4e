// Pure parts of the history series: bucket label formats and occupancy through the day.

import type { BucketGranularity } from '../ingest/store-totals.reader.ts';

export type Granularity = BucketGranularity;

/** Longest range per granularity, plus one hour so a range across a DST change is not refused for its extra hour. */
export const MAX_RANGE_DAYS: Record<Granularity, number> = { hour: 31, day: 366 };
export function maxRangeMs(g: Granularity): number {
  return MAX_RANGE_DAYS[g] * 86_400_000 + 3_600_000;
}

/** Grid step that lands at least once in every local bucket (local hours are 60 min, local days at least 23 h). */
export const GRID_STEP: Record<Granularity, string> = { hour: '15 minutes', day: '1 hour' };

/**
 * Occupancy at the end of each bucket: in minus out since the start of that bucket's local day, never
 * below zero, as the live view computes it for "now". `flows` may hold buckets before the first label of
 * `buckets` (the morning before `from`) so a range starting mid-day starts from the right number.
 */
export function runningOccupancy(buckets: string[], flows: Map<string, { in: number; out: number }>): number[] {
  const labels = [...flows.keys()].sort();
  let i = 0;
  let day = '';
  let net = 0;
  return buckets.map((bucket) => {
    while (i < labels.length && labels[i] <= bucket) {
      const label = labels[i++];
      if (label.slice(0, 10) !== day) {
        day = label.slice(0, 10);
        net = 0;
      }
      const f = flows.get(label)!;
      net += f.in - f.out;
    }
    if (bucket.slice(0, 10) !== day) {
      day = bucket.slice(0, 10);
      net = 0;
    }
    return Math.max(0, net);
  });
}
