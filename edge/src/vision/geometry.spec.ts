import {
  footPoint,
  containedShare,
  iou,
  pointInPolygon,
  scalePoint,
  scalePolygon,
  segmentsIntersect,
  sideOfLine,
  type Box,
  type Point,
  type Polygon,
  type Segment,
} from './geometry.ts';

const square: Polygon = [
  [0, 0],
  [10, 0],
  [10, 10],
  [0, 10],
];
// An L shape: the notch at top-right (x > 5, y < 5) is outside.
const lShape: Polygon = [
  [0, 0],
  [5, 0],
  [5, 5],
  [10, 5],
  [10, 10],
  [0, 10],
];

describe('pointInPolygon', () => {
  it.each<[string, Point, Polygon, boolean]>([
    ['centre of a square', [5, 5], square, true],
    ['outside to the right', [11, 5], square, false],
    ['outside above', [5, -0.1], square, false],
    ['on the left edge', [0, 5], square, true],
    ['on the bottom edge', [5, 10], square, true],
    ['on a vertex', [10, 10], square, true],
    ['level with a vertex, outside', [-1, 0], square, false],
    ['in the notch of an L', [7, 2], lShape, false],
    ['in the foot of an L', [7, 7], lShape, true],
    ['on the reflex vertex of an L', [5, 5], lShape, true],
    ['ray passing through the reflex vertex', [2, 5], lShape, true],
    ['empty polygon', [0, 0], [], false],
  ])('%s', (_name, p, poly, expected) => {
    expect(pointInPolygon(p, poly)).toBe(expected);
  });

  it('keeps on-edge points inside after a non-integer rescale', () => {
    const scaled = scalePolygon(square, [3, 3], [7, 7]);
    expect(pointInPolygon(scalePoint([0, 1], [3, 3], [7, 7]), scaled)).toBe(true);
  });

  it('does not depend on winding order', () => {
    const reversed = [...lShape].reverse();
    expect(pointInPolygon([7, 7], reversed)).toBe(true);
    expect(pointInPolygon([7, 2], reversed)).toBe(false);
  });
});

describe('scaling', () => {
  it('maps config coordinates to frame coordinates per axis', () => {
    expect(scalePoint([320, 240], [640, 480], [1920, 1080])).toEqual([960, 540]);
    expect(scalePolygon(square, [10, 10], [20, 40])).toEqual([
      [0, 0],
      [20, 0],
      [20, 40],
      [0, 40],
    ]);
  });
});

describe('sideOfLine', () => {
  const eastward: Segment = [
    [0, 0],
    [10, 0],
  ];
  it.each<[string, Point, number]>([
    // y grows down: below an eastward segment is the walker's right.
    ['below (right of p1→p2 on screen)', [5, 3], 1],
    ['above (left of p1→p2 on screen)', [5, -3], -1],
    ['on the line', [5, 0], 0],
    ['on the line beyond the end', [20, 0], 0],
  ])('%s', (_name, p, sign) => {
    expect(Math.sign(sideOfLine(p, eastward))).toBe(sign);
  });
});

describe('segmentsIntersect', () => {
  const s = (x1: number, y1: number, x2: number, y2: number): Segment => [
    [x1, y1],
    [x2, y2],
  ];
  it.each<[string, Segment, Segment, boolean]>([
    ['proper crossing', s(0, 0, 10, 10), s(0, 10, 10, 0), true],
    ['disjoint parallel', s(0, 0, 10, 0), s(0, 1, 10, 1), false],
    ['would cross only beyond an end', s(0, 0, 10, 0), s(12, -5, 12, 5), false],
    ['touching at an endpoint', s(0, 0, 10, 0), s(10, 0, 10, 5), true],
    ['T junction', s(0, 0, 10, 0), s(5, 0, 5, 5), true],
    ['collinear overlapping', s(0, 0, 10, 0), s(5, 0, 15, 0), true],
    ['collinear disjoint', s(0, 0, 10, 0), s(11, 0, 15, 0), false],
    ['degenerate point on segment', s(0, 0, 10, 0), s(3, 0, 3, 0), true],
  ])('%s', (_name, a, b, expected) => {
    expect(segmentsIntersect(a, b)).toBe(expected);
    expect(segmentsIntersect(b, a)).toBe(expected);
  });
});

describe('boxes', () => {
  it('footPoint is the bottom centre', () => {
    expect(footPoint([100, 50, 140, 250])).toEqual([120, 250]);
  });

  it.each<[string, Box, Box, number]>([
    ['identical', [0, 0, 10, 10], [0, 0, 10, 10], 1],
    ['disjoint', [0, 0, 10, 10], [20, 20, 30, 30], 0],
    ['touching edges', [0, 0, 10, 10], [10, 0, 20, 10], 0],
    ['half overlap', [0, 0, 10, 10], [5, 0, 15, 10], 50 / 150],
    ['contained', [0, 0, 10, 10], [0, 0, 5, 10], 0.5],
    ['degenerate', [0, 0, 0, 0], [0, 0, 0, 0], 0],
  ])('iou %s', (_name, a, b, expected) => {
    expect(iou(a, b)).toBeCloseTo(expected, 10);
    expect(iou(b, a)).toBeCloseTo(expected, 10);
  });

  it.each<[string, Box, Box, number]>([
    ['a head-and-shoulders box inside the whole person', [10, 0, 30, 40], [0, 0, 40, 160], 1],
    ['half of it outside', [30, 0, 50, 40], [0, 0, 40, 160], 0.5],
    ['disjoint', [50, 0, 60, 10], [0, 0, 40, 160], 0],
    ['the whole person around a part of it', [0, 0, 40, 160], [10, 0, 30, 40], 800 / 6400],
    ['degenerate inner box', [5, 5, 5, 5], [0, 0, 40, 160], 0],
  ])('containedShare %s', (_name, inner, outer, expected) => {
    expect(containedShare(inner, outer)).toBeCloseTo(expected, 10);
  });
});
