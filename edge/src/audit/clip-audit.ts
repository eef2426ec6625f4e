// An accuracy audit of one camera on a recorded clip: what the camera's pipeline would report for it, and how
// that compares with a truth (a hand count, or ground-truth tracks). `wink-edge audit` and `npm run eval:edge`
// both run through these functions, so the accuracy the evaluation publishes is the accuracy an installer checks.
//
// The analysis is the pipeline's loop in pieces (camera-vision-pipeline.ts): the same frame source and detector
// options, the tracker settings the pipeline derives (trackerOptionsFor, with the camera's door region), the
// occlusion-aware foot, then the camera's own rules (buildCameraRules). In pieces, so detections can be cached
// on disk and replayed through any rule setting; eval:edge's real-pipeline runs check that this gives the
// pipeline's events (pipe=comp).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Demuxer } from 'node-av/api';
import { CAPABILITY_FOR_EVENT, type StoreEvent } from '../../../shared/src/events.ts';
import type { CameraConfig, DetectorConfig } from '../runtime/config.ts';
import type { TrackFoot } from '../rules/frame-rule.ts';
import { POLYGON_RULE_LIST, POLYGON_RULES, type PolygonCapability, type PolygonKey } from '../rules/polygon-rules.ts';
import {
  buildCameraRules,
  entranceDoorRegion,
  LOW_SCORE_FLOOR,
  trackerOptionsFor,
  trackerUsesAppearance,
  type VisionOptions,
} from '../vision/camera-vision-pipeline.ts';
import type { PersonDetection } from '../vision/detection.ts';
import { openFrameSource } from '../vision/frame-source.ts';
import { footPoint, type Size } from '../vision/geometry.ts';
import { OcclusionAwareFeet } from '../vision/occlusion-aware-feet.ts';
import { MotionGate, type GreyThumbnail, type MotionSettings } from '../vision/motion-gate.ts';
import { appearanceOf } from '../vision/appearance.ts';
import { PersonDetector, type DetectorFormat } from '../vision/person-detector.ts';
import { ByteTracker, type TrackerOptions } from '../vision/tracker.ts';
import type { MotBox } from '../eval/mot-metrics.ts';
import { matchCrossings, type CrossingMatch, type TimedCrossing } from './crossing-match.ts';

/** What a camera's entrance line is called in audit reports and hand-count files (a camera has one). */
export const ENTRANCE_LINE = 'entrance';

// ---- The clip ---------------------------------------------------------------------------------------------

export interface Clip {
  /** Video file. */
  video: string;
  /** Names the detection cache file (the sequence name in eval:edge, the file's base name in an audit). */
  name: string;
  /** The video's own frame rate: frame numbers (1-based, as in MOT files) are counted at it. */
  fps: number;
  /** Decoded frame size: the rules' geometry is scaled to it. */
  size: Size;
}

/** Frame rate and size of a video file, read from its header (nothing is decoded). */
export async function probeClip(video: string): Promise<Clip> {
  const demuxer = await Demuxer.open(video);
  try {
    const stream = demuxer.video();
    if (!stream) throw new Error(`${video}: no video stream`);
    const rate = stream.avgFrameRate.num > 0 ? stream.avgFrameRate : stream.rFrameRate;
    const fps = rate.den > 0 ? rate.num / rate.den : NaN;
    if (!(fps > 0)) throw new Error(`${video}: the file does not say its frame rate`);
    return { video, name: path.basename(video).replace(/\.[^.]+$/, ''), fps, size: [stream.codecpar.width, stream.codecpar.height] };
  } finally {
    await demuxer.close();
  }
}

// ---- Detection (cached) -----------------------------------------------------------------------------------

/** The detector as the camera would run it (detector config), plus eval's check of the model's input size. */
export interface ClipDetector {
  model: string;
  format?: DetectorFormat;
  confidence: number;
  nmsIou: number;
  threads: number;
  /** When given, the model file's input must be this size (eval:edge --input-size); the pipeline does not check. */
  inputSize?: number;
  /** Also read each detection's colours (the tracker's appearance cue), as the pipeline does when it is on. */
  appearance?: boolean;
}

export const clipDetectorOf = (d: DetectorConfig): ClipDetector => ({
  model: d.model,
  format: d.format,
  confidence: d.confidence,
  nmsIou: d.nms_iou,
  threads: d.threads_per_camera,
  ...(trackerUsesAppearance() ? { appearance: true } : {}),
});

export interface DetectedFrame {
  /** 1-based, as in MOT files (the source video's frame number, also when frames are subsampled). */
  frame: number;
  timestampMs: number;
  detections: PersonDetection[];
}

export interface DetectOptions {
  /** Frames analysed per second (the camera's target_fps); the video's own rate by default. */
  fps?: number;
  /** Called every `progressEvery` frames with the count so far and the clip time reached. */
  onProgress?: (frames: number, clipS: number) => void;
  progressEvery?: number;
  /**
   * Directory for a cache of the detections (JSON per clip, rate and model). Reused only when the model, the
   * video and the detector options are unchanged (sizes, mtimes and options in the key).
   */
  cacheDir?: string;
  /** Called after each frame's detection (not on a cache hit) with the milliseconds of its session.run. */
  onInference?: (ms: number) => void;
  /** With the appearance cue: called after each frame (not on a cache hit) with the ms spent reading its boxes' colours. */
  onAppearance?: (ms: number, boxes: number) => void;
}

function detectionCacheFile(clip: Clip, d: ClipDetector, fps: number, cacheDir: string): string {
  const stamp = (f: string) => {
    const st = statSync(f);
    // Absolute, so a config's relative model path finds the cache eval:edge wrote (its paths are absolute).
    return `${path.resolve(f)}:${st.size}:${st.mtimeMs}`;
  };
  const key = createHash('sha256')
    .update(
      [
        stamp(d.model),
        stamp(clip.video),
        fps,
        d.nmsIou,
        Math.min(LOW_SCORE_FLOOR, d.confidence),
        // Only a non-default format enters the key, so the YOLOv8 caches made before it stay valid.
        ...(d.format && d.format !== 'yolov8' ? [d.format] : []),
        // Likewise the appearance descriptors: caches without them stay valid.
        ...(d.appearance ? ['appearance'] : []),
      ].join('|'),
    )
    .digest('hex')
    .slice(0, 16);
  return path.join(cacheDir, `${clip.name.replace(/[^A-Za-z0-9._-]/g, '_')}-${fps}fps-${key}.json`);
}

/**
 * Decodes and detects every sampled frame of the clip as the pipeline does (same frame source options and
 * detector settings, `fps` as the camera's target_fps). Detections are kept down to the low-score floor, so
 * one detection pass serves any tracker and rule setting.
 */
export async function detectClip(clip: Clip, d: ClipDetector, opts: DetectOptions = {}): Promise<DetectedFrame[]> {
  const fps = opts.fps ?? clip.fps;
  const cacheFile = opts.cacheDir ? detectionCacheFile(clip, d, fps, opts.cacheDir) : null;
  if (cacheFile && existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, 'utf8')) as DetectedFrame[];
  const detector = await PersonDetector.load(d.model, {
    intraOpThreads: d.threads,
    confidence: Math.min(LOW_SCORE_FLOOR, d.confidence),
    iouThreshold: d.nmsIou,
    ...(d.format ? { format: d.format } : {}),
  });
  if (d.inputSize !== undefined && d.inputSize !== detector.inputSize) {
    await detector.release();
    throw new RangeError(`${d.model}: its input is fixed at ${detector.inputSize}×${detector.inputSize}, not ${d.inputSize} (export the model at that size)`);
  }
  const source = await openFrameSource({ url: clip.video, targetFps: fps, letterboxSize: detector.inputSize, realtime: false });
  const out: DetectedFrame[] = [];
  try {
    let firstMs: number | null = null;
    for await (const frame of source) {
      firstMs ??= frame.timestampMs;
      const detections = await detector.detect(frame);
      opts.onInference?.(detector.inferenceMs);
      if (d.appearance) {
        const t0 = performance.now();
        for (const x of detections) x.appearance = appearanceOf(frame, x.box);
        opts.onAppearance?.(performance.now() - t0, detections.length);
      }
      // Frame number from stream time, so a skipped frame could not shift every later frame.
      out.push({ frame: Math.round(((frame.timestampMs - firstMs) * clip.fps) / 1000) + 1, timestampMs: frame.timestampMs, detections });
      if (opts.onProgress && out.length % (opts.progressEvery ?? 100) === 0) opts.onProgress(out.length, (frame.timestampMs - firstMs) / 1000);
    }
  } finally {
    await source.close();
    await detector.release();
  }
  if (cacheFile) {
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(out));
  }
  return out;
}

// ---- Tracking and the camera's rules ----------------------------------------------------------------------

/** Motion gating replayed over cached detections: each frame's grey thumbnail (same order) and the camera's settings. */
export interface MotionGating {
  thumbnails: readonly GreyThumbnail[];
  settings: MotionSettings;
}

/** One frame of the pipeline's loop after tracking: what its rules are fed. */
export interface TrackedFrame {
  timestampMs: number;
  feet: TrackFoot[];
  removed: number[];
}

/**
 * The pipeline's loop up to its rules, frame by frame: ByteTracker, the occlusion-aware foot of each track, the
 * tracks the tracker removed. Also the tracks as MOT boxes (for MOTA/IDF1).
 */
export function trackFeet(
  frames: readonly DetectedFrame[],
  options: Partial<TrackerOptions>,
  gating?: MotionGating,
): { tracked: TrackedFrame[]; boxes: MotBox[]; skipped: number } {
  const tracker = new ByteTracker(options);
  const gate = gating?.settings.enabled ? new MotionGate(gating.settings) : null;
  let skipped = 0;
  const feetOf = new OcclusionAwareFeet();
  const tracked: TrackedFrame[] = [];
  const boxes: MotBox[] = [];
  for (const [i, f] of frames.entries()) {
    // As the pipeline: a frame the gate keeps from the detector holds the tracks (the cached detections go unused).
    const held = gate !== null && !gate.decide(gating!.thumbnails[i]!, f.timestampMs, tracker.awaitingConfirmation()).detect;
    if (held) skipped++;
    const tracks = held ? tracker.hold(f.timestampMs) : tracker.update(f.detections, f.timestampMs);
    const feet = tracks.map((t) => ({ id: t.id, foot: feetOf.foot(t.id, t.box) }));
    const removed = tracker.removedSinceLastUpdate();
    feetOf.forget(removed);
    tracked.push({ timestampMs: f.timestampMs, feet, removed });
    for (const t of tracks) boxes.push({ frame: f.frame, id: t.id, box: t.box });
  }
  return { tracked, boxes, skipped };
}

/** The tracker settings the pipeline gives this camera (detector confidence, target_fps, its door region). */
export function cameraTrackerOptions(camera: CameraConfig, confidence: number, frameSize: Size, vision: VisionOptions = {}): Partial<TrackerOptions> {
  return trackerOptionsFor(confidence, camera.target_fps, vision.tracker, entranceDoorRegion(camera, frameSize));
}

/**
 * The camera's rules (the pipeline's own buildCameraRules) fed exactly as the pipeline feeds them, then closed
 * at the last frame as at the end of a replayed file: the events the camera would send.
 */
export function cameraEvents(tracked: readonly TrackedFrame[], camera: CameraConfig, frameSize: Size, vision: VisionOptions = {}): StoreEvent[] {
  const { rules } = buildCameraRules(camera, frameSize, (id) => `${camera.camera_id}_${id}`, vision);
  const events: Array<Omit<StoreEvent, 'event_id'>> = [];
  let lastTs = 0;
  for (const f of tracked) {
    for (const rule of rules) {
      events.push(...rule.update(f.feet, f.timestampMs));
      if (f.removed.length) events.push(...rule.removeTracks(f.removed, f.timestampMs));
    }
    lastTs = f.timestampMs;
  }
  for (const rule of rules) events.push(...rule.close(Math.max(lastTs, 0)));
  return events as StoreEvent[];
}

/**
 * Ground-truth tracks (MOT boxes at the video's full rate) as the rules' input: the foot of each box, every frame
 * from the first to the last (empty ones too, so grace periods run on time), an id removed on the frame after its
 * last appearance (as the tracker ends a track that left). Frame 1 is at `startMs`.
 */
export function groundTruthFrames(gt: readonly MotBox[], fps: number, startMs = 0): TrackedFrame[] {
  if (gt.length === 0) return [];
  const byFrame = new Map<number, TrackFoot[]>();
  const lastSeen = new Map<number, number>();
  for (const b of gt) {
    let list = byFrame.get(b.frame);
    if (!list) byFrame.set(b.frame, (list = []));
    list.push({ id: b.id, foot: footPoint(b.box) });
    lastSeen.set(b.id, Math.max(lastSeen.get(b.id) ?? -Infinity, b.frame));
  }
  const goneAfter = new Map<number, number[]>();
  for (const [id, f] of lastSeen) goneAfter.set(f, [...(goneAfter.get(f) ?? []), id]);
  const frames = [...byFrame.keys()];
  const first = Math.min(...frames);
  const last = Math.max(...frames);
  const out: TrackedFrame[] = [];
  for (let frame = first; frame <= last; frame++) {
    out.push({ timestampMs: startMs + ((frame - 1) * 1000) / fps, feet: byFrame.get(frame) ?? [], removed: goneAfter.get(frame - 1) ?? [] });
  }
  return out;
}

// ---- Figures ----------------------------------------------------------------------------------------------

export interface CountedCrossing extends TimedCrossing {
  person: string;
}

type PolygonSpec<C extends PolygonCapability> = (typeof POLYGON_RULES)[C];
/** Per polygon of one kind: its event count and mean duration in seconds, named by its `audit` (polygon-rules.ts). */
type PolygonFigures<C extends PolygonCapability> = Record<string, { [F in PolygonSpec<C>['audit']['count'] | PolygonSpec<C>['audit']['mean']]: number }>;

export type AuditFigures = {
  /** Per counting line: in, out and every crossing with its clip time. */
  lines: Record<string, { in: number; out: number; crossings: CountedCrossing[] }>;
} & {
  /** Per polygon kind, by its config key (zones: visits, meanDwellS; shelves: interactions, meanDwellS; queues: waits, meanWaitS …). */
  [C in PolygonCapability as PolygonSpec<C>['key']]: PolygonFigures<C>;
};

/** One polygon kind's figures, untyped (the code below walks the polygon rules). */
const polygonFigures = (f: AuditFigures, key: PolygonKey) => f[key] as unknown as Record<string, Record<string, number>>;
/** A polygon capability's event type as the figures name it (`zone`, `shelf`, `queue` …). */
const eventNoun = (capability: PolygonCapability) =>
  Object.entries(CAPABILITY_FOR_EVENT)
    .find(([, c]) => c === capability)![0]
    .replace(/_/g, ' ');

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

/**
 * The figures an installer reads from a camera's events: every configured line and polygon (zone, shelf, queue …)
 * is listed (0 when nothing happened there). Clip times are seconds since `clipStartMs`. `line` names the entrance line.
 */
export function auditFigures(events: readonly StoreEvent[], camera: CameraConfig, clipStartMs: number, line = ENTRANCE_LINE): AuditFigures {
  const has = (c: CameraConfig['capabilities'][number]) => camera.capabilities.includes(c);
  const crossings: CountedCrossing[] = [];
  const seconds = new Map(POLYGON_RULE_LIST.map(([c]) => [c, new Map<string, number[]>()]));
  const add = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const e of events) {
    if (e.type === 'entrance') {
      crossings.push({ line, direction: e.direction, atS: (Date.parse(e.ts) - clipStartMs) / 1000, person: e.person_key });
      continue;
    }
    const capability: PolygonCapability = CAPABILITY_FOR_EVENT[e.type];
    const { subject, seconds: duration } = POLYGON_RULES[capability].audit;
    const fields = e as unknown as Record<string, unknown>;
    add(seconds.get(capability)!, fields[subject] as string, fields[duration] as number);
  }
  const per = <T>(names: readonly string[], m: Map<string, number[]>, f: (xs: number[]) => T) =>
    Object.fromEntries([...new Set([...names, ...m.keys()])].map((n) => [n, f(m.get(n) ?? [])]));
  crossings.sort((a, b) => a.atS - b.atS);
  const figures: Record<string, unknown> = {
    lines:
      has('entrance') && camera.entrance_line
        ? { [line]: { in: crossings.filter((c) => c.direction === 'in').length, out: crossings.filter((c) => c.direction === 'out').length, crossings } }
        : {},
  };
  for (const [capability, spec] of POLYGON_RULE_LIST) {
    const configured = has(capability) ? Object.keys(camera[spec.key as PolygonKey] ?? {}) : [];
    figures[spec.key] = per(configured, seconds.get(capability)!, (xs) => ({ [spec.audit.count]: xs.length, [spec.audit.mean]: mean(xs) }));
  }
  return figures as AuditFigures;
}

// ---- Comparison -------------------------------------------------------------------------------------------

/** One figure against its truth. */
export interface FigureError {
  figure: string;
  truth: number;
  counted: number;
  /** counted − truth. */
  error: number;
  /** |error| / truth (Infinity for a phantom count against a truth of 0, NaN when neither has any). */
  relative: number;
}

export interface AuditComparison {
  figures: FigureError[];
  crossings: CrossingMatch<CountedCrossing, TimedCrossing>;
  toleranceS: number;
}

const figureError = (figure: string, counted: number, truth: number): FigureError => ({
  figure,
  truth,
  counted,
  error: counted - truth,
  relative: truth === 0 ? (counted === 0 ? 0 : Infinity) : Math.abs(counted - truth) / truth,
});

/**
 * The error of every figure the truth has, and the crossings missed and added (`truth` as crossings only, from
 * a hand count, compares the lines; full figures, from ground-truth tracks, compare everything).
 */
export function compareFigures(counted: AuditFigures, truth: AuditFigures | { crossings: readonly TimedCrossing[] }, toleranceS: number): AuditComparison {
  const figures: FigureError[] = [];
  const full = 'lines' in truth ? truth : null;
  const truthCrossings: readonly TimedCrossing[] = 'lines' in truth ? Object.values(truth.lines).flatMap((l) => l.crossings) : truth.crossings;
  for (const [line, c] of Object.entries(counted.lines)) {
    const t = truthCrossings.filter((x) => x.line === line);
    figures.push(figureError(`${line} in`, c.in, t.filter((x) => x.direction === 'in').length));
    figures.push(figureError(`${line} out`, c.out, t.filter((x) => x.direction === 'out').length));
  }
  if (full) {
    for (const [capability, spec] of POLYGON_RULE_LIST) {
      const { count, mean, meanLabel, compareMean } = spec.audit;
      const noun = eventNoun(capability);
      const truthOf = polygonFigures(full, spec.key as PolygonKey);
      for (const [id, c] of Object.entries(polygonFigures(counted, spec.key as PolygonKey))) {
        const t = truthOf[id] ?? { [count]: 0, [mean]: NaN };
        figures.push(figureError(`${noun} ${id} ${count}`, c[count], t[count]));
        if (compareMean) figures.push(figureError(`${noun} ${id} ${meanLabel} s`, c[mean], t[mean]));
      }
    }
  }
  const countedCrossings = Object.values(counted.lines).flatMap((l) => l.crossings);
  return { figures, crossings: matchCrossings(countedCrossings, truthCrossings, toleranceS), toleranceS };
}

// ---- The whole audit --------------------------------------------------------------------------------------

export interface CameraAudit {
  frames: number;
  /** Stream time of the first analysed frame: clip time 0. */
  clipStartMs: number;
  events: StoreEvent[];
  figures: AuditFigures;
}

/**
 * Analyses detected frames of a clip as `camera` would (its tracker settings, its rules): the camera's events
 * and figures. `vision` holds the pipeline options (eval's tracker overrides; none in a store).
 */
export function analyseDetections(
  frames: readonly DetectedFrame[],
  camera: CameraConfig,
  confidence: number,
  frameSize: Size,
  vision: VisionOptions = {},
): CameraAudit {
  const { tracked } = trackFeet(frames, cameraTrackerOptions(camera, confidence, frameSize, vision));
  const clipStartMs = frames[0]?.timestampMs ?? 0;
  const events = cameraEvents(tracked, camera, frameSize, vision);
  return { frames: frames.length, clipStartMs, events, figures: auditFigures(events, camera, clipStartMs) };
}

/** The same camera's rules fed with ground-truth tracks: the true figures for its geometry. */
export function groundTruthFigures(
  gt: readonly MotBox[],
  gtFps: number,
  camera: CameraConfig,
  frameSize: Size,
  clipStartMs: number,
  vision: VisionOptions = {},
): AuditFigures {
  const events = cameraEvents(groundTruthFrames(gt, gtFps, clipStartMs), camera, frameSize, vision);
  return auditFigures(events, camera, clipStartMs);
}
