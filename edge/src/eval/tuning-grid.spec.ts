import type { MotBox } from './mot-metrics.ts';
import { scoreOnGeometries, verticalLineSweep } from './tuning-grid.ts';

/** A 20×50 person whose feet are at (x, 150). */
const walk = (id: number, xs: number[], firstFrame = 1): MotBox[] => xs.map((x, i) => ({ frame: firstFrame + i, id, box: [x - 10, 100, x + 10, 150] }));
const xs = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('verticalLineSweep', () => {
  it('spaces lines `step` apart, keeps the margin, and puts a band zone around each', () => {
    const sweep = verticalLineSweep(400, 200, 100, 30);
    expect(sweep.map((g) => g.line[0][0])).toEqual([100, 200, 300]);
    expect(sweep[0]).toEqual({
      line: [
        [100, 0],
        [100, 200],
      ],
      insideSide: 'left',
      zones: {
        band: [
          [70, 0],
          [130, 0],
          [130, 200],
          [70, 200],
        ],
      },
    });
    expect(verticalLineSweep(400, 200, 100, 30, 150).map((g) => g.line[0][0])).toEqual([150, 250]);
  });
});

describe('scoreOnGeometries', () => {
  // 10 fps. Person 1 walks x = 20 → 380 in steps of 10; three lines at 100, 200, 300, bands ±30 px
  // (7 frames inside each: 0.6 s, over the 0.5 s debounce).
  const gt = walk(1, xs(20, 380, 10));
  const sweep = verticalLineSweep(400, 200, 100, 30);

  it('is all zero errors when the prediction is the truth under another id', () => {
    const predicted = gt.map((b) => ({ ...b, id: 9 }));
    expect(scoreOnGeometries(gt, predicted, 10, sweep)).toEqual({ crossingErrors: 0, crossings: 3, visitErrors: 0, visits: 3, dwellErrorSeconds: 0 });
  });

  it('a track that breaks before x = 200 and restarts after it loses that crossing only', () => {
    // Truth frames 1..37 at x = 20..380. Prediction: id 1 up to x = 170, a gap, id 2 from x = 230.
    const predicted = [...walk(1, xs(20, 170, 10)), ...walk(2, xs(230, 380, 10), 22)];
    const score = scoreOnGeometries(gt, predicted, 10, sweep);
    expect(score.crossings).toBe(3);
    expect(score.crossingErrors).toBe(1);
    // Band 170–230: truth 0.6 s inside; prediction sees only x = 170 and 230 → no visit (under the debounce).
    expect(score.visitErrors).toBe(1);
    expect(score.dwellErrorSeconds).toBeCloseTo(0.6, 9);
  });
});
