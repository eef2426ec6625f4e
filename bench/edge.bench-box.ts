// "Cameras per box" for bench/edge.bench.ts: N cameras run as in a store (the production camera worker and vision
// pipeline, one shared inference worker, motion gating on, target_fps 5), each replaying a real clip at its own speed
// like a live camera (frames the box cannot keep up with are dropped), looped for the whole window.
//
// Scenes: `busy` replays the shared footage and the door clip (people walking in every frame); `still` replays
// each clip's first picture held with sensor noise (bench/still-clip.ts), as a shop camera sees most of the day;
// `mixed` gives every fourth camera a busy clip and the others a still one.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CameraConfig, DetectorConfig, DetectorFormat } from '../edge/src/runtime/config.ts';
import { Logger } from '../edge/src/runtime/log.ts';
import { siblingModule, type CameraStatus, type CameraWorkerData, type WorkerMessage } from '../edge/src/runtime/pipeline.ts';
import { SharedInference } from '../edge/src/runtime/shared-inference.ts';
import { DEFAULT_MOTION } from '../edge/src/vision/motion-gate.ts';
import { machineBusySeconds, processCpuSeconds } from './cpu-usage.ts';
import { makeStillClip } from '../edge/test/still-clip.ts';

export type Scene = 'busy' | 'still' | 'mixed';
export type Layout = 'shared' | 'per_camera';

export interface BoxRun {
  scene: Scene;
  layout: Layout;
  cameras: number;
  /** Frames analysed per second per camera over the window (held by motion gating or detected). */
  fpsPerCamera: number[];
  /** Shares of the sampled frames in the window. */
  skippedShare: number;
  droppedShare: number;
  detectorRunsPerSecond: number;
  /** Cores used by this process (all threads) and by everything else on the machine. */
  oursCores: number;
  othersCores: number;
  peakRssMb: number;
  loadBefore: string;
  loadAfter: string;
}

const CAMERA_WORKER = siblingModule('camera-worker', new URL('../edge/src/runtime/pipeline.ts', import.meta.url).href);
const PIPELINE_MODULE = siblingModule('camera-vision-pipeline', new URL('../edge/src/vision/detection.ts', import.meta.url).href);
const TARGET_FPS = 5;
/** Counting starts after this (model load, first frames). */
const WARMUP_S = 8;

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

/** The still versions of the clips, made once in the temporary folder. */
export async function stillClips(videos: readonly string[], seconds: number): Promise<string[]> {
  const dir = path.join(os.tmpdir(), 'wink-bench-still');
  return Promise.all(videos.map((v) => makeStillClip(v, path.join(dir, `${path.basename(v, '.mp4')}-still-${seconds}s.mp4`), seconds)));
}

function boxCamera(index: number, video: string): CameraConfig {
  // One zone over the whole frame (geometry is scaled from the screenshot to the stream's size).
  return {
    camera_id: `box_${index}`,
    rtsp: video,
    source: 'file',
    replay: 'realtime',
    api_key: '',
    capabilities: ['zones'],
    screenshot_size: [100, 100],
    entrance_counting: 'late',
    entrance_margin_px: 0,
    target_fps: TARGET_FPS,
    zones: {
      floor: [
        [0, 0],
        [100, 0],
        [100, 100],
        [0, 100],
      ],
    },
    shelves: {},
    queues: {},
    min_shelf_dwell_s: 2.5,
    motion: DEFAULT_MOTION,
  };
}

interface Counts {
  analysed: number;
  skipped: number;
  dropped: number;
  /** Milliseconds of streaming the counts cover (restarts of a looped clip left out). */
  spanMs: number;
}

/**
 * One camera: its clip replayed again and again until the window ends. Counted between the first status inside
 * the window (or the worker's start, for a clip restarted inside it) and the last one, the worker's final status
 * after the stop at the window's end included.
 */
async function cameraLoop(
  index: number,
  video: string,
  detector: DetectorConfig,
  inference: SharedInference | null,
  windowStart: number,
  windowEnd: number,
): Promise<Counts> {
  const counts: Counts = { analysed: 0, skipped: 0, dropped: 0, spanMs: 0 };
  while (performance.now() < windowEnd) {
    const camera = boxCamera(index, video);
    const port = inference?.connect(camera.camera_id);
    const data: CameraWorkerData = {
      pipelineModule: PIPELINE_MODULE.href,
      context: { camera, detector, target_fps: TARGET_FPS, options: {}, ...(port ? { inference_port: port } : {}) },
    };
    const startedAt = performance.now();
    const worker = new Worker(CAMERA_WORKER, { workerData: data, ...(port ? { transferList: [port] } : {}) });
    type Mark = { t: number; analysed: number; skipped: number; dropped: number };
    let base: Mark | null = startedAt >= windowStart ? { t: startedAt, analysed: 0, skipped: 0, dropped: 0 } : null;
    let last: Mark | null = null;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ended' || m.type === 'stopped') void worker.terminate();
      if (m.type === 'failed') console.error(`camera ${index}: ${m.error}`);
      if (m.type !== 'status') return;
      const s: CameraStatus = m.status;
      const mark: Mark = { t: performance.now(), analysed: s.frames_analysed ?? 0, skipped: s.frames_skipped_motion ?? 0, dropped: s.frames_dropped ?? 0 };
      if (mark.t < windowStart) return;
      if (!base) base = mark;
      else if (mark.t <= windowEnd + 3000) last = mark;
    });
    worker.on('error', (err) => console.error(`camera ${index} worker: ${String(err)}`));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const stop = setTimeout(() => worker.postMessage({ type: 'stop' }), Math.max(0, windowEnd - performance.now()));
    const hardStop = setTimeout(() => void worker.terminate(), Math.max(0, windowEnd - performance.now()) + 10_000);
    await exited;
    clearTimeout(stop);
    clearTimeout(hardStop);
    const [b, l] = [base as Mark | null, last as Mark | null];
    if (b && l) {
      counts.analysed += l.analysed - b.analysed;
      counts.skipped += l.skipped - b.skipped;
      counts.dropped += l.dropped - b.dropped;
      counts.spanMs += Math.min(l.t, windowEnd) - b.t;
    }
  }
  return counts;
}

/** One row of the table: `cameras` cameras of `scene` for `seconds` (plus the warm-up). */
export async function boxRun(
  scene: Scene,
  layout: Layout,
  cameras: number,
  seconds: number,
  clips: { busy: readonly string[]; still: readonly string[] },
  { model, format }: { model: string; format: DetectorFormat },
  threads: number,
): Promise<BoxRun> {
  const detector: DetectorConfig = {
    model,
    format,
    input_size: format === 'yolox' ? 416 : 640,
    confidence: 0.3,
    nms_iou: 0.45,
    threads_per_camera: 1,
    inference: layout,
    threads,
    execution_provider: 'cpu',
  };
  const inference = layout === 'shared' ? new SharedInference({ detector, log: Logger.create({ level: 'warn' }) }) : null;
  if (inference) await inference.ready;
  const loadBefore = load();
  const start = performance.now();
  const windowStart = start + WARMUP_S * 1000;
  const windowEnd = windowStart + seconds * 1000;
  let peak = rssMb();
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 500);
  let cpu0 = { ours: 0, busy: 0 };
  const meterStart = setTimeout(() => (cpu0 = { ours: processCpuSeconds(), busy: machineBusySeconds() }), WARMUP_S * 1000);
  let cpu1 = { ours: 0, busy: 0 };
  const meterEnd = setTimeout(() => (cpu1 = { ours: processCpuSeconds(), busy: machineBusySeconds() }), (WARMUP_S + seconds) * 1000);
  const videoOf = (i: number) => {
    const busy = scene === 'busy' || (scene === 'mixed' && i % 4 === 0);
    const list = busy ? clips.busy : clips.still;
    return list[i % list.length]!;
  };
  const results = await Promise.all(Array.from({ length: cameras }, (_, i) => cameraLoop(i, videoOf(i), detector, inference, windowStart, windowEnd)));
  clearInterval(sampler);
  clearTimeout(meterStart);
  clearTimeout(meterEnd);
  await inference?.stop();
  const sampled = results.reduce((n, c) => n + c.analysed + c.dropped, 0);
  const ours = cpu1.ours - cpu0.ours;
  return {
    scene,
    layout,
    cameras,
    fpsPerCamera: results.map((c) => (c.spanMs > 0 ? (c.analysed * 1000) / c.spanMs : 0)),
    skippedShare: results.reduce((n, c) => n + c.skipped, 0) / Math.max(1, sampled),
    droppedShare: results.reduce((n, c) => n + c.dropped, 0) / Math.max(1, sampled),
    detectorRunsPerSecond: results.reduce((n, c) => n + (c.spanMs > 0 ? ((c.analysed - c.skipped) * 1000) / c.spanMs : 0), 0),
    oursCores: ours / seconds,
    othersCores: Math.max(0, (cpu1.busy - cpu0.busy - ours) / seconds),
    peakRssMb: peak,
    loadBefore,
    loadAfter: load(),
  };
}
