// npm run bench:edge [-- --repeat 3 --seconds 24 --raw-seconds 8 --cameras 1,2,4 --quiet-wait 90]: throughput of
// the edge vision pipeline on this machine. Before each measurement it waits (up to --quiet-wait s) for the
// machine to be idle, and every row reports how many cores other processes used meanwhile.
//
// 1. Decode cost per stream: openFrameSource (node-av decode + scale + letterbox to 640) alone, as fast as
//    it goes: frames per second, CPU ms per frame (whole process, FFmpeg's threads included) and the CPU
//    share of one core a 25 fps stream costs.
// 2. The physical limit: onnxruntime session.run of the same model in a loop (no pre/post-processing), one
//    loop with 2 threads and 1 thread, and N concurrent loops with the per-camera thread count (the limit
//    for N cameras); also PersonDetector.detect (pre/post-processing added).
// 3. The real pipeline: N = 1, 2, 4 cameras, each a worker thread running edge/src/runtime/camera-worker.ts
//    with the production pipeline module on an mp4 file (TUD-Campus.mp4 and train_door_example_02.mp4
//    alternately), not realtime, target_fps = the video's 25 fps, threads_per_camera = 2 for one camera and
//    1 for more (2 cores: N × threads ≤ 2 where possible). A camera whose file ends is started again, so N
//    stay busy for the whole window. Per-camera fps is the pipeline's own status fps (its rate over the last
//    5 s of frames, what the heartbeat reports), median over the window.
// 4. Memory: process RSS as cameras are added one by one (measured before the throughput runs).
// 5. Cameras per box (bench/edge.bench-box.ts): 1, 4, 8, 16 cameras as in a store (shared inference, motion gating,
//    target_fps 5, clips replayed at their own speed and looped) on busy, mixed and still scenes: achieved fps per
//    camera, frames skipped by gating and dropped, CPU, memory, load. `--box-only` runs just this table; knobs
//    --box-cameras, --box-seconds (window per row, default 20), --box-scenes, --box-layouts (shared,per_camera),
//    --box-model FILE --box-format yolov8|yolox, or BENCH_BOX_CAMERAS / _SECONDS / _SCENES / _LAYOUTS / _MODEL / _FORMAT.
// Every measurement is repeated (--repeat) and reported as median [min–max]: the 2 cores are shared.
// Runs under Deno: deno run --allow-all bench/edge.bench.ts
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { CameraConfig, DetectorFormat } from '../edge/src/runtime/config.ts';
import { DEFAULT_ENTRANCE_COUNTING, DEFAULT_ENTRANCE_MARGIN_PX } from '../edge/src/rules/entrance-line.ts';
import { siblingModule, type CameraStatus, type CameraWorkerData, type WorkerMessage } from '../edge/src/runtime/pipeline.ts';
import { openFrameSource } from '../edge/src/vision/frame-source.ts';
import { DEFAULT_MOTION, type MotionSettings } from '../edge/src/vision/motion-gate.ts';
import { boxRun, stillClips, type Layout, type Scene } from './edge.bench-box.ts';
import { machineBusySeconds, processCpuSeconds } from './cpu-usage.ts';
import { SHARED_DIR } from '../edge/src/eval/sequence-eval.ts';
import type { ReferenceWorkerData, ReferenceWorkerResult } from './edge.bench-worker.ts';

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '24' },
    'raw-seconds': { type: 'string', default: '8' },
    cameras: { type: 'string', default: '1,2,4' },
    'quiet-wait': { type: 'string', default: '90' },
    'box-only': { type: 'boolean', default: false },
    'box-cameras': { type: 'string', default: process.env.BENCH_BOX_CAMERAS ?? '1,4,8,16' },
    'box-seconds': { type: 'string', default: process.env.BENCH_BOX_SECONDS ?? '20' },
    'box-scenes': { type: 'string', default: process.env.BENCH_BOX_SCENES ?? 'busy,mixed,still' },
    'box-layouts': { type: 'string', default: process.env.BENCH_BOX_LAYOUTS ?? 'shared' },
    'box-model': { type: 'string', default: process.env.BENCH_BOX_MODEL ?? '' },
    'box-format': { type: 'string', default: process.env.BENCH_BOX_FORMAT ?? 'yolov8' },
  },
});
const REPEAT = Number(args.repeat);
const WINDOW_S = Number(args.seconds);
const RAW_S = Number(args['raw-seconds']);
const CAMERA_COUNTS = args.cameras.split(',').map(Number);
/** Before each measurement, wait up to this long for the other processes to leave the CPU alone. */
const QUIET_WAIT_S = Number(args['quiet-wait']);
/** Status fps is a 5 s rate; skip the first reports of the window, while it is still filling. */
const STATUS_WARMUP_S = 6;

const MODEL = path.join(SHARED_DIR, 'models', 'yolov8n_int8.onnx');
const VIDEOS = [path.join(SHARED_DIR, 'sequences', 'TUD-Campus.mp4'), path.join(SHARED_DIR, 'video', 'train_door_example_02.mp4')];
const missing = [MODEL, ...VIDEOS].find((f) => !existsSync(f));
if (missing) {
  console.log(`bench:edge skipped: ${missing} not found (../shared is not on this machine)`);
  process.exit(0);
}

/** The "cameras per box" table (section 5). */
async function camerasPerBox(): Promise<void> {
  const busy = [
    ...VIDEOS.slice(0, 1),
    path.join(SHARED_DIR, 'sequences', 'TUD-Stadtmitte.mp4'),
    path.join(SHARED_DIR, 'sequences', 'PETS09-S2L1.mp4'),
    VIDEOS[1]!,
  ];
  const clips = { busy, still: await stillClips(busy, 30) };
  const threads = os.cpus().length;
  const rows: Array<Record<string, string>> = [];
  console.log(
    `\nCameras per box: ${args['box-seconds']} s per row after ${8} s warm-up; target_fps 5; motion gating ${JSON.stringify(DEFAULT_MOTION)}; shared session ${threads} threads; ${os.cpus().length} cores`,
  );
  for (const layout of args['box-layouts'].split(',') as Layout[]) {
    for (const scene of args['box-scenes'].split(',') as Scene[]) {
      for (const n of args['box-cameras'].split(',').map(Number)) {
        const model = args['box-model'] || MODEL;
        const format = args['box-format'] as DetectorFormat;
        const r = await boxRun(scene, layout, n, Number(args['box-seconds']), clips, { model, format }, layout === 'shared' ? threads : 1);
        const row = {
          scene,
          model: path.basename(model),
          inference: layout,
          cameras: String(n),
          'fps per camera (median [min–max])': spread(r.fpsPerCamera, 1),
          'cameras ≥ 4.5 fps': `${r.fpsPerCamera.filter((f) => f >= 4.5).length}/${n}`,
          'detector runs/s': r.detectorRunsPerSecond.toFixed(1),
          'skipped by gating %': (r.skippedShare * 100).toFixed(0),
          'dropped %': (r.droppedShare * 100).toFixed(0),
          'CPU cores (ours / others)': `${r.oursCores.toFixed(2)} / ${r.othersCores.toFixed(2)}`,
          'peak RSS MB': r.peakRssMb.toFixed(0),
          'load before → after': `${r.loadBefore} → ${r.loadAfter}`,
        };
        console.log(JSON.stringify(row));
        rows.push(row);
      }
    }
  }
  console.table(rows);
  console.log(
    'fps per camera: frames analysed (detected or held by gating) per second of streaming; the target is 5. dropped: sampled frames the box could not take in time.',
  );
}

const CAMERA_WORKER = siblingModule('camera-worker', new URL('../edge/src/runtime/pipeline.ts', import.meta.url).href);
// The production pipeline module (resolved like the supervisor resolves its worker: .ts under Deno, .js built).
const PIPELINE_MODULE = siblingModule('camera-vision-pipeline', new URL('../edge/src/vision/detection.ts', import.meta.url).href);
const REFERENCE_WORKER = siblingModule('edge.bench-worker', import.meta.url);
/** Sections 3 and 4 measure each camera with a session of its own, as before the shared inference service. */
const OWN_SESSION = { inference: 'per_camera', threads: 1, execution_provider: 'cpu' } as const;

// ---- measuring helpers ---------------------------------------------------------------------------

/**
 * CPU use during a measurement, in cores: ours (this process, all threads) and everyone else's. The machine
 * is shared; a measurement taken while others used a core is reported as such rather than silently.
 */
class CpuMeter {
  private readonly t0 = performance.now();
  private readonly ours0 = processCpuSeconds();
  private readonly busy0 = machineBusySeconds();

  read(): { oursCores: number; othersCores: number } {
    const wallS = (performance.now() - this.t0) / 1000;
    const ours = processCpuSeconds() - this.ours0;
    const busy = machineBusySeconds() - this.busy0;
    return { oursCores: ours / wallS, othersCores: Math.max(0, (busy - ours) / wallS) };
  }
}

/**
 * Waits until the machine has been nearly idle (< 0.25 cores busy; this process is idle between
 * measurements, so that is everyone else) for 2 s, or until maxWaitS has passed. Returns the idle share seen.
 */
async function waitForQuiet(maxWaitS: number): Promise<number> {
  const deadline = performance.now() + maxWaitS * 1000;
  let busyCores = NaN;
  do {
    const b0 = machineBusySeconds();
    await sleep(2000);
    busyCores = (machineBusySeconds() - b0) / 2;
    if (!(busyCores >= 0.25)) break;
  } while (performance.now() < deadline);
  return busyCores;
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) : NaN;
};
const spread = (xs: number[], digits = 1) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- 1. decode -----------------------------------------------------------------------------------

interface DecodeResult {
  frames: number;
  fps: number;
  cpuMsPerFrame: number;
  width: number;
  height: number;
  othersCores: number;
}

async function decodeOnly(video: string): Promise<DecodeResult> {
  const source = await openFrameSource({ url: video, targetFps: 25, letterboxSize: 640, realtime: false });
  const cpu0 = processCpuSeconds();
  const meter = new CpuMeter();
  const t0 = performance.now();
  let frames = 0;
  let size: [number, number] = [0, 0];
  for await (const frame of source) {
    frames++;
    size = [frame.width, frame.height];
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = processCpuSeconds() - cpu0;
  await source.close();
  return { frames, fps: frames / wallS, cpuMsPerFrame: (cpuS * 1000) / frames, width: size[0], height: size[1], othersCores: meter.read().othersCores };
}

// ---- 2. reference loops --------------------------------------------------------------------------

interface ReferenceResult {
  runsPerSecond: number;
  othersCores: number;
}

/** N concurrent loops; the aggregate runs per second over the common interval. */
async function referenceLoops(mode: ReferenceWorkerData['mode'], loops: number, threads: number): Promise<ReferenceResult> {
  const workers = Array.from({ length: loops }, () => {
    const data: ReferenceWorkerData = { mode, model: MODEL, image: VIDEOS[0]!, threads, warmupRuns: 3, seconds: RAW_S };
    return new Worker(REFERENCE_WORKER, { workerData: data });
  });
  const ready = workers.map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        w.once('error', reject);
        w.once('message', () => resolve());
      }),
  );
  await Promise.all(ready);
  const done = workers.map(
    (w) =>
      new Promise<{ runs: number; elapsedMs: number }>((resolve, reject) => {
        w.once('error', reject);
        w.on('message', (m: ReferenceWorkerResult) => m.type === 'done' && resolve(m));
      }),
  );
  const meter = new CpuMeter();
  for (const w of workers) w.postMessage('go');
  const results = await Promise.all(done);
  const { othersCores } = meter.read();
  await Promise.all(workers.map((w) => w.terminate()));
  return { runsPerSecond: results.reduce((s, r) => s + (r.runs / r.elapsedMs) * 1000, 0), othersCores };
}

// ---- 3. pipelines --------------------------------------------------------------------------------

function benchCamera(index: number, video: string, size: [number, number], motion: MotionSettings = { ...DEFAULT_MOTION, enabled: false }): CameraConfig {
  const [w, h] = size;
  return {
    camera_id: `bench_${index}`,
    rtsp: video,
    source: 'file',
    replay: 'realtime', // paced by the bench's pipeline options
    api_key: 'bench',
    capabilities: ['entrance', 'zones'],
    screenshot_size: [w, h],
    entrance_line: [
      [w / 2, 0],
      [w / 2, h],
    ],
    entrance_inside: 'left',
    entrance_counting: DEFAULT_ENTRANCE_COUNTING,
    entrance_margin_px: DEFAULT_ENTRANCE_MARGIN_PX,
    target_fps: 5,
    zones: {
      middle: [
        [w / 3, 0],
        [(2 * w) / 3, 0],
        [(2 * w) / 3, h],
        [w / 3, h],
      ],
    },
    shelves: {},
    queues: {},
    min_shelf_dwell_s: 2.5,
    // Off for the pipeline-against-raw-inference measurements (every frame detected); the per-box table turns it on.
    motion,
  };
}

interface SlotResult {
  video: string;
  /** Status fps reported inside the window (after warm-up). */
  statusFps: number[];
  inferenceMs: number[];
  /** fps × inference_ms of each status: the share of the pipeline's time spent in session.run. */
  inferenceShare: number[];
  completedRuns: number;
  events: number;
}

/** Runs the pipeline for one camera slot again and again until the window closes. */
async function cameraSlot(index: number, video: string, size: [number, number], threads: number, windowStart: number, windowEnd: number): Promise<SlotResult> {
  const result: SlotResult = { video: path.basename(video), statusFps: [], inferenceMs: [], inferenceShare: [], completedRuns: 0, events: 0 };
  while (performance.now() < windowEnd) {
    const data: CameraWorkerData = {
      pipelineModule: PIPELINE_MODULE.href,
      context: {
        camera: benchCamera(index, video, size),
        detector: { model: MODEL, format: 'yolov8', input_size: 640, confidence: 0.35, nms_iou: 0.45, threads_per_camera: threads, ...OWN_SESSION },
        target_fps: 25,
        options: { realtime: false },
      },
    };
    const worker = new Worker(CAMERA_WORKER, { workerData: data });
    let ended = false;
    // As the supervisor does: the worker reports its end and is then terminated (Deno's parentPort cannot close).
    const finish = () => void worker.terminate();
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'events') result.events += m.events.length;
      if (m.type === 'ended') ended = true;
      if (m.type === 'ended' || m.type === 'stopped') finish();
      if (m.type === 'failed') console.error(`camera ${index}: ${m.error}`);
      if (m.type !== 'status') return;
      const s: CameraStatus = m.status;
      const now = performance.now();
      if (s.stream_state === 'streaming' && s.fps > 0 && now >= windowStart + STATUS_WARMUP_S * 1000 && now <= windowEnd) {
        result.statusFps.push(s.fps);
        result.inferenceMs.push(s.inference_ms);
        result.inferenceShare.push((s.fps * s.inference_ms) / 1000);
      }
    });
    worker.on('error', (err) => console.error(`camera ${index} worker: ${String(err)}`));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Ask it to stop when the window closes; one that does not stop within 10 s is terminated.
    const stopAtWindowEnd = setTimeout(() => worker.postMessage({ type: 'stop' }), Math.max(0, windowEnd - performance.now()));
    const hardStop = setTimeout(finish, Math.max(0, windowEnd - performance.now()) + 10_000);
    await exited;
    clearTimeout(stopAtWindowEnd);
    clearTimeout(hardStop);
    if (ended) result.completedRuns++;
  }
  return result;
}

interface PipelineResult {
  perCameraFps: number[];
  aggregateFps: number;
  inferenceMs: number;
  inferenceShare: number;
  rssPerCameraMb: number;
  peakRssMb: number;
  othersCores: number;
  slots: SlotResult[];
}

async function pipelines(cameras: number, threads: number, sizes: Map<string, [number, number]>): Promise<PipelineResult> {
  const baseline = rssMb();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 250);
  const meter = new CpuMeter();
  const start = performance.now();
  const end = start + WINDOW_S * 1000;
  const slots = await Promise.all(
    Array.from({ length: cameras }, (_, i) => {
      const video = VIDEOS[i % VIDEOS.length]!;
      return cameraSlot(i, video, sizes.get(video)!, threads, start, end);
    }),
  );
  clearInterval(sampler);
  const { othersCores } = meter.read();
  const perCameraFps = slots.map((s) => median(s.statusFps));
  return {
    perCameraFps,
    aggregateFps: perCameraFps.reduce((a, b) => a + b, 0),
    inferenceMs: median(slots.flatMap((s) => s.inferenceMs)),
    inferenceShare: median(slots.flatMap((s) => s.inferenceShare)),
    rssPerCameraMb: (peak - baseline) / cameras,
    peakRssMb: peak,
    othersCores,
    slots,
  };
}

// ---- 4. memory ----------------------------------------------------------------------------------

/**
 * Process RSS with 0, 1, …, maxCameras pipelines streaming (the long train-door clip, 1 thread each), measured
 * first thing, while nothing else is loaded: each step's growth is what one more camera costs.
 */
async function memoryProfile(maxCameras: number, sizes: Map<string, [number, number]>): Promise<number[]> {
  const video = VIDEOS[1]!;
  const samples = [rssMb()];
  const workers: Worker[] = [];
  for (let i = 0; i < maxCameras; i++) {
    const data: CameraWorkerData = {
      pipelineModule: PIPELINE_MODULE.href,
      context: {
        camera: benchCamera(i, video, sizes.get(video)!),
        detector: { model: MODEL, format: 'yolov8', input_size: 640, confidence: 0.35, nms_iou: 0.45, threads_per_camera: 1, ...OWN_SESSION },
        target_fps: 25,
        options: { realtime: false },
      },
    };
    const worker = new Worker(CAMERA_WORKER, { workerData: data });
    workers.push(worker);
    await new Promise<void>((resolve) => worker.on('message', (m: WorkerMessage) => m.type === 'status' && m.status.stream_state === 'streaming' && resolve()));
    // Let it settle, then take the highest of a few samples (RSS breathes with every frame's buffers).
    let peak = 0;
    for (let k = 0; k < 8; k++) {
      await sleep(250);
      peak = Math.max(peak, rssMb());
    }
    samples.push(peak);
  }
  // Stop them properly before terminating: a worker terminated while holding its onnxruntime session leaks it.
  await Promise.all(
    workers.map(async (w) => {
      const done = new Promise<void>((resolve) => {
        w.on('message', (m: WorkerMessage) => (m.type === 'stopped' || m.type === 'ended') && resolve());
        setTimeout(resolve, 10_000);
      });
      w.postMessage({ type: 'stop' });
      await done;
      await w.terminate();
    }),
  );
  return samples;
}

// ---- run -----------------------------------------------------------------------------------------

console.log(
  `bench:edge on ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? '?'}), load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${REPEAT} repeats, pipeline window ${WINDOW_S} s, reference loops ${RAW_S} s`,
);

if (args['box-only']) {
  await camerasPerBox();
  process.exit(0);
}

const decodeRows: Array<Record<string, string>> = [];
const sizes = new Map<string, [number, number]>();
for (const video of VIDEOS) {
  const runs: DecodeResult[] = [];
  for (let r = 0; r < REPEAT; r++) {
    await waitForQuiet(QUIET_WAIT_S);
    runs.push(await decodeOnly(video));
  }
  sizes.set(video, [runs[0]!.width, runs[0]!.height]);
  decodeRows.push({
    stream: `${path.basename(video)} ${runs[0]!.width}x${runs[0]!.height}, ${runs[0]!.frames} frames`,
    'decode+letterbox fps': spread(
      runs.map((d) => d.fps),
      0,
    ),
    'CPU ms/frame': spread(
      runs.map((d) => d.cpuMsPerFrame),
      2,
    ),
    'CPU % of a core at 25 fps': spread(
      runs.map((d) => (d.cpuMsPerFrame * 25) / 10),
      1,
    ),
    "others' CPU (cores)": spread(
      runs.map((d) => d.othersCores),
      2,
    ),
  });
}
const memory = await memoryProfile(Math.max(...CAMERA_COUNTS), sizes);
console.log('\nDecode cost per stream (openFrameSource alone, decode + scale + letterbox to 640×640):');
console.table(decodeRows);

const threadsFor = (cameras: number) => Math.max(1, Math.floor(os.cpus().length / cameras));
const reference = new Map<string, ReferenceResult[]>();
const refKey = (mode: string, loops: number, threads: number) => `${mode} ×${loops} @${threads}t`;
const measureReference = async (mode: ReferenceWorkerData['mode'], loops: number, threads: number) => {
  await waitForQuiet(QUIET_WAIT_S);
  const result = await referenceLoops(mode, loops, threads);
  const key = refKey(mode, loops, threads);
  reference.set(key, [...(reference.get(key) ?? []), result]);
  return result;
};
interface PairedRun {
  pipeline: PipelineResult;
  limit: ReferenceResult;
}
const paired = new Map<number, PairedRun[]>();
// Each pipeline measurement is paired with the raw loops of the same shape measured just before it, so both
// see about the same machine; repeats go round all shapes, so a slow phase of the shared machine hits every row.
for (let r = 0; r < REPEAT; r++) {
  await measureReference('inference', 1, 1);
  await measureReference('detector', 1, 1);
  for (const n of CAMERA_COUNTS) {
    const threads = threadsFor(n);
    const limit = await measureReference('inference', n, threads);
    await waitForQuiet(QUIET_WAIT_S);
    const pipeline = await pipelines(n, threads, sizes);
    paired.set(n, [...(paired.get(n) ?? []), { pipeline, limit }]);
    console.log(
      `repeat ${r + 1}, ${n} camera(s) @${threads}t: ${pipeline.perCameraFps.map((f) => f.toFixed(1)).join(', ')} fps (raw ${limit.runsPerSecond.toFixed(1)}/s); ` +
        `others used ${pipeline.othersCores.toFixed(2)} cores (raw: ${limit.othersCores.toFixed(2)}); peak RSS ${pipeline.peakRssMb.toFixed(0)} MB`,
    );
  }
}

console.log('\nReference loops (onnxruntime session.run only; "detector" adds PersonDetector pre/post-processing; runs/s of all loops together):');
console.table(
  [...reference].map(([key, xs]) => ({
    loop: key,
    'runs/s': spread(
      xs.map((x) => x.runsPerSecond),
      1,
    ),
    'ms per run (per loop)': spread(
      xs.map((x) => (1000 * Number(/×(\d+)/.exec(key)![1])) / x.runsPerSecond),
      1,
    ),
    "others' CPU (cores)": spread(
      xs.map((x) => x.othersCores),
      2,
    ),
  })),
);

const rows = CAMERA_COUNTS.map((n) => {
  const runs = paired.get(n)!;
  return {
    cameras: n,
    'threads/camera': threadsFor(n),
    'fps per camera': spread(runs.flatMap((p) => p.pipeline.perCameraFps)),
    'fps all cameras': spread(runs.map((p) => p.pipeline.aggregateFps)),
    'raw limit, same shape': spread(runs.map((p) => p.limit.runsPerSecond)),
    'pipeline / raw %': spread(
      runs.map((p) => (p.pipeline.aggregateFps / p.limit.runsPerSecond) * 100),
      0,
    ),
    'time in inference %': spread(
      runs.map((p) => p.pipeline.inferenceShare * 100),
      0,
    ),
    'inference ms': spread(runs.map((p) => p.pipeline.inferenceMs)),
    "others' CPU (cores)": spread(
      runs.map((p) => p.pipeline.othersCores),
      2,
    ),
  };
});
console.log('\nPipeline throughput (status fps = frames analysed per second per camera, median over the window; median [min–max] over repeats and cameras):');
console.table(rows);
console.log(
  "pipeline / raw: all cameras' fps over the raw session.run rate of the same number of loops and threads, measured just before.\n" +
    "time in inference: fps × inference_ms from the pipeline's own status, i.e. the share of its time inside session.run; it does\n" +
    "not depend on how much CPU other processes took, so it is the steadier measure of the pipeline's own overhead.\n" +
    'Target: pipeline ≥ 90 % of raw.',
);
console.log('\nMemory (process RSS while cameras stream train_door_example_02.mp4, 1 thread each; measured before the throughput runs):');
console.table(memory.map((mb, k) => ({ cameras: k, 'RSS MB': mb.toFixed(0), 'added by this camera MB': k ? (mb - memory[k - 1]!).toFixed(0) : '' })));
console.log(`Peak process RSS during the throughput runs: ${Math.max(...[...paired.values()].flat().map((p) => p.pipeline.peakRssMb)).toFixed(0)} MB.`);
await camerasPerBox();
process.exit(0);
