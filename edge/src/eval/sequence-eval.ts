// Accuracy of the edge vision on a ground-truth sequence (MOTChallenge layout under ../shared/sequences):
//
// - Counts and dwell come from the REAL pipeline (createPipeline, the module every camera worker runs),
//   configured on the sequence's .mp4 with an entrance line and zones, played as fast as it can go (not
//   realtime) at the video's own frame rate: exactly what a store camera would report.
// - Tracking accuracy (MOTA, IDF1) needs per-frame boxes, which the pipeline never lets out; it is measured
//   on the same components run frame by frame (openFrameSource → PersonDetector → ByteTracker) with the
//   pipeline's settings. The same rules fed from those tracks must reproduce the pipeline's counts; the
//   report shows both, so a drift between the two is visible.
// - The truth is the product's own rules fed with the ground-truth boxes (see ground-truth-counts.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreEvent } from '../../../shared/src/events.ts';
import type { CameraConfig, DetectorConfig } from '../runtime/config.ts';
import type { CameraPipeline, PipelineContext, PipelineOutput } from '../runtime/pipeline.ts';
import { createPipeline, trackerOptionsFor, trackerUsesAppearance, type VisionOptions } from '../vision/camera-vision-pipeline.ts';
import { segmentLength, type Polygon, type Segment, type Size } from '../vision/geometry.ts';
import {
  AUTO_DOOR_BAND_SHARE,
  DEFAULT_ENTRANCE_COUNTING,
  defaultEntranceDoor,
  DEFAULT_ENTRANCE_MARGIN_PX,
  doorBandAround,
  type CountingMode,
} from '../rules/entrance-line.ts';
import type { DetectorFormat } from '../vision/person-detector.ts';
import type { TrackerOptions } from '../vision/tracker.ts';
import {
  cameraEvents,
  detectClip,
  groundTruthFrames,
  trackFeet,
  type Clip,
  type ClipDetector,
  type DetectedFrame,
  type DetectOptions,
  type TrackedFrame,
} from '../audit/clip-audit.ts';
import { groundTruthCounts, summariseEvents, type CountSummary, type CountingSetup } from './ground-truth-counts.ts';
import { evaluateTracking, parseMotText, type MotBox, type MotMetrics } from './mot-metrics.ts';
export { trackFeet, type DetectedFrame, type DetectOptions, type TrackedFrame };
import { findSequenceGeometry, type CountingLine, type SequenceGeometryFile } from './sequence-geometry.ts';
import { MOTION_OFF, type MotionSettings } from '../vision/motion-gate.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** ../shared beside the repository (WINK_SHARED_DIR overrides). */
export const SHARED_DIR = process.env.WINK_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared');
export const EVAL_MODEL = path.join(SHARED_DIR, 'models', 'yolov8n_int8.onnx');

export interface SequenceInfo {
  name: string;
  fps: number;
  width: number;
  height: number;
  frames: number;
}

/** The [Sequence] keys of a MOTChallenge seqinfo.ini that the evaluation needs. */
export function parseSeqInfo(text: string): SequenceInfo {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) values.set(m[1], m[2]);
  }
  const num = (key: string) => {
    const v = Number(values.get(key));
    if (!Number.isFinite(v) || v <= 0) throw new Error(`seqinfo.ini: ${key} missing or not a positive number`);
    return v;
  };
  return { name: values.get('name') ?? '', fps: num('frameRate'), width: num('imWidth'), height: num('imHeight'), frames: num('seqLength') };
}

/** Where counting happens on a sequence, in frame pixels: its first line (the pipeline cross-check's) and zones. */
export interface SequenceGeometry {
  line: Segment;
  insideSide: 'left' | 'right';
  zones: Record<string, Polygon>;
}

/** The repository's geometry files of the shared sequences (one per sequence name, see sequence-geometry.ts). */
export const REPO_GEOMETRY_DIR = path.join(REPO_ROOT, 'bench', 'sequences');

/** A sequence without a geometry file: the evaluation skips it with this message. */
export class MissingGeometryError extends Error {}

export interface GroundTruthSequence {
  info: SequenceInfo;
  dir: string;
  video: string;
  gt: MotBox[];
  /** The first line and the zones (what one camera pipeline is configured with). */
  geometry: SequenceGeometry;
  /** Every counting line of the sequence's geometry file. */
  lines: CountingLine[];
  /** Where the geometry came from (a file path, or "given"). */
  geometrySource: string;
}

/**
 * A sequence directory with gt/gt.txt, seqinfo.ini and its video: <dir>.mp4 beside it, or <dir>/<name>.mp4.
 * Geometry: the one given, else <dir>/wink-geometry.json, else bench/sequences/<name>.json; with none, a
 * MissingGeometryError saying where it looked (no default line). An invalid file throws a GeometryFileError.
 */
export function loadSequence(dir: string, geometry?: SequenceGeometryFile, repoGeometryDir = REPO_GEOMETRY_DIR): GroundTruthSequence {
  const info = parseSeqInfo(readFileSync(path.join(dir, 'seqinfo.ini'), 'utf8'));
  const name = info.name || path.basename(dir);
  let source = 'given';
  if (!geometry) {
    const found = findSequenceGeometry(dir, name, repoGeometryDir, [info.width, info.height]);
    if ('skip' in found) throw new MissingGeometryError(found.skip);
    geometry = found.geometry;
    source = found.file;
  }
  const gt = parseMotText(readFileSync(path.join(dir, 'gt', 'gt.txt'), 'utf8'));
  const inside = path.join(dir, `${path.basename(dir)}.mp4`);
  const first = geometry.lines[0];
  return {
    info: { ...info, name },
    dir,
    video: !existsSync(`${dir}.mp4`) && existsSync(inside) ? inside : `${dir}.mp4`,
    gt,
    geometry: { line: first.line, insideSide: first.insideSide, zones: geometry.zones },
    lines: geometry.lines,
    geometrySource: source,
  };
}

/** What can be tuned, only through the product's configuration and pipeline options. */
export interface EvalSettings {
  model: string;
  /** detector.format (default 'yolov8'). */
  format?: DetectorFormat;
  /** detector.input_size: the model file's input must be this size (the detector takes its size from the file); 640 by default. */
  inputSize?: number;
  /** detector.confidence: also the tracker's high-score threshold in the pipeline. */
  confidence: number;
  nmsIou: number;
  threads: number;
  /** Pipeline (VisionOptions) overrides. */
  tracker?: Partial<TrackerOptions>;
  confirmFrames?: number;
  zoneEnterDebounceMs?: number;
  zoneExitGraceMs?: number;
  /** Entrance counting mode, margin (frame px) and door region; the product defaults when not set. */
  countingMode?: CountingMode;
  marginPx?: number;
  door?: 'auto' | 'none';
  /** Read each detection's colours (the tracker's appearance cue) even when the tracker setting does not use them (--tune). */
  appearance?: boolean;
  /** The camera's motion gating; off by default here (the motion table compares it on and off: motion-eval.ts). */
  motion?: MotionSettings;
}

/** The product's defaults (config.ts detector defaults; tracker and rule defaults apply when not overridden). */
export const DEFAULT_EVAL_SETTINGS: EvalSettings = { model: EVAL_MODEL, confidence: 0.3, nmsIou: 0.45, threads: 2 };

/**
 * The setting chosen with `npm run eval:edge -- --tune` over all three shared sequences at 5 fps and their own
 * rate (README section 10): detector.confidence 0.3 (so the tracker's high threshold 0.3 and new-track
 * threshold 0.4) with the pipeline's TRACKER_DEFAULTS — now the product default. (0.4 before, chosen on
 * TUD-Campus alone: on all three it made 26 line errors of 144 against 18.)
 */
export const TUNED_EVAL_SETTINGS: EvalSettings = { ...DEFAULT_EVAL_SETTINGS };

export function detectorConfig(s: EvalSettings): DetectorConfig {
  return {
    model: s.model,
    format: s.format ?? 'yolov8',
    input_size: s.inputSize ?? 640,
    confidence: s.confidence,
    nms_iou: s.nmsIou,
    threads_per_camera: s.threads,
    // The evaluation runs the pipeline in-process, with a session of its own.
    inference: 'per_camera',
    threads: s.threads,
    execution_provider: 'cpu',
  };
}

export function visionOptions(s: EvalSettings): VisionOptions {
  return {
    realtime: false,
    ...(s.tracker ? { tracker: s.tracker } : {}),
    ...(s.confirmFrames !== undefined ? { confirm_frames: s.confirmFrames } : {}),
    ...(s.zoneEnterDebounceMs !== undefined ? { zone_enter_debounce_ms: s.zoneEnterDebounceMs } : {}),
    ...(s.zoneExitGraceMs !== undefined ? { zone_exit_grace_ms: s.zoneExitGraceMs } : {}),
  };
}

export function countingSetup(geometry: SequenceGeometry, s: EvalSettings, frameSize: Size): CountingSetup {
  const late = (s.countingMode ?? DEFAULT_ENTRANCE_COUNTING) === 'late';
  return {
    line: geometry.line,
    insideSide: geometry.insideSide,
    zones: geometry.zones,
    ...(s.confirmFrames !== undefined ? { confirmFrames: s.confirmFrames } : {}),
    mode: s.countingMode ?? DEFAULT_ENTRANCE_COUNTING,
    marginPx: s.marginPx ?? DEFAULT_ENTRANCE_MARGIN_PX,
    ...((s.door ?? (late ? defaultEntranceDoor(geometry.line, frameSize) : 'none')) === 'auto'
      ? { door: doorBandAround(geometry.line, AUTO_DOOR_BAND_SHARE * segmentLength(geometry.line)) }
      : {}),
    ...(s.zoneEnterDebounceMs !== undefined ? { enterDebounceMs: s.zoneEnterDebounceMs } : {}),
    ...(s.zoneExitGraceMs !== undefined ? { exitGraceMs: s.zoneExitGraceMs } : {}),
  };
}

/** The camera a store would configure for this sequence: its video file, one line (the first by default) and the zones. */
export function evalCamera(seq: GroundTruthSequence, s: EvalSettings = DEFAULT_EVAL_SETTINGS, fps = seq.info.fps, line?: CountingLine): CameraConfig {
  const g = seq.geometry;
  return {
    camera_id: `eval_${seq.info.name.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    rtsp: seq.video,
    source: 'file',
    replay: 'every_frame', // the evaluation analyses every sampled frame
    api_key: 'eval',
    capabilities: ['entrance', 'zones'],
    screenshot_size: [seq.info.width, seq.info.height],
    entrance_line: line?.line ?? g.line,
    entrance_inside: line?.insideSide ?? g.insideSide,
    entrance_counting: s.countingMode ?? DEFAULT_ENTRANCE_COUNTING,
    entrance_margin_px: s.marginPx ?? DEFAULT_ENTRANCE_MARGIN_PX,
    ...(s.door ? { entrance_door: s.door } : {}),
    target_fps: fps,
    zones: g.zones,
    shelves: {},
    queues: {},
    min_shelf_dwell_s: 2.5,
    motion: s.motion ?? MOTION_OFF,
  };
}

export interface PipelineRun {
  events: StoreEvent[];
  summary: CountSummary;
  /** Wall time of start() to its end, model load included. */
  wallMs: number;
  /** Last status the pipeline reported. */
  lastStatus: Extract<PipelineOutput, { type: 'status' }>['status'] | null;
}

/** Runs the product's camera pipeline on the sequence's video (at `fps`, as camera target_fps) and collects what it emits. */
export async function runPipeline(seq: GroundTruthSequence, s: EvalSettings, fps = seq.info.fps): Promise<PipelineRun> {
  const context: PipelineContext = {
    camera: evalCamera(seq, s, fps),
    detector: detectorConfig(s),
    target_fps: fps,
    options: visionOptions(s) as Record<string, unknown>,
  };
  const pipeline: CameraPipeline = createPipeline(context);
  const events: StoreEvent[] = [];
  let lastStatus: PipelineRun['lastStatus'] = null;
  const started = performance.now();
  await pipeline.start((o) => {
    if (o.type === 'events') events.push(...o.events);
    else if (o.type === 'status') lastStatus = o.status;
  });
  return { events, summary: summariseEvents(events), wallMs: performance.now() - started, lastStatus };
}

/**
 * Decodes and detects every frame of the sequence's video as the pipeline does (audit's detectClip: same frame
 * source options and detector settings, `opts.fps` as the camera's target_fps, the same detection cache).
 */
export function detectSequence(seq: GroundTruthSequence, s: EvalSettings, opts: DetectOptions = {}): Promise<DetectedFrame[]> {
  return detectClip(sequenceClip(seq), clipDetector(s), opts);
}

/** The sequence's video as the audit sees a clip (frame numbers at the sequence's rate). */
export const sequenceClip = (seq: GroundTruthSequence): Clip => ({
  video: seq.video,
  name: seq.info.name,
  fps: seq.info.fps,
  size: [seq.info.width, seq.info.height],
});

export const clipDetector = (s: EvalSettings): ClipDetector => ({
  model: s.model,
  ...(s.appearance || trackerUsesAppearance(s.tracker) ? { appearance: true } : {}),
  ...(s.format ? { format: s.format } : {}),
  confidence: s.confidence,
  nmsIou: s.nmsIou,
  threads: s.threads,
  ...(s.inputSize !== undefined ? { inputSize: s.inputSize } : {}),
});

/**
 * The tracker settings the pipeline derives from the detector config (camera-vision-pipeline.ts); `door`
 * (frame pixels) is the camera's door region, which the pipeline makes a birth region of the tracker.
 */
export function pipelineTrackerOptions(s: EvalSettings, fps: number, door?: Polygon): Partial<TrackerOptions> {
  return trackerOptionsFor(s.confidence, fps, s.tracker, door);
}

/** Replays detections through a ByteTracker; the confirmed, visible tracks of each frame as MOT boxes. */
export function trackDetections(frames: readonly DetectedFrame[], options: Partial<TrackerOptions>): MotBox[] {
  return trackFeet(frames, options).boxes;
}

/**
 * The camera's rules (built by the pipeline's own buildCameraRules) fed exactly as the pipeline feeds them:
 * given the same detections, the same events as the pipeline. Cheap, so every line and rule setting can be
 * scored on one detection pass.
 */
export function replayRules(tracked: readonly TrackedFrame[], camera: CameraConfig, s: EvalSettings, frameSize: Size): CountSummary {
  return summariseEvents(cameraEvents(tracked, camera, frameSize, visionOptions(s)));
}

/**
 * The camera the truth is counted with on a line, whatever setting is measured (truthSetup): late, no margin,
 * and on a door-like line the auto door band.
 */
export function truthCamera(seq: GroundTruthSequence, line: CountingLine, s: EvalSettings): CameraConfig {
  const { door: _measured, ...rest } = s;
  return evalCamera(seq, { ...rest, countingMode: 'late', marginPx: 0, door: line.door ? 'auto' : 'none' }, seq.info.fps, line);
}

/** The ground-truth tracks through `camera`'s rules (the audit's --mot path): true crossings and zone visits. */
export function truthCounts(seq: GroundTruthSequence, camera: CameraConfig, s: EvalSettings): CountSummary {
  return summariseEvents(cameraEvents(groundTruthFrames(seq.gt, seq.info.fps), camera, [seq.info.width, seq.info.height], visionOptions(s)));
}

/** The ground truth restricted to the frames that were analysed (MOTA/IDF1 at a subsampled rate). */
export function gtOnFrames(gt: readonly MotBox[], frames: readonly DetectedFrame[]): MotBox[] {
  const analysed = new Set(frames.map((f) => f.frame));
  return gt.filter((b) => analysed.has(b.frame));
}

/**
 * How the truth is counted on a line, whatever setting is measured: the product's rules on the ground truth
 * at the video's full rate, one net count per passage (late mode, no margin), and for a door-like line at the
 * edge of the view its auto door band (someone who appears or vanishes there did walk through the edge).
 */
export function truthSetup(line: CountingLine, zones: Record<string, Polygon>, s: EvalSettings): CountingSetup {
  return {
    line: line.line,
    insideSide: line.insideSide,
    zones,
    ...(s.confirmFrames !== undefined ? { confirmFrames: s.confirmFrames } : {}),
    mode: 'late',
    marginPx: 0,
    ...(line.door ? { door: doorBandAround(line.line, AUTO_DOOR_BAND_SHARE * segmentLength(line.line)) } : {}),
    ...(s.zoneEnterDebounceMs !== undefined ? { enterDebounceMs: s.zoneEnterDebounceMs } : {}),
    ...(s.zoneExitGraceMs !== undefined ? { exitGraceMs: s.zoneExitGraceMs } : {}),
  };
}

export interface SequenceReport {
  sequence: string;
  settings: EvalSettings;
  tracking: MotMetrics;
  truth: CountSummary;
  /** From the real pipeline's events. */
  measured: CountSummary;
  /** The pipeline's rules fed from the frame-by-frame component tracks (a cross-check of the mirror). */
  componentCounts: CountSummary;
  pipelineWallMs: number;
  frames: number;
}

/** Everything for one sequence and one setting on its first line. Pass `detections` to skip the detection pass. */
export async function evaluateSequence(seq: GroundTruthSequence, s: EvalSettings, detections?: DetectedFrame[], fps = seq.info.fps): Promise<SequenceReport> {
  const frames = detections ?? (await detectSequence(seq, s, { fps }));
  const { tracked, boxes } = trackFeet(frames, pipelineTrackerOptions(s, fps));
  const setup = countingSetup(seq.geometry, s, [seq.info.width, seq.info.height]);
  const run = await runPipeline(seq, s, fps);
  return {
    sequence: seq.info.name,
    settings: s,
    tracking: evaluateTracking(gtOnFrames(seq.gt, frames), boxes),
    truth: groundTruthCounts(seq.gt, seq.info.fps, setup),
    measured: run.summary,
    componentCounts: replayRules(tracked, evalCamera(seq, s, fps), s, [seq.info.width, seq.info.height]),
    pipelineWallMs: run.wallMs,
    frames: frames.length,
  };
}
