import { matchCrossings, type TimedCrossing } from './crossing-match.ts';

const c = (atS: number, direction: 'in' | 'out' = 'in', line = 'entrance'): TimedCrossing => ({ line, direction, atS });
const times = (xs: readonly TimedCrossing[]) => xs.map((x) => `${x.line}:${x.direction}@${x.atS}`);

describe('matchCrossings', () => {
  it.each<[string, TimedCrossing[], TimedCrossing[], number, { matched: number; missed: string[]; added: string[] }]>([
    ['identical', [c(1), c(5, 'out')], [c(1), c(5, 'out')], 2, { matched: 2, missed: [], added: [] }],
    ['hand count typed late, within tolerance', [c(10)], [c(11.9)], 2, { matched: 1, missed: [], added: [] }],
    ['just outside tolerance: one missed and one added', [c(10)], [c(12.1)], 2, { matched: 0, missed: ['entrance:in@12.1'], added: ['entrance:in@10'] }],
    ['direction must agree', [c(3, 'out')], [c(3, 'in')], 2, { matched: 0, missed: ['entrance:in@3'], added: ['entrance:out@3'] }],
    ['line must agree', [c(3, 'in', 'a')], [c(3, 'in', 'b')], 2, { matched: 0, missed: ['b:in@3'], added: ['a:in@3'] }],
    ['a removed truth crossing shows as added', [c(1), c(4), c(8)], [c(1), c(8)], 2, { matched: 2, missed: [], added: ['entrance:in@4'] }],
    ['a crossing the camera missed', [c(1), c(8)], [c(1), c(4), c(8)], 2, { matched: 2, missed: ['entrance:in@4'], added: [] }],
    // The most matches: 1↔2 and 3↔4, not 3↔2 (which would leave two unmatched).
    ['close pairs keep the most matches', [c(1), c(3)], [c(2), c(4)], 1.5, { matched: 2, missed: [], added: [] }],
    // A hand count typed 4 s late (66 for 62) beside a true 67: the count at 66.5 belongs to 67, so 66 is the miss.
    [
      'a count pairs with the nearest of two true crossings',
      [c(61.4), c(66.5)],
      [c(66), c(67)],
      2,
      { matched: 1, missed: ['entrance:in@66'], added: ['entrance:in@61.4'] },
    ],
    ['equal counts pair by least total time difference', [c(10), c(12)], [c(10.5), c(12.1)], 2, { matched: 2, missed: [], added: [] }],
    ['two people at once, one counted', [c(5)], [c(5), c(5.2)], 2, { matched: 1, missed: ['entrance:in@5.2'], added: [] }],
    ['nothing counted', [], [c(1, 'out')], 2, { matched: 0, missed: ['entrance:out@1'], added: [] }],
    ['nothing true', [c(1)], [], 2, { matched: 0, missed: [], added: ['entrance:in@1'] }],
    ['tolerance 0 needs the same time', [c(1)], [c(1)], 0, { matched: 1, missed: [], added: [] }],
  ])('%s', (_name, counted, truth, tolerance, expected) => {
    const m = matchCrossings(counted, truth, tolerance);
    expect({ matched: m.matched.length, missed: times(m.missed), added: times(m.added) }).toEqual(expected);
  });

  it('pairs by least total time difference when every pairing has as many matches', () => {
    const m = matchCrossings([c(10), c(11.9)], [c(11.8), c(13.5)]);
    expect(m.matched.map((x) => [x.counted.atS, x.truth.atS])).toEqual([
      [10, 11.8],
      [11.9, 13.5],
    ]);
    const one = matchCrossings([c(11.9)], [c(10), c(11.8)]);
    expect(one.matched.map((x) => [x.counted.atS, x.truth.atS])).toEqual([[11.9, 11.8]]);
    expect(times(one.missed)).toEqual(['entrance:in@10']);
  });

  it('pairs each match with its own crossings, sorted by truth time', () => {
    const m = matchCrossings([c(9, 'out'), c(2)], [c(1.5), c(8, 'out')]);
    expect(m.matched.map((x) => [x.counted.atS, x.truth.atS])).toEqual([
      [2, 1.5],
      [9, 8],
    ]);
  });
});
