// Minimum-cost bipartite matching for the tracker.
//
// Hand-written on purpose: the usual choices (lap, lapjv, scipy's linear_sum_assignment) are
// Python/C; the small npm ports are unmaintained, CommonJS-only or pull native code, and none
// runs unchanged under both Deno and Node. This is the O(n³) Hungarian algorithm with row/column
// potentials (Kuhn–Munkres, shortest augmenting path form), which is plenty for the tens of
// people a single camera sees.

export interface Assignment {
  /** [row, col] pairs, ascending by row. */
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Assigns rows to columns minimising total cost, where leaving a row or a column unmatched
 * costs threshold / 2 each. So a pair is only ever matched when its cost is ≤ threshold, and
 * among admissible pairs the globally cheapest set wins. This is exactly what ByteTrack gets from
 * `lap.lapjv(cost, extend_cost=True, cost_limit=threshold)`.
 *
 * `cost` is rows × cols, every row the same width. With zero rows the width cannot be read from
 * the matrix, so pass `columnCount` to get every column back as unmatched. Non-finite costs are
 * treated as inadmissible.
 */
export function linearAssignment(cost: ReadonlyArray<ReadonlyArray<number>>, threshold: number, columnCount: number = cost[0]?.length ?? 0): Assignment {
  const rows = cost.length;
  const cols = columnCount;
  if (rows === 0 || cols === 0) {
    return { matches: [], unmatchedRows: range(rows), unmatchedCols: range(cols) };
  }

  // Extended square problem: real rows × (real cols + one "leave unmatched" column per row), and
  // one dummy row per real col. A real pair and "leave both unmatched" tie at cost == threshold;
  // the tiny bias breaks that tie in favour of matching.
  const n = rows + cols;
  const unmatched = threshold / 2 + 1e-9 * Math.max(1, Math.abs(threshold));
  const forbidden = 2 * Math.abs(threshold) + 1 + 4 * unmatched * n;
  const extended: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      if (i < rows && j < cols) {
        const c = cost[i][j];
        row[j] = Number.isFinite(c) && c <= threshold ? c : forbidden;
      } else if (i >= rows && j >= cols) {
        row[j] = 0;
      } else {
        row[j] = unmatched;
      }
    }
    extended.push(row);
  }

  const colOfRow = hungarian(extended);
  const matches: Array<[number, number]> = [];
  const matchedCols = new Set<number>();
  const unmatchedRows: number[] = [];
  for (let i = 0; i < rows; i++) {
    const j = colOfRow[i];
    if (j < cols && extended[i][j] !== forbidden) {
      matches.push([i, j]);
      matchedCols.add(j);
    } else {
      unmatchedRows.push(i);
    }
  }
  const unmatchedCols = range(cols).filter((j) => !matchedCols.has(j));
  return { matches, unmatchedRows, unmatchedCols };
}

/** Hungarian algorithm on a square matrix; returns the column assigned to each row. */
function hungarian(a: ReadonlyArray<ReadonlyArray<number>>): number[] {
  const n = a.length;
  // 1-indexed internally; index 0 is the virtual source of each augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOfCol = new Int32Array(n + 1); // 0 = free
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = rowOfCol[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[rowOfCol[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOfCol[j0] = rowOfCol[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (rowOfCol[j] !== 0) colOfRow[rowOfCol[j] - 1] = j - 1;
  return colOfRow;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
