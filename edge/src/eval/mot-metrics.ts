// Multi-object tracking accuracy against MOTChallenge ground truth: CLEAR-MOT (MOTA, MOTP, ID switches)
// and the identity measures (IDF1, IDP, IDR), computed the way py-motmetrics computes them, so the numbers
// compare with published ones (ByteTrack: IDF1 ≈ 77 on MOT17).
//
// - Matching criterion: IoU ≥ 0.5 between a ground-truth box and a predicted box (py-motmetrics
//   `iou_matrix(max_iou=0.5)`).
// - CLEAR-MOT, per frame: first keep every ground-truth object's last match if that prediction is still
//   there and still overlaps enough; then match the rest with a minimum-cost assignment on 1 − IoU that
//   first maximises the number of matches. A match whose ground-truth object was last matched to a
//   different prediction is an ID switch. MOTA = 1 − (FN + FP + IDSW) / ground-truth boxes.
// - IDF1: one global one-to-one matching between ground-truth ids and predicted ids that maximises the
//   number of frames where the pair overlaps enough (IDTP). IDF1 = 2·IDTP / (GT boxes + predicted boxes).

import { linearAssignment } from '../vision/assignment.ts';
import { iou, type Box } from '../vision/geometry.ts';

/** One box of one object in one frame. Frames are MOT's 1-based frame numbers. */
export interface MotBox {
  frame: number;
  id: number;
  /** x1, y1, x2, y2 in frame pixels. */
  box: Box;
}

/** Overlap a ground-truth box and a prediction need to count as the same person (MOTChallenge: 0.5). */
export const MOT_IOU_THRESHOLD = 0.5;

/**
 * Parses MOTChallenge text (`frame,id,bb_left,bb_top,bb_width,bb_height,conf,...`, one box per line).
 * Rows whose conf column is 0 are dropped: in MOT16/17 ground truth that flag means "not to be
 * evaluated" (in MOT15 ground truth such as TUD-Campus, and in tracker output, it is 1 or −1).
 * Blank lines are skipped; anything else malformed throws with its line number.
 */
export function parseMotText(text: string): MotBox[] {
  const out: MotBox[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const cols = trimmed.split(/[,\s]+/).map(Number);
    if (cols.length < 6 || cols.slice(0, 6).some((n) => !Number.isFinite(n))) {
      throw new Error(`MOT line ${i + 1}: expected "frame,id,x,y,w,h,...", got "${trimmed}"`);
    }
    const [frame, id, x, y, w, h] = cols;
    if (cols.length >= 7 && cols[6] === 0) return;
    out.push({ frame, id, box: [x, y, x + w, y + h] });
  });
  return out;
}

/** MOTChallenge text for boxes (conf 1, no 3-D position), e.g. to score predictions with other tools. */
export function formatMotText(boxes: readonly MotBox[]): string {
  const r = (n: number) => Math.round(n * 100) / 100;
  return (
    boxes.map(({ frame, id, box }) => `${frame},${id},${r(box[0])},${r(box[1])},${r(box[2] - box[0])},${r(box[3] - box[1])},1,-1,-1,-1`).join('\n') +
    (boxes.length ? '\n' : '')
  );
}

export interface MotMetrics {
  /** Ground-truth boxes. */
  gtBoxes: number;
  predictedBoxes: number;
  gtIds: number;
  predictedIds: number;
  /** Ground-truth boxes matched (CLEAR-MOT), switches included. */
  matches: number;
  /** Ground-truth boxes not matched (misses). */
  falseNegatives: number;
  /** Predicted boxes not matched. */
  falsePositives: number;
  idSwitches: number;
  /** 1 − (FN + FP + IDSW) / GT boxes; may be negative. NaN without ground truth. */
  mota: number;
  /** Mean IoU of the CLEAR-MOT matches (py-motmetrics reports 1 − this as "MOTP" distance). */
  motpIou: number;
  idtp: number;
  idfp: number;
  idfn: number;
  /** 2·IDTP / (2·IDTP + IDFP + IDFN). */
  idf1: number;
  /** IDTP / predicted boxes. */
  idp: number;
  /** IDTP / GT boxes. */
  idr: number;
  /** Matched pairs in the global id matching: GT id → predicted id. */
  idMatching: Map<number, number>;
}

function groupByFrame(boxes: readonly MotBox[]): Map<number, MotBox[]> {
  const byFrame = new Map<number, MotBox[]>();
  for (const b of boxes) {
    let list = byFrame.get(b.frame);
    if (!list) byFrame.set(b.frame, (list = []));
    list.push(b);
  }
  return byFrame;
}

/** 1 − IoU where the pair overlaps enough, Infinity where it does not. */
function distanceMatrix(gt: readonly MotBox[], pred: readonly MotBox[], minIou: number): number[][] {
  return gt.map((g) =>
    pred.map((p) => {
      const overlap = iou(g.box, p.box);
      return overlap >= minIou ? 1 - overlap : Infinity;
    }),
  );
}

/**
 * Minimum-cost assignment that first maximises the number of admissible pairs (as py-motmetrics does by
 * pricing forbidden pairs out of any full matching). Leaving a row and a column unmatched costs more than
 * any set of admissible distances (each ≤ 1), so an extra match always wins.
 */
export function maxCardinalityMinCostMatching(distances: ReadonlyArray<ReadonlyArray<number>>, columnCount: number): Array<[number, number]> {
  const largest = Math.min(distances.length, columnCount);
  return linearAssignment(distances, 2 * (largest + 1), columnCount).matches;
}

/** Per-frame CLEAR-MOT counts; exported for tests and for per-frame reports. */
export interface ClearMotCounts {
  matches: number;
  falseNegatives: number;
  falsePositives: number;
  idSwitches: number;
  /** Sum of IoU over matches. */
  iouSum: number;
}

/** CLEAR-MOT over all frames present in either list (py-motmetrics MOTAccumulator semantics). */
export function clearMot(gt: readonly MotBox[], pred: readonly MotBox[], minIou = MOT_IOU_THRESHOLD): ClearMotCounts {
  const gtByFrame = groupByFrame(gt);
  const predByFrame = groupByFrame(pred);
  const frames = [...new Set([...gtByFrame.keys(), ...predByFrame.keys()])].sort((a, b) => a - b);
  /** GT id → the predicted id it was last matched to (ever, not only on the previous frame). */
  const lastMatch = new Map<number, number>();
  const counts: ClearMotCounts = { matches: 0, falseNegatives: 0, falsePositives: 0, idSwitches: 0, iouSum: 0 };

  for (const frame of frames) {
    const g = gtByFrame.get(frame) ?? [];
    const p = predByFrame.get(frame) ?? [];
    const dist = distanceMatrix(g, p, minIou);
    const gtUsed = new Array<boolean>(g.length).fill(false);
    const predUsed = new Array<boolean>(p.length).fill(false);
    const accept = (gi: number, pj: number) => {
      gtUsed[gi] = predUsed[pj] = true;
      counts.matches++;
      counts.iouSum += 1 - dist[gi][pj];
    };

    // 1. Keep correspondences that are still valid.
    g.forEach((obj, gi) => {
      const previous = lastMatch.get(obj.id);
      if (previous === undefined) return;
      const pj = p.findIndex((h, j) => !predUsed[j] && h.id === previous);
      if (pj >= 0 && Number.isFinite(dist[gi][pj])) accept(gi, pj);
    });

    // 2. Assign the rest.
    const freeGt = g.map((_, i) => i).filter((i) => !gtUsed[i]);
    const freePred = p.map((_, j) => j).filter((j) => !predUsed[j]);
    const sub = freeGt.map((gi) => freePred.map((pj) => dist[gi][pj]));
    for (const [r, c] of maxCardinalityMinCostMatching(sub, freePred.length)) {
      const gi = freeGt[r];
      const pj = freePred[c];
      const previous = lastMatch.get(g[gi].id);
      if (previous !== undefined && previous !== p[pj].id) counts.idSwitches++;
      accept(gi, pj);
      lastMatch.set(g[gi].id, p[pj].id);
    }

    counts.falseNegatives += gtUsed.filter((u) => !u).length;
    counts.falsePositives += predUsed.filter((u) => !u).length;
  }
  return counts;
}

export interface IdentityCounts {
  idtp: number;
  idfp: number;
  idfn: number;
  /** GT id → predicted id, for the pairs the global matching chose. */
  matching: Map<number, number>;
}

/**
 * IDF1's global matching: count, for every (GT id, predicted id) pair, the frames where both exist and
 * overlap enough; choose the one-to-one pairing with the most such frames. Every GT box not covered by
 * its id's partner is an IDFN, every predicted box not covered an IDFP.
 */
export function identityMatching(gt: readonly MotBox[], pred: readonly MotBox[], minIou = MOT_IOU_THRESHOLD): IdentityCounts {
  const gtIds = [...new Set(gt.map((b) => b.id))].sort((a, b) => a - b);
  const predIds = [...new Set(pred.map((b) => b.id))].sort((a, b) => a - b);
  const gi = new Map(gtIds.map((id, i) => [id, i]));
  const pi = new Map(predIds.map((id, i) => [id, i]));
  const overlapFrames = gtIds.map(() => new Array<number>(predIds.length).fill(0));

  const predByFrame = groupByFrame(pred);
  for (const [frame, g] of groupByFrame(gt)) {
    const p = predByFrame.get(frame) ?? [];
    for (const a of g) for (const b of p) if (iou(a.box, b.box) >= minIou) overlapFrames[gi.get(a.id)!][pi.get(b.id)!]++;
  }

  // Maximise total overlap = minimise its negative; pairs with no overlap gain nothing, so leaving both
  // ids unmatched (cost 0) is as good and threshold 0 admits every pair with cost ≤ 0.
  const cost = overlapFrames.map((row) => row.map((n) => -n));
  const { matches } = linearAssignment(cost, 0, predIds.length);
  let idtp = 0;
  const matching = new Map<number, number>();
  for (const [r, c] of matches) {
    if (overlapFrames[r][c] === 0) continue;
    idtp += overlapFrames[r][c];
    matching.set(gtIds[r], predIds[c]);
  }
  return { idtp, idfp: pred.length - idtp, idfn: gt.length - idtp, matching };
}

/** Every measure at once. With no ground truth, MOTA/IDR are NaN; with no predictions, IDP is NaN. */
export function evaluateTracking(gt: readonly MotBox[], pred: readonly MotBox[], minIou = MOT_IOU_THRESHOLD): MotMetrics {
  const clear = clearMot(gt, pred, minIou);
  const id = identityMatching(gt, pred, minIou);
  const denominator = 2 * id.idtp + id.idfp + id.idfn;
  return {
    gtBoxes: gt.length,
    predictedBoxes: pred.length,
    gtIds: new Set(gt.map((b) => b.id)).size,
    predictedIds: new Set(pred.map((b) => b.id)).size,
    matches: clear.matches,
    falseNegatives: clear.falseNegatives,
    falsePositives: clear.falsePositives,
    idSwitches: clear.idSwitches,
    mota: gt.length ? 1 - (clear.falseNegatives + clear.falsePositives + clear.idSwitches) / gt.length : NaN,
    motpIou: clear.matches ? clear.iouSum / clear.matches : NaN,
    idtp: id.idtp,
    idfp: id.idfp,
    idfn: id.idfn,
    idf1: denominator ? (2 * id.idtp) / denominator : NaN,
    idp: pred.length ? id.idtp / pred.length : NaN,
    idr: gt.length ? id.idtp / gt.length : NaN,
    idMatching: id.matching,
  };
}
