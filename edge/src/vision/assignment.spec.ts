import { linearAssignment } from './assignment.ts';

/** Brute force over all partial matchings, with threshold/2 per unmatched row or column. */
function bruteForceCost(cost: number[][], threshold: number): number {
  const rows = cost.length;
  const cols = rows ? cost[0].length : 0;
  let best = Infinity;
  const usedCols = new Array<boolean>(cols).fill(false);
  const visit = (i: number, acc: number, matched: number) => {
    if (i === rows) {
      best = Math.min(best, acc + (rows - matched + (cols - matched)) * (threshold / 2));
      return;
    }
    visit(i + 1, acc, matched);
    for (let j = 0; j < cols; j++) {
      if (usedCols[j] || cost[i][j] > threshold) continue;
      usedCols[j] = true;
      visit(i + 1, acc + cost[i][j], matched + 1);
      usedCols[j] = false;
    }
  };
  visit(0, 0, 0);
  return best;
}

function totalCost(cost: number[][], threshold: number): number {
  const r = linearAssignment(cost, threshold);
  return r.matches.reduce((s, [i, j]) => s + cost[i][j], 0) + (r.unmatchedRows.length + r.unmatchedCols.length) * (threshold / 2);
}

describe('linearAssignment', () => {
  it.each<[string, number[][], number, Array<[number, number]>, number[], number[]]>([
    ['empty', [], 1, [], [], []],
    ['no columns', [[], []], 1, [], [0, 1], []],
    [
      'identity is cheapest',
      [
        [0.1, 0.9],
        [0.9, 0.1],
      ],
      1,
      [
        [0, 0],
        [1, 1],
      ],
      [],
      [],
    ],
    [
      'anti-diagonal is cheapest',
      [
        [0.9, 0.1],
        [0.1, 0.9],
      ],
      1,
      [
        [0, 1],
        [1, 0],
      ],
      [],
      [],
    ],
    // Greedy would take (0,0)=0.1 and then be forced into (1,1)=0.95; optimal total is 0.6.
    [
      'global optimum beats greedy',
      [
        [0.1, 0.3],
        [0.3, 0.95],
      ],
      1,
      [
        [0, 1],
        [1, 0],
      ],
      [],
      [],
    ],
    [
      'classic 3×3',
      [
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ],
      10,
      [
        [0, 1],
        [1, 0],
        [2, 2],
      ],
      [],
      [],
    ],
    ['more rows than columns', [[0.2], [0.1], [0.5]], 1, [[1, 0]], [0, 2], []],
    ['more columns than rows', [[0.5, 0.2, 0.4]], 1, [[0, 1]], [], [0, 2]],
    [
      'everything above threshold',
      [
        [0.9, 0.95],
        [0.85, 0.99],
      ],
      0.8,
      [],
      [0, 1],
      [0, 1],
    ],
    ['cost exactly at threshold matches', [[0.8]], 0.8, [[0, 0]], [], []],
    [
      'non-finite cost is never matched',
      [
        [Infinity, 0.3],
        [NaN, 0.2],
      ],
      1,
      [[1, 1]],
      [0],
      [0],
    ],
    // Matching (0,1)+(1,0) costs 1.5 > leaving row 1 and col 1 out (0.1 + 0.8): ByteTrack semantics.
    [
      'an expensive pair is left unmatched when cheaper overall',
      [
        [0.1, 0.7],
        [0.8, 2],
      ],
      0.8,
      [[0, 0]],
      [1],
      [1],
    ],
  ])('%s', (_name, cost, threshold, matches, unmatchedRows, unmatchedCols) => {
    expect(linearAssignment(cost, threshold)).toEqual({ matches, unmatchedRows, unmatchedCols });
  });

  it('returns every column unmatched when there are no rows, given the column count', () => {
    expect(linearAssignment([], 0.8, 3)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
  });

  it('matches the brute-force optimum on random matrices', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(random() * 5);
      const cols = 1 + Math.floor(random() * 5);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => random()));
      const threshold = 0.3 + random() * 0.7;
      expect(totalCost(cost, threshold)).toBeCloseTo(bruteForceCost(cost, threshold), 9);
      const r = linearAssignment(cost, threshold);
      for (const [i, j] of r.matches) expect(cost[i][j]).toBeLessThanOrEqual(threshold);
      expect(r.matches.length + r.unmatchedRows.length).toBe(rows);
      expect(r.matches.length + r.unmatchedCols.length).toBe(cols);
    }
  });
});
