// Which counted crossings agree with the truth: a counted crossing matches a true one of the same line and
// direction within a tolerance (a hand count is typed a second or two late, the camera counts when the foot
// passes). What is left over is what a person should look at: true crossings the camera missed and counts it
// added.
//
// Matching per line and direction, both sorted by time, in order (two crossings are never paired across each
// other: on a line that would only swap who is blamed): the most matches there can be, and among those the
// smallest total time difference, so a count a second off pairs with the crossing it belongs to, not with a
// neighbour (a dynamic programme over the two lists, O(truth × counted) per line and direction).

export interface TimedCrossing {
  line: string;
  direction: 'in' | 'out';
  /** Clip time, seconds. */
  atS: number;
}

export interface CrossingMatch<P extends TimedCrossing, T extends TimedCrossing> {
  matched: Array<{ counted: P; truth: T }>;
  /** True crossings with no count near them. */
  missed: T[];
  /** Counts with no true crossing near them. */
  added: P[];
}

export const DEFAULT_MATCH_TOLERANCE_S = 2;

export function matchCrossings<P extends TimedCrossing, T extends TimedCrossing>(
  counted: readonly P[],
  truth: readonly T[],
  toleranceS = DEFAULT_MATCH_TOLERANCE_S,
): CrossingMatch<P, T> {
  const result: CrossingMatch<P, T> = { matched: [], missed: [], added: [] };
  const key = (c: TimedCrossing) => `${c.line}\u0000${c.direction}`;
  const keys = new Set([...counted.map(key), ...truth.map(key)]);
  for (const k of keys) {
    const p = counted.filter((c) => key(c) === k).sort((a, b) => a.atS - b.atS);
    const t = truth.filter((c) => key(c) === k).sort((a, b) => a.atS - b.atS);
    const pairs = alignInTime(p, t, toleranceS);
    const pairedP = new Set(pairs.map(([j]) => j));
    const pairedT = new Set(pairs.map(([, i]) => i));
    for (const [j, i] of pairs) result.matched.push({ counted: p[j], truth: t[i] });
    result.missed.push(...t.filter((_, i) => !pairedT.has(i)));
    result.added.push(...p.filter((_, j) => !pairedP.has(j)));
  }
  const byTime = (a: TimedCrossing, b: TimedCrossing) => a.atS - b.atS;
  result.matched.sort((a, b) => a.truth.atS - b.truth.atS);
  result.missed.sort(byTime);
  result.added.sort(byTime);
  return result;
}

/** Index pairs [counted, truth] of the order-preserving matching with the most pairs, then the least total |Δt|. */
function alignInTime(p: readonly TimedCrossing[], t: readonly TimedCrossing[], toleranceS: number): Array<[number, number]> {
  // best[j][i]: [matches, total |Δt|] over the first j counted and i true crossings.
  const best = Array.from({ length: p.length + 1 }, () => Array.from({ length: t.length + 1 }, () => [0, 0] as [number, number]));
  const better = (a: readonly [number, number], b: readonly [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
  for (let j = 1; j <= p.length; j++) {
    for (let i = 1; i <= t.length; i++) {
      let b = better(best[j - 1][i], best[j][i - 1]) ? best[j - 1][i] : best[j][i - 1];
      const dt = Math.abs(p[j - 1].atS - t[i - 1].atS);
      if (dt <= toleranceS) {
        const m: [number, number] = [best[j - 1][i - 1][0] + 1, best[j - 1][i - 1][1] + dt];
        if (better(m, b)) b = m;
      }
      best[j][i] = b;
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let j = p.length, i = t.length; j > 0 && i > 0; ) {
    const dt = Math.abs(p[j - 1].atS - t[i - 1].atS);
    const here = best[j][i];
    const diag = best[j - 1][i - 1];
    if (dt <= toleranceS && here[0] === diag[0] + 1 && Math.abs(here[1] - (diag[1] + dt)) < 1e-9) {
      pairs.push([j - 1, i - 1]);
      j--;
      i--;
    } else if (here[0] === best[j - 1][i][0] && here[1] === best[j - 1][i][1]) j--;
    else i--;
  }
  return pairs.reverse();
}
