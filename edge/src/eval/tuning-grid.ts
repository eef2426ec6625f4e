// Tuning the tracker and rule options on one detection pass. Detections do not depend on the options
// tuned here (the detector keeps boxes down to the low-score floor whatever detector.confidence is), so a
// grid replays only the tracker and the rules: thousands of settings cost less than one decode.
//
// One line on a short sequence holds a handful of crossings, so a setting could look perfect by luck.
// Settings are therefore also scored on a sweep of parallel lines (and a zone around each) across the
// frame: the same people, but many more crossing opportunities, each at a different moment of the tracks.
import type { Polygon, Segment } from '../vision/geometry.ts';
import { groundTruthCounts, zoneFigures, type CountingSetup } from './ground-truth-counts.ts';
import { evaluateTracking, type MotBox } from './mot-metrics.ts';
import type { TrackerOptions } from '../vision/tracker.ts';
import {
  countingSetup,
  pipelineTrackerOptions,
  trackDetections,
  type DetectedFrame,
  type EvalSettings,
  type GroundTruthSequence,
  type SequenceGeometry,
} from './sequence-eval.ts';

/**
 * Vertical lines (drawn top→bottom, inside = right half) every `step` px, each with a `halfWidth` band
 * around it as zone "band", at least `margin` px from the frame's left and right edges.
 */
export function verticalLineSweep(width: number, height: number, step: number, halfWidth: number, margin = step): SequenceGeometry[] {
  const out: SequenceGeometry[] = [];
  for (let x = margin; x <= width - margin; x += step) {
    const line: Segment = [
      [x, 0],
      [x, height],
    ];
    const band: Polygon = [
      [x - halfWidth, 0],
      [x + halfWidth, 0],
      [x + halfWidth, height],
      [x - halfWidth, height],
    ];
    out.push({ line, insideSide: 'left', zones: { band } });
  }
  return out;
}

export interface SweepScore {
  /** Σ over lines of |measured − true| per direction, and Σ of true crossings. */
  crossingErrors: number;
  crossings: number;
  /** Σ over zones of |measured − true| visits, and Σ of true visits. */
  visitErrors: number;
  visits: number;
  /** Σ over zones of |measured − true| total dwell, seconds. */
  dwellErrorSeconds: number;
}

/** Scores predicted tracks against the truth on several geometries, with the product's rules. */
export function scoreOnGeometries(
  gt: readonly MotBox[],
  predicted: readonly MotBox[],
  fps: number,
  geometries: readonly SequenceGeometry[],
  options: Omit<CountingSetup, 'line' | 'insideSide' | 'zones'> = {},
): SweepScore {
  const score: SweepScore = { crossingErrors: 0, crossings: 0, visitErrors: 0, visits: 0, dwellErrorSeconds: 0 };
  for (const g of geometries) {
    const setup: CountingSetup = { ...options, line: g.line, insideSide: g.insideSide, zones: g.zones };
    const truth = groundTruthCounts(gt, fps, setup);
    const measured = groundTruthCounts(predicted, fps, setup);
    score.crossingErrors += Math.abs(measured.in - truth.in) + Math.abs(measured.out - truth.out);
    score.crossings += truth.in + truth.out;
    for (const zoneId of Object.keys(g.zones)) {
      const t = zoneFigures(truth, zoneId);
      const m = zoneFigures(measured, zoneId);
      score.visitErrors += Math.abs(m.visits - t.visits);
      score.visits += t.visits;
      score.dwellErrorSeconds += Math.abs(m.totalDwellSeconds - t.totalDwellSeconds);
    }
  }
  return score;
}

export interface GridAxes {
  confidence: number[];
  lostBufferFrames: number[];
  matchThresh: number[];
  /** The frame rate the tracker is told (its Kalman step and lost buffer); the video's own rate is the honest value. */
  trackerFps: number[];
  confirmFrames: number[];
}

export interface GridResult {
  settings: EvalSettings;
  mota: number;
  idf1: number;
  idSwitches: number;
  /** On the sequence's own geometry. */
  inError: number;
  outError: number;
  sweep: SweepScore;
}

function cartesian(axes: GridAxes): Array<{ confidence: number; lostBufferFrames: number; matchThresh: number; trackerFps: number; confirmFrames: number }> {
  const out = [];
  for (const confidence of axes.confidence)
    for (const lostBufferFrames of axes.lostBufferFrames)
      for (const matchThresh of axes.matchThresh)
        for (const trackerFps of axes.trackerFps)
          for (const confirmFrames of axes.confirmFrames) out.push({ confidence, lostBufferFrames, matchThresh, trackerFps, confirmFrames });
  return out;
}

/**
 * Every combination of the axes on one detection pass, best first: fewest crossing errors on the sweep,
 * then fewest visit errors, then highest IDF1.
 */
export function gridSearch(
  seq: GroundTruthSequence,
  detections: readonly DetectedFrame[],
  base: EvalSettings,
  axes: GridAxes,
  sweep: readonly SequenceGeometry[],
): GridResult[] {
  const results: GridResult[] = [];
  for (const p of cartesian(axes)) {
    const tracker: Partial<TrackerOptions> = { ...base.tracker, lostBufferFrames: p.lostBufferFrames, matchThresh: p.matchThresh, fps: p.trackerFps };
    const settings: EvalSettings = { ...base, confidence: p.confidence, tracker, confirmFrames: p.confirmFrames };
    const predicted = trackDetections(detections, pipelineTrackerOptions(settings, seq.info.fps));
    const m = evaluateTracking(seq.gt, predicted);
    const own = countingSetup(seq.geometry, settings, [seq.info.width, seq.info.height]);
    const truth = groundTruthCounts(seq.gt, seq.info.fps, own);
    const measured = groundTruthCounts(predicted, seq.info.fps, own);
    results.push({
      settings,
      mota: m.mota,
      idf1: m.idf1,
      idSwitches: m.idSwitches,
      inError: measured.in - truth.in,
      outError: measured.out - truth.out,
      sweep: scoreOnGeometries(seq.gt, predicted, seq.info.fps, sweep, { confirmFrames: p.confirmFrames }),
    });
  }
  return results.sort((a, b) => a.sweep.crossingErrors - b.sweep.crossingErrors || a.sweep.visitErrors - b.sweep.visitErrors || b.idf1 - a.idf1);
}

/** The sweep the evaluation uses: 11 vertical lines 40 px apart on a 640-wide frame, ±100 px bands, 120 px margins. */
export function EVAL_SWEEP(width: number, height: number): SequenceGeometry[] {
  return verticalLineSweep(width, height, width / 16, (width * 5) / 32, (width * 3) / 16);
}
