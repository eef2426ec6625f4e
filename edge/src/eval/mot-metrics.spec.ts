import type { Box } from '../vision/geometry.ts';
import { clearMot, evaluateTracking, formatMotText, identityMatching, maxCardinalityMinCostMatching, parseMotText, type MotBox } from './mot-metrics.ts';

/** A 50×100 person standing at slot x (slots are 100 px apart, so different slots never overlap). */
const at = (slot: number): Box => [slot * 100, 0, slot * 100 + 50, 100];
const b = (frame: number, id: number, box: Box): MotBox => ({ frame, id, box });

/** GT: person 1 in slot 0, person 2 in slot 2, frames 1..n. */
function twoPeople(frames: number): MotBox[] {
  const out: MotBox[] = [];
  for (let f = 1; f <= frames; f++) out.push(b(f, 1, at(0)), b(f, 2, at(2)));
  return out;
}

describe('parseMotText', () => {
  it('reads frame,id,left,top,width,height into corner boxes, skipping blanks and conf-0 rows', () => {
    const text = '1,1,399,182,121,229,1,-1,-1,-1\n\n1,2,10,20,30,40,0,-1,-1,-1\r\n2,1,400.5,183,120,230,-1\n';
    expect(parseMotText(text)).toEqual([
      { frame: 1, id: 1, box: [399, 182, 520, 411] },
      { frame: 2, id: 1, box: [400.5, 183, 520.5, 413] },
    ]);
  });

  it('names the malformed line', () => {
    expect(() => parseMotText('1,1,1,1,1,1\n2,1,x,1,1,1')).toThrow(/line 2/);
  });

  it('round-trips through formatMotText', () => {
    const boxes = [b(3, 7, [10, 20, 40, 80]), b(4, 7, [11.25, 20, 41.25, 81])];
    expect(formatMotText(boxes)).toBe('3,7,10,20,30,60,1,-1,-1,-1\n4,7,11.25,20,30,61,1,-1,-1,-1\n');
    expect(parseMotText(formatMotText(boxes))).toEqual(boxes);
  });
});

describe('maxCardinalityMinCostMatching', () => {
  it('prefers two matches over the single cheapest pair (greedy would find one)', () => {
    // Greedy takes (0,0) at 0.1 and strands row 1; the assignment takes (0,1)+(1,0) = 0.85.
    expect(
      maxCardinalityMinCostMatching(
        [
          [0.1, 0.45],
          [0.4, Infinity],
        ],
        2,
      ),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('among equally many matches, picks the cheaper set', () => {
    expect(
      maxCardinalityMinCostMatching(
        [
          [0.1, 0.2],
          [0.2, 0.4],
        ],
        2,
      ),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(
      maxCardinalityMinCostMatching(
        [
          [0.1, 0.3],
          [0.3, 0.2],
        ],
        2,
      ),
    ).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it('handles empty sides', () => {
    expect(maxCardinalityMinCostMatching([], 3)).toEqual([]);
    expect(maxCardinalityMinCostMatching([[], []], 0)).toEqual([]);
  });
});

describe('evaluateTracking (CLEAR-MOT and IDF1)', () => {
  it('perfect tracking under other id numbers: MOTA 1, IDF1 1, MOTP 1', () => {
    const gt = twoPeople(3);
    const pred = gt.map((x) => ({ ...x, id: x.id * 10 }));
    const m = evaluateTracking(gt, pred);
    expect(m).toMatchObject({ gtBoxes: 6, predictedBoxes: 6, matches: 6, falseNegatives: 0, falsePositives: 0, idSwitches: 0 });
    expect(m.mota).toBe(1);
    expect(m.motpIou).toBe(1);
    expect(m.idf1).toBe(1);
    expect([...m.idMatching]).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });

  it('one id switch: MOTA 1 − 1/4, IDF1 = 2·2 / (4 + 4)', () => {
    const gt = [1, 2, 3, 4].map((f) => b(f, 1, at(0)));
    const pred = [b(1, 7, at(0)), b(2, 7, at(0)), b(3, 8, at(0)), b(4, 8, at(0))];
    const m = evaluateTracking(gt, pred);
    expect(m).toMatchObject({ matches: 4, falseNegatives: 0, falsePositives: 0, idSwitches: 1, idtp: 2, idfp: 2, idfn: 2 });
    expect(m.mota).toBeCloseTo(0.75, 12);
    expect(m.idf1).toBeCloseTo(0.5, 12);
  });

  it('one miss: FN 1 of 4, IDF1 = 6/7', () => {
    const gt = twoPeople(2);
    const pred = gt.filter((x) => !(x.frame === 2 && x.id === 2));
    const m = evaluateTracking(gt, pred);
    expect(m).toMatchObject({ falseNegatives: 1, falsePositives: 0, idSwitches: 0, idtp: 3, idfp: 0, idfn: 1 });
    expect(m.mota).toBeCloseTo(0.75, 12);
    expect(m.idf1).toBeCloseTo(6 / 7, 12);
    expect(m.idr).toBeCloseTo(0.75, 12);
    expect(m.idp).toBe(1);
  });

  it('one false positive: FP 1, MOTA 0.75, IDF1 = 8/9', () => {
    const gt = twoPeople(2);
    const pred = [...gt, b(2, 99, at(5))];
    const m = evaluateTracking(gt, pred);
    expect(m).toMatchObject({ falseNegatives: 0, falsePositives: 1, idSwitches: 0, idtp: 4, idfp: 1, idfn: 0 });
    expect(m.mota).toBeCloseTo(0.75, 12);
    expect(m.idf1).toBeCloseTo(8 / 9, 12);
  });

  it('IoU exactly 0.5 matches, just below does not', () => {
    const gt = [b(1, 1, [0, 0, 10, 10])];
    expect(clearMot(gt, [b(1, 5, [0, 0, 10, 20])])).toMatchObject({ matches: 1, falseNegatives: 0, falsePositives: 0 });
    expect(clearMot(gt, [b(1, 5, [0, 0, 10, 21])])).toMatchObject({ matches: 0, falseNegatives: 1, falsePositives: 1 });
    expect(clearMot(gt, [b(1, 5, [0, 0, 10, 20])]).iouSum).toBeCloseTo(0.5, 12);
  });

  it('keeps a still-valid correspondence even when another prediction overlaps better', () => {
    const gt = [b(1, 1, [0, 0, 10, 10]), b(2, 1, [0, 0, 10, 10])];
    // Frame 2: id 7 overlaps 0.6, id 8 perfectly. CLEAR-MOT keeps 7; 8 is a false positive, not a switch.
    const pred = [b(1, 7, [0, 0, 10, 10]), b(2, 7, [0, 0, 6, 10]), b(2, 8, [0, 0, 10, 10])];
    expect(clearMot(gt, pred)).toMatchObject({ matches: 2, falsePositives: 1, idSwitches: 0 });
  });

  it('counts a switch across a gap (the last match is remembered, not only the previous frame)', () => {
    const gt = [1, 2, 3].map((f) => b(f, 1, at(0)));
    const pred = [b(1, 7, at(0)), b(3, 8, at(0))];
    expect(clearMot(gt, pred)).toMatchObject({ matches: 2, falseNegatives: 1, falsePositives: 0, idSwitches: 1 });
  });

  it('two people whose predicted ids swap halfway: 2 switches, IDF1 0.5', () => {
    const gt = twoPeople(4);
    const pred: MotBox[] = [];
    for (let f = 1; f <= 4; f++) {
      const swapped = f >= 3;
      pred.push(b(f, swapped ? 20 : 10, at(0)), b(f, swapped ? 10 : 20, at(2)));
    }
    const m = evaluateTracking(gt, pred);
    expect(m).toMatchObject({ matches: 8, idSwitches: 2, idtp: 4, idfp: 4, idfn: 4 });
    expect(m.mota).toBeCloseTo(0.75, 12);
    expect(m.idf1).toBeCloseTo(0.5, 12);
  });

  it('IDF1 matching is global: one long predicted track is given to the GT id it covers most', () => {
    // Pred 7 covers GT 1 for 1 frame and GT 2 for 3 frames; pred 8 covers GT 1 for 2 frames.
    const gt = [1, 2, 3].flatMap((f) => [b(f, 1, at(0)), b(f, 2, at(2))]);
    const pred = [b(1, 7, at(0)), b(2, 8, at(0)), b(3, 8, at(0)), b(1, 9, at(2)), b(2, 7, at(2)), b(3, 7, at(2))];
    const id = identityMatching(gt, pred);
    // Best: 1→8 (2) + 2→7 (2) = 4; the alternative 1→7 (1) + 2→9 (1) = 2.
    expect(id.idtp).toBe(4);
    expect([...id.matching]).toEqual([
      [1, 8],
      [2, 7],
    ]);
  });

  it('no predictions: everything missed; no ground truth: MOTA undefined', () => {
    const m = evaluateTracking(twoPeople(2), []);
    expect(m).toMatchObject({ falseNegatives: 4, idtp: 0, idfn: 4, idfp: 0 });
    expect(m.mota).toBe(0);
    expect(m.idf1).toBe(0);
    expect(evaluateTracking([], [b(1, 1, at(0))]).mota).toBeNaN();
  });
});
