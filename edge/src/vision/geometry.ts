// Plane geometry for the edge pipeline, in image coordinates: x grows right, y grows DOWN.
// Everything here is pure and allocation-light because it runs per track per frame.

export type Point = readonly [number, number];
export type Polygon = readonly Point[];
export type Segment = readonly [Point, Point];
/** [width, height] */
export type Size = readonly [number, number];
/** x1, y1, x2, y2 in frame pixels (x1 <= x2, y1 <= y2). */
export type Box = readonly [number, number, number, number];

// Tolerance for "exactly on an edge": config polygons are scaled by non-integer ratios,
// so points that are on an edge in config space land a few ulps off it in frame space.
const EPS = 1e-9;

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** True when p lies on the closed segment [a, b]. */
function onSegment(p: Point, a: Point, b: Point): boolean {
  const scale = Math.max(1, Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1]));
  if (Math.abs(cross(a, b, p)) > EPS * scale * scale) return false;
  return p[0] >= Math.min(a[0], b[0]) - EPS && p[0] <= Math.max(a[0], b[0]) + EPS && p[1] >= Math.min(a[1], b[1]) - EPS && p[1] <= Math.max(a[1], b[1]) + EPS;
}

/** Ray casting (even-odd rule); points exactly on an edge or vertex count as inside. */
export function pointInPolygon(p: Point, poly: Polygon): boolean {
  const n = poly.length;
  if (n === 0) return false;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = poly[i];
    const b = poly[j];
    if (onSegment(p, a, b)) return true;
    // Half-open test on y so a ray through a vertex is counted once, not twice.
    if (a[1] > p[1] !== b[1] > p[1]) {
      const xCross = a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
      if (p[0] < xCross) inside = !inside;
    }
  }
  return inside;
}

export function scalePoint(p: Point, from: Size, to: Size): Point {
  return [(p[0] * to[0]) / from[0], (p[1] * to[1]) / from[1]];
}

export function scalePolygon(poly: Polygon, from: Size, to: Size): Polygon {
  return poly.map((p) => scalePoint(p, from, to));
}

/**
 * Sign of the cross product (p2 − p1) × (p − p1): >0 one side, <0 the other, 0 on the line.
 * With y growing down (image coordinates), >0 is the RIGHT of someone walking p1→p2 as seen on
 * screen, <0 is their LEFT.
 */
export function sideOfLine(p: Point, seg: Segment): number {
  return cross(seg[0], seg[1], p);
}

/** True when the closed segments share at least one point (touching and collinear overlap count). */
export function segmentsIntersect(a: Segment, b: Segment): boolean {
  const [p1, p2] = a;
  const [q1, q2] = b;
  const d1 = Math.sign(cross(q1, q2, p1));
  const d2 = Math.sign(cross(q1, q2, p2));
  const d3 = Math.sign(cross(p1, p2, q1));
  const d4 = Math.sign(cross(p1, p2, q2));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (
    (d1 === 0 && onSegment(p1, q1, q2)) || (d2 === 0 && onSegment(p2, q1, q2)) || (d3 === 0 && onSegment(q1, p1, p2)) || (d4 === 0 && onSegment(q2, p1, p2))
  );
}

/** Bottom-centre of the box: where a standing person touches the floor. */
export function footPoint(box: Box): Point {
  return [(box[0] + box[2]) / 2, box[3]];
}

export function boxArea(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w <= 0 || h <= 0 ? 0 : w * h;
}

/** Intersection over union; 0 for disjoint or degenerate boxes. */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of `inner`'s area that lies inside `outer` (0 … 1): a part of a person inside their whole box is ~1. */
export function containedShare(inner: Box, outer: Box): number {
  const area = boxArea(inner);
  return area > 0 ? intersectionArea(inner, outer) / area : 0;
}

/** Shortest distance from p to the closed segment. */
export function distanceToSegment(p: Point, seg: Segment): number {
  const [[x1, y1], [x2, y2]] = seg;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - x1) * dx + (p[1] - y1) * dy) / len2));
  return Math.hypot(p[0] - (x1 + t * dx), p[1] - (y1 + t * dy));
}

/** Distance from p to the infinite line through the segment. */
export function distanceToLine(p: Point, seg: Segment): number {
  const len = segmentLength(seg);
  return len === 0 ? Math.hypot(p[0] - seg[0][0], p[1] - seg[0][1]) : Math.abs(sideOfLine(p, seg)) / len;
}

export function segmentLength(seg: Segment): number {
  return Math.hypot(seg[1][0] - seg[0][0], seg[1][1] - seg[0][1]);
}
