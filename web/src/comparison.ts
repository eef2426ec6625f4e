/** The store comparison's ordering and marks, pure (table-tested in web/test). */
import type { ComparisonMetricName, ComparisonStore } from '../../shared/src/read-contract.ts';

/** A store that sent no sales for the period or its baseline: no POS connected (or not yet). */
export const hasNoPos = (s: ComparisonStore) => s.currency === null && s.measures.conversion_rate.period === null;

/** The stores in rank order of one measure (the API's rank, 1 = highest); unranked stores (no value) last, by name. */
export function rankedBy(stores: readonly ComparisonStore[], metric: ComparisonMetricName): ComparisonStore[] {
  const rank = (s: ComparisonStore) => s.measures[metric].rank ?? Number.POSITIVE_INFINITY;
  return [...stores].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
