// Motion gating in the evaluation: the gate's decisions are replayed over cached detections (clip-audit.ts trackFeet),
// so gating on and off are compared on the same detector output; the pipeline decides on the same decoded frames.
// Also a "quiet stretch": a still view with sensor noise, where a camera spends most of a shop's day.
import { trackFeet, type DetectedFrame } from '../audit/clip-audit.ts';
import { LOW_SCORE_FLOOR } from '../vision/camera-vision-pipeline.ts';
import type { LetterboxedImage } from '../vision/detection.ts';
import { openFrameSource } from '../vision/frame-source.ts';
import { greyThumbnail, type GreyThumbnail, type MotionSettings } from '../vision/motion-gate.ts';
import { PersonDetector } from '../vision/person-detector.ts';
import { evaluateTracking } from './mot-metrics.ts';
import { clipDetector, evalCamera, gtOnFrames, pipelineTrackerOptions, replayRules, type EvalSettings, type GroundTruthSequence } from './sequence-eval.ts';

export interface MotionFrames {
  timestampsMs: number[];
  thumbnails: GreyThumbnail[];
  /** The first decoded frame, for the quiet stretch. */
  first: LetterboxedImage | null;
}

/** Decodes the clip as the pipeline does (same sampling and letterbox) and keeps each frame's grey thumbnail. */
export async function motionThumbnails(video: string, fps: number, size: number): Promise<MotionFrames> {
  const source = await openFrameSource({ url: video, targetFps: fps, letterboxSize: size, realtime: false });
  const out: MotionFrames = { timestampsMs: [], thumbnails: [], first: null };
  try {
    for await (const frame of source) {
      out.first ??= frame;
      out.timestampsMs.push(frame.timestampMs);
      out.thumbnails.push(greyThumbnail(frame, size));
    }
  } finally {
    await source.close();
  }
  return out;
}

/** A deterministic generator (mulberry32): the same noisy frames on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The picture with per-pixel sensor noise: uniform ±`amplitude` grey levels on each channel. */
export function withSensorNoise(image: LetterboxedImage, amplitude: number, random: () => number): LetterboxedImage {
  const rgb = new Uint8Array(image.rgb.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, image.rgb[i]! + Math.round((random() * 2 - 1) * amplitude)));
  return { ...image, rgb };
}

// ---- gating on and off over a sequence ----------------------------------------------------------------------

/** What one motion setting does on one sequence and rate (all lines of the sequence summed, product counting). */
export interface GatedRun {
  frames: number;
  skipped: number;
  /** Over the sequence's ground truth (NaN for a run with made-up frames, such as the quiet stretch). */
  mota: number;
  idf1: number;
  idSwitches: number;
  in: number;
  out: number;
  visits: number;
  dwellTotalS: number;
}

/**
 * Tracks the detections as a camera with `motion` would (the gate replayed on the frames' thumbnails), then counts
 * with the product's rules on every line and zone of the sequence; tracking is scored on the ground-truth frames.
 */
export function gatedRun(
  seq: GroundTruthSequence,
  frames: readonly DetectedFrame[],
  thumbnails: readonly GreyThumbnail[],
  fps: number,
  s: EvalSettings,
  motion: MotionSettings,
): GatedRun {
  const size: [number, number] = [seq.info.width, seq.info.height];
  const { tracked, boxes, skipped } = trackFeet(frames, pipelineTrackerOptions(s, fps), { thumbnails, settings: motion });
  const gt = gtOnFrames(seq.gt, frames);
  const tracking = gt.length
    ? evaluateTracking(
        gt,
        boxes.filter((b) => b.frame > 0),
      )
    : null;
  let [inCount, outCount] = [0, 0];
  for (const line of seq.lines) {
    const c = replayRules(tracked, { ...evalCamera(seq, s, fps, line), capabilities: ['entrance'] }, s, size);
    inCount += c.in;
    outCount += c.out;
  }
  const zones = replayRules(tracked, { ...evalCamera(seq, s, fps), capabilities: ['zones'] }, s, size);
  return {
    frames: frames.length,
    skipped,
    mota: tracking?.mota ?? NaN,
    idf1: tracking?.idf1 ?? NaN,
    idSwitches: tracking?.idSwitches ?? NaN,
    in: inCount,
    out: outCount,
    visits: zones.visits.length,
    dwellTotalS: zones.visits.reduce((sum, v) => sum + v.dwellSeconds, 0),
  };
}

/**
 * A quiet stretch before the clip: its first picture held for `seconds` (the people in it standing still) with
 * sensor noise of ±`noise` grey levels, each frame detected for real. Frame numbers ≤ 0, so no ground truth
 * applies to them; timestamps run up to the clip's first frame.
 */
export async function quietStretch(
  first: LetterboxedImage,
  firstTimestampMs: number,
  seconds: number,
  fps: number,
  s: EvalSettings,
  noise = 4,
): Promise<{ frames: DetectedFrame[]; thumbnails: GreyThumbnail[] }> {
  const d = clipDetector(s);
  const detector = await PersonDetector.load(d.model, {
    intraOpThreads: d.threads,
    confidence: Math.min(LOW_SCORE_FLOOR, d.confidence),
    iouThreshold: d.nmsIou,
    ...(d.format ? { format: d.format } : {}),
  });
  const random = seededRandom(1);
  const n = Math.round(seconds * fps);
  const frames: DetectedFrame[] = [];
  const thumbnails: GreyThumbnail[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const picture = withSensorNoise(first, noise, random);
      frames.push({ frame: i - n, timestampMs: firstTimestampMs - ((n - i) * 1000) / fps, detections: await detector.detect(picture) });
      thumbnails.push(greyThumbnail(picture, detector.inputSize));
    }
  } finally {
    await detector.release();
  }
  return { frames, thumbnails };
}

/** One sequence at one rate, as the evaluation collected it. */
export interface MotionEntry {
  seq: GroundTruthSequence;
  rate: string;
  fps: number;
  detections: readonly DetectedFrame[];
  thumbnails: readonly GreyThumbnail[];
  /** The quiet stretch before the clip (measured at one rate only). */
  quiet: { frames: DetectedFrame[]; thumbnails: GreyThumbnail[] } | null;
}

/** The settings the grid compares (`npm run eval:edge -- --motion-grid`); DEFAULT_MOTION is among them. */
export function motionGrid(): MotionSettings[] {
  const out: MotionSettings[] = [];
  for (const threshold of [6, 10, 15]) {
    for (const min_area of [0.001, 0.002, 0.005]) for (const refresh_s of [2, 5]) out.push({ enabled: true, threshold, min_area, refresh_s });
  }
  return out;
}

const pct1 = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(1) : '–');
const sameMotion = (a: MotionSettings, b: MotionSettings) =>
  a.enabled === b.enabled && a.threshold === b.threshold && a.min_area === b.min_area && a.refresh_s === b.refresh_s;
const label = (m: MotionSettings) => (m.enabled ? `thr ${m.threshold}, area ${m.min_area}, refresh ${m.refresh_s} s` : 'off');

/** The quiet stretch followed by the clip, as one camera sees it. */
function withQuiet(e: MotionEntry): { frames: DetectedFrame[]; thumbnails: GreyThumbnail[] } | null {
  return e.quiet ? { frames: [...e.quiet.frames, ...e.detections], thumbnails: [...e.quiet.thumbnails, ...e.thumbnails] } : null;
}

/** Gating off against `on`, per sequence and rate (and each quiet stretch + clip): the rows of the README table. */
export function motionComparisonRows(entries: readonly MotionEntry[], s: EvalSettings, on: MotionSettings, off: MotionSettings): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  const row = (name: string, rate: string, a: GatedRun, b: GatedRun, quietFrames = 0) => ({
    sequence: name,
    fps: rate,
    frames: String(b.frames),
    'skipped % (of quiet part)': `${pct1(b.skipped / b.frames)}${quietFrames ? ` (${pct1(Math.min(1, b.skipped / quietFrames))})` : ''}`,
    'MOTA off/on': `${pct1(a.mota)}/${pct1(b.mota)}`,
    'IDF1 off/on': `${pct1(a.idf1)}/${pct1(b.idf1)}`,
    'IDSW off/on': `${a.idSwitches}/${b.idSwitches}`,
    'in off/on': `${a.in}/${b.in}`,
    'out off/on': `${a.out}/${b.out}`,
    'visits off/on': `${a.visits}/${b.visits}`,
    'dwell s off/on': `${a.dwellTotalS.toFixed(1)}/${b.dwellTotalS.toFixed(1)}`,
  });
  for (const e of entries) {
    rows.push(
      row(e.seq.info.name, e.rate, gatedRun(e.seq, e.detections, e.thumbnails, e.fps, s, off), gatedRun(e.seq, e.detections, e.thumbnails, e.fps, s, on)),
    );
    const q = withQuiet(e);
    if (q && e.quiet) {
      const [a, b] = [off, on].map((m) => gatedRun(e.seq, q.frames, q.thumbnails, e.fps, s, m)) as [GatedRun, GatedRun];
      rows.push(row(`${e.seq.info.name} + ${(e.quiet.frames.length / e.fps).toFixed(0)} s still`, e.rate, a, b, e.quiet.frames.length));
    }
  }
  return rows;
}

/**
 * Every grid setting against gating off, over all sequences and rates: the share skipped on the busy clips and on
 * the quiet stretches, and what changed (counts, visits, dwell, tracking). Defaults are chosen on this.
 */
export function motionGridRows(
  entries: readonly MotionEntry[],
  s: EvalSettings,
  grid: readonly MotionSettings[],
  current: MotionSettings,
  off: MotionSettings,
) {
  const offRuns = entries.map((e) => gatedRun(e.seq, e.detections, e.thumbnails, e.fps, s, off));
  const quiet = entries.flatMap((e) => {
    const q = withQuiet(e);
    return q && e.quiet ? [{ e, q, quietFrames: e.quiet.frames.length, off: gatedRun(e.seq, q.frames, q.thumbnails, e.fps, s, off) }] : [];
  });
  return grid.map((m) => {
    const runs = entries.map((e) => gatedRun(e.seq, e.detections, e.thumbnails, e.fps, s, m));
    const qRuns = quiet.map((x) => gatedRun(x.e.seq, x.q.frames, x.q.thumbnails, x.e.fps, s, m));
    const frames = runs.reduce((n, r) => n + r.frames, 0);
    const countDiff = (a: GatedRun[], b: GatedRun[]) => a.reduce((n, r, i) => n + Math.abs(r.in - b[i]!.in) + Math.abs(r.out - b[i]!.out), 0);
    const visitDiff = (a: GatedRun[], b: GatedRun[]) => a.reduce((n, r, i) => n + Math.abs(r.visits - b[i]!.visits), 0);
    const dwell = (a: GatedRun[]) => a.reduce((n, r) => n + r.dwellTotalS, 0);
    const qOff = quiet.map((x) => x.off);
    return {
      setting: `${label(m)}${sameMotion(m, current) ? ' *' : ''}`,
      'skipped %, clips': pct1(runs.reduce((n, r) => n + r.skipped, 0) / frames),
      'skipped %, still part': pct1(Math.min(1, qRuns.reduce((n, r) => n + r.skipped, 0) / quiet.reduce((n, x) => n + x.quietFrames, 0))),
      'Σ|Δ in/out|, clips / +still': `${countDiff(runs, offRuns)} / ${countDiff(qRuns, qOff)}`,
      'Σ|Δ visits|, clips / +still': `${visitDiff(runs, offRuns)} / ${visitDiff(qRuns, qOff)}`,
      'Δ dwell %, clips / +still': `${pct1(dwell(runs) / dwell(offRuns) - 1)} / ${pct1(dwell(qRuns) / dwell(qOff) - 1)}`,
      'max |Δ MOTA|, |Δ IDF1| (points)': `${Math.max(...runs.map((r, i) => Math.abs(r.mota - offRuns[i]!.mota) * 100)).toFixed(1)}, ${Math.max(...runs.map((r, i) => Math.abs(r.idf1 - offRuns[i]!.idf1) * 100)).toFixed(1)}`,
    };
  });
}
