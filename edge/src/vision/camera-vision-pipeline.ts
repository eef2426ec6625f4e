// One camera's vision loop, run inside its worker thread: decode (node-av) → detect people (ONNX) →
// track (ByteTrack) → the camera's event rules. Only events and counters leave this module; frames never do.
import { randomBytes } from 'node:crypto';
import type { StoreEvent } from '../../../shared/src/events.ts';
import type { CameraConfig } from '../runtime/config.ts';
import type { CameraPipeline, CameraStatus, CameraView, Emit, PipelineContext, PipelineControl, StreamState } from '../runtime/pipeline.ts';
import { framePicture } from '../local-ui/frame-picture.ts';
import { AUTO_DOOR_BAND_SHARE, defaultEntranceDoor, doorBandAround, FootfallCounter } from '../rules/entrance-line.ts';
import type { FrameRule, TrackFoot } from '../rules/frame-rule.ts';
import { POLYGON_RULE_LIST, ruleOptionValues, type AreaRule, type PolygonKey } from '../rules/polygon-rules.ts';
import { openFrameSource, type FrameSource, type VideoFrame } from './frame-source.ts';
import { scalePoint, scalePolygon, segmentLength, type Polygon, type Segment, type Size } from './geometry.ts';
import { MotionGate } from './motion-gate.ts';
import { OcclusionAwareFeet } from './occlusion-aware-feet.ts';
import { loadDetectorOn } from './execution-provider.ts';
import { PersonDetector } from './person-detector.ts';
import { RemoteModelRunner } from './shared-detector.ts';
import { ByteTracker, usesAppearance, type TrackerOptions, type TrackSnapshot } from './tracker.ts';
import { appearanceOf } from './appearance.ts';
import type { PersonDetection } from './detection.ts';

/** ByteTrack's second association stage needs the low-score boxes too, so the detector keeps them. */
export const LOW_SCORE_FLOOR = 0.1;

/**
 * Tracker settings beyond the detector-derived ones, chosen with `npm run eval:edge -- --tune` over all three
 * shared sequences at 5 fps and their own rate (README section 10): a 6 s lost buffer whatever the frame rate
 * (it was 30 frames: 6 s at 5 fps but 1.2 s at 25), and stage one accepting any box that overlaps a track's
 * prediction (cost 1 − IoU·score ≤ 0.95; 0.8 before), which keeps ids through groups at 5 fps. OC-SORT's ORU,
 * OCM and OCR were measured and are off (no fewer id switches at both rates; OCR cost line errors). The colour
 * cue (appearance.ts) adds 0.5 × colour distance to stage one's cost: id switches 38/31 → 28/28 (5 fps/source),
 * line errors 14 → 11 of 144 (`eval:edge -- --tune-appearance`; a veto gate, and weights 0.2–1, did less).
 */
export const TRACKER_DEFAULTS: Partial<TrackerOptions> = { lostBufferMs: 6000, matchThresh: 0.95, appearanceWeight: 0.5 };
/**
 * In the door region (entrance_door), a track may start from a detection this much below detector.confidence
 * (the tracker's birth region). null: off, as measured best — with detector.confidence 0.3 and the colour cue,
 * starting tracks from weaker boxes at the door added phantom counts: line errors 9 → 11 at −0.05 and −0.1, 12
 * at −0, −0.15, −0.2 (`eval:edge -- --tune-birth`, 2026-12-05; 14 → 15 at −0.1 before the colour cue). The
 * people missed at the doors were seen, and lost behind others walking past them.
 */
export const DOOR_BIRTH_MARGIN: number | null = null;

/**
 * The tracker settings derived from the detector's confidence and the camera's door region, frame pixels
 * (the evaluation replays exactly these).
 */
export function trackerOptionsFor(confidence: number, fps: number, overrides: Partial<TrackerOptions> = {}, door?: Polygon): Partial<TrackerOptions> {
  // A birth threshold given without regions (the evaluation's --birth-margin) applies in the door region.
  const birthThreshLow = overrides.birthThreshLow ?? (DOOR_BIRTH_MARGIN === null ? undefined : Math.max(LOW_SCORE_FLOOR, confidence - DOOR_BIRTH_MARGIN));
  return {
    trackThresh: confidence,
    newTrackThresh: Math.min(0.95, confidence + 0.1),
    fps,
    ...TRACKER_DEFAULTS,
    ...(door && birthThreshLow !== undefined ? { birthRegions: [door], birthThreshLow } : {}),
    ...(door && overrides.reidGate !== undefined ? { reidDoorRegions: [door] } : {}),
    ...overrides,
  };
}

/** Whether the pipeline's tracker (its defaults with these overrides) uses the colour cue, so detections need colours. */
export function trackerUsesAppearance(overrides: Partial<TrackerOptions> = {}): boolean {
  return usesAppearance({ ...TRACKER_DEFAULTS, ...overrides });
}

/** The camera's door region in frame pixels (entrance_door, or its default when counting late); none without one. */
export function entranceDoorRegion(camera: CameraConfig, frameSize: Size): Polygon | undefined {
  if (!camera.capabilities.includes('entrance') || !camera.entrance_line) return undefined;
  const drawn = camera.entrance_door ?? (camera.entrance_counting === 'late' ? defaultEntranceDoor(camera.entrance_line, camera.screenshot_size) : 'none');
  if (drawn === 'none') return undefined;
  if (drawn !== 'auto') return scalePolygon(drawn, camera.screenshot_size, frameSize);
  const [a, b] = camera.entrance_line;
  const line: Segment = [scalePoint(a, camera.screenshot_size, frameSize), scalePoint(b, camera.screenshot_size, frameSize)];
  return doorBandAround(line, AUTO_DOOR_BAND_SHARE * segmentLength(line));
}
const STATUS_EVERY_MS = 2000;
/**
 * The status timer stays quiet when frames stop being analysed while the stream claims to be up, so a
 * hung detector or frame loop looks silent to the supervisor's stall watchdog and gets the worker restarted.
 */
const FRAME_LOOP_STALL_MS = 15_000;

export interface VisionOptions {
  /** Replay a file at its own speed (demo) instead of as fast as possible (evaluation). */
  realtime?: boolean;
  /** Tracker overrides, for evaluation and tuning. */
  tracker?: Partial<TrackerOptions>;
  /** Frames on the new side before an entrance crossing counts. */
  confirm_frames?: number;
  zone_enter_debounce_ms?: number;
  zone_exit_grace_ms?: number;
}

export function createPipeline(context: PipelineContext): CameraPipeline {
  return new CameraVisionPipeline(context);
}

/**
 * The camera's rules, built once the real frame size is known (geometry is drawn on a screenshot): the entrance line,
 * then each polygon rule of its capabilities (rules/polygon-rules.ts). `queueLengths` reads the rules that keep them.
 */
export function buildCameraRules(camera: CameraConfig, frameSize: Size, personKey: (id: number) => string, options: VisionOptions = {}) {
  const scale = (polys: Readonly<Record<string, Polygon>>) =>
    Object.fromEntries(Object.entries(polys).map(([k, p]) => [k, scalePolygon(p, camera.screenshot_size, frameSize)]));
  const presence = {
    personKey,
    ...(options.zone_enter_debounce_ms !== undefined ? { enterDebounceMs: options.zone_enter_debounce_ms } : {}),
    ...(options.zone_exit_grace_ms !== undefined ? { exitGraceMs: options.zone_exit_grace_ms } : {}),
  };
  const rules: FrameRule<Omit<StoreEvent, 'event_id'>>[] = [];
  if (camera.capabilities.includes('entrance') && camera.entrance_line) {
    const [a, b] = camera.entrance_line;
    const line: Segment = [scalePoint(a, camera.screenshot_size, frameSize), scalePoint(b, camera.screenshot_size, frameSize)];
    // Pixel lengths drawn on the screenshot scale with the frame (the mean of the two axes' ratios).
    const pxScale = (frameSize[0] / camera.screenshot_size[0] + frameSize[1] / camera.screenshot_size[1]) / 2;
    // No door drawn: the default (defaultEntranceDoor, chosen by npm run eval:edge) when counting late.
    const door = entranceDoorRegion(camera, frameSize);
    rules.push(
      new FootfallCounter(line, {
        insideSide: camera.entrance_inside ?? 'right',
        personKey,
        mode: camera.entrance_counting,
        marginPx: camera.entrance_margin_px * pxScale,
        ...(door ? { door } : {}),
        ...(options.confirm_frames !== undefined ? { confirmFrames: options.confirm_frames } : {}),
      }),
    );
  }
  const measured: AreaRule[] = [];
  for (const [capability, spec] of POLYGON_RULE_LIST) {
    if (!camera.capabilities.includes(capability)) continue;
    const rule = spec.build(scale(camera[spec.key as PolygonKey] ?? {}), presence, ruleOptionValues(spec, camera));
    rules.push(rule);
    if (rule.lengths) measured.push(rule);
  }
  /** People in each queue now, e.g. `{ checkout_1: 3 }` for the heartbeat's status_data. */
  const queueLengths = (): Record<string, number> => Object.assign({}, ...measured.map((r) => r.lengths?.()));
  return { rules, queueLengths };
}

class CameraVisionPipeline implements CameraPipeline {
  private stopped = false;
  private source: FrameSource | null = null;
  private readonly options: VisionOptions;
  /** person_key = camera + run + track id: pseudonymous, never derived from appearance. */
  private readonly runId = randomBytes(4).toString('hex');
  /** The camera the rules run on; `nextCamera`: geometry saved on the calibration page, taken up on the next frame. */
  private camera: PipelineContext['camera'];
  private nextCamera: PipelineContext['camera'] | null = null;
  /** The latest analysed frame and its tracks, for the calibration page's view. */
  private latest: { frame: VideoFrame; tracks: readonly TrackSnapshot[] } | null = null;
  private emit: Emit | null = null;

  constructor(private readonly context: PipelineContext) {
    this.options = context.options as VisionOptions;
    this.camera = context.camera;
  }

  control(message: PipelineControl): void {
    if (message.type === 'geometry') this.nextCamera = message.camera;
    else this.emit?.({ type: 'view', id: message.id, view: this.view(message.picture) });
  }

  /** The latest frame's tracks and the geometry in screenshot pixels (the page draws on the screenshot's size). */
  private view(picture: boolean): CameraView {
    const { entrance_line, entrance_inside, zones, shelves, queues } = this.camera;
    const geometry = { entrance_line, entrance_inside, zones, shelves, queues };
    if (!this.latest) return { frame_size: null, tracks: [], geometry };
    const { frame, tracks } = this.latest;
    const [sx, sy] = [this.camera.screenshot_size[0] / frame.width, this.camera.screenshot_size[1] / frame.height];
    return {
      frame_size: [frame.width, frame.height],
      tracks: tracks.map((t) => ({ id: t.id, box: [t.box[0] * sx, t.box[1] * sy, t.box[2] * sx, t.box[3] * sy] })),
      geometry,
      ...(picture ? { picture: framePicture(frame).png } : {}),
    };
  }

  async start(emit: Emit): Promise<void> {
    this.emit = emit;
    const { detector: det, target_fps } = this.context;
    let camera = this.camera;
    const status: CameraStatus = {
      fps: 0,
      inference_ms: 0,
      stream_state: 'starting',
      queue_lengths: {},
      frames_analysed: 0,
      frames_dropped: 0,
      frames_skipped_motion: 0,
    };
    let lastFrameDoneAt = Date.now();
    const sendStatus = () =>
      emit({
        type: 'status',
        status: {
          ...status,
          stream_state: this.streamState() ?? status.stream_state,
          frames_dropped: this.source?.framesDropped ?? status.frames_dropped,
        },
      });
    sendStatus();
    // Status keeps flowing while the stream is down, so the supervisor can tell "reconnecting" from "stuck".
    const statusTimer = setInterval(() => {
      const hung = this.source?.state === 'streaming' && Date.now() - lastFrameDoneAt > FRAME_LOOP_STALL_MS;
      if (!hung) sendStatus();
    }, STATUS_EVERY_MS);
    const thresholds = { confidence: Math.min(LOW_SCORE_FLOOR, det.confidence), iouThreshold: det.nms_iou };
    // The box's shared inference service when the supervisor gave a port to it, else a session of this camera's own.
    const port = this.context.inference_port;
    const detector = port
      ? PersonDetector.withRunner(await RemoteModelRunner.connect(port), thresholds)
      : (await loadDetectorOn(det.model, det.execution_provider, { ...thresholds, intraOpThreads: det.threads_per_camera, format: det.format })).detector;
    try {
      this.source = await openFrameSource({
        url: camera.rtsp,
        targetFps: target_fps,
        letterboxSize: detector.inputSize,
        // A file is paced at its own speed (dropping what the detector misses) unless the camera replays every frame.
        realtime: camera.source === 'file' ? (camera.replay === 'every_frame' ? false : (this.options.realtime ?? true)) : undefined,
        waitForStream: true,
      });
      // Built on the first frame, like the rules: the door region (a birth region for the tracker) is in frame pixels.
      let tracker: ByteTracker | null = null;
      const personKey = (id: number) => `${camera.camera_id}_${this.runId}_${id}`;
      let rules: ReturnType<typeof buildCameraRules> | null = null;
      const footEstimator = new OcclusionAwareFeet();
      const gate = new MotionGate(camera.motion);
      const appearance = trackerUsesAppearance(this.options.tracker);
      let lastTs = Date.now();
      const window: { at: number; inferenceMs: number | null }[] = [];

      for await (const frame of this.source) {
        if (this.stopped) break;
        if (this.nextCamera) {
          // New geometry from the calibration page: visits open under the old one are closed, then the rules rebuilt.
          const closing = rules?.rules.flatMap((r) => r.close(frame.timestampMs)) ?? [];
          if (closing.length) emit({ type: 'events', events: closing as StoreEvent[] });
          camera = this.camera = this.nextCamera;
          this.nextCamera = null;
          rules = null;
        }
        rules ??= buildCameraRules(camera, [frame.width, frame.height], personKey, this.options);
        tracker ??= new ByteTracker(
          trackerOptionsFor(det.confidence, target_fps, this.options.tracker, entranceDoorRegion(camera, [frame.width, frame.height])),
        );
        // A frame without motion skips the detector; its tracks are held where they are (motion-gate.ts).
        const { detect } = gate.decideFrame(frame, detector.inputSize, frame.timestampMs, tracker.awaitingConfirmation());
        const tracks = detect ? tracker.update(await this.detect(detector, frame, appearance), frame.timestampMs) : tracker.hold(frame.timestampMs);
        if (!detect) status.frames_skipped_motion = (status.frames_skipped_motion ?? 0) + 1;
        const feet: TrackFoot[] = tracks.map((t) => ({ id: t.id, foot: footEstimator.foot(t.id, t.box) }));
        this.latest = { frame, tracks };
        const removed = tracker.removedSinceLastUpdate();
        footEstimator.forget(removed);
        const events: Omit<StoreEvent, 'event_id'>[] = [];
        for (const rule of rules.rules) {
          events.push(...rule.update(feet, frame.timestampMs));
          if (removed.length) events.push(...rule.removeTracks(removed, frame.timestampMs));
        }
        if (events.length) emit({ type: 'events', events: events as StoreEvent[] });
        lastTs = frame.timestampMs;
        lastFrameDoneAt = Date.now();
        status.frames_analysed = (status.frames_analysed ?? 0) + 1;

        const now = performance.now();
        window.push({ at: now, inferenceMs: detect ? detector.inferenceMs : null });
        while (window.length > 1 && now - window[0].at > 5000) window.shift();
        const spanS = window.length > 1 ? (now - window[0].at) / 1000 : 0;
        status.fps = spanS > 0 ? Math.round(((window.length - 1) / spanS) * 10) / 10 : 0;
        const runs = window.flatMap((w) => (w.inferenceMs === null ? [] : [w.inferenceMs]));
        if (runs.length) status.inference_ms = Math.round((runs.reduce((s, ms) => s + ms, 0) / runs.length) * 10) / 10;
        status.queue_lengths = rules.queueLengths();
      }
      // Shutdown or the end of a replayed file: close open visits so no dwell is lost.
      if (rules) {
        const closing = rules.rules.flatMap((r) => r.close(Math.max(lastTs, 0)));
        if (closing.length) emit({ type: 'events', events: closing as StoreEvent[] });
      }
      status.stream_state = this.stopped ? 'stopped' : 'ended';
      status.frames_dropped = this.source.framesDropped;
    } finally {
      clearInterval(statusTimer);
      await this.source?.close().catch(() => {});
      // Released before the worker may be terminated: a session left open leaks ~60 MB per termination.
      await detector.release();
      sendStatus();
    }
  }

  /** The frame's people; with the appearance cue on, each with the colours of its box (read before the next frame). */
  private async detect(detector: PersonDetector, frame: VideoFrame, appearance: boolean): Promise<PersonDetection[]> {
    const detections = await detector.detect(frame);
    if (appearance) for (const d of detections) d.appearance = appearanceOf(frame, d.box);
    return detections;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Ends the frame loop even while it waits for a stalled stream.
    await this.source?.close().catch(() => {});
  }

  private streamState(): StreamState | null {
    const s = this.source?.state;
    if (!s || this.stopped) return null;
    return s === 'connecting' ? 'starting' : s;
  }
}
