// Worker thread for bench/edge.bench.ts: the reference loads it is compared with.
//   mode 'inference': onnxruntime session.run in a loop on one real letterboxed frame (no pre/post-processing),
//                     with the session options PersonDetector uses: the physical limit of the detector.
//   mode 'detector':  PersonDetector.detect in a loop (adds HWC→CHW conversion, decoding and NMS).
// Both run for a fixed time and report runs and elapsed ms. The pipeline itself runs in
// edge/src/runtime/camera-worker.ts, exactly as in production.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { readLetterboxedImage } from '../edge/src/vision/frame-source.ts';
import { PersonDetector } from '../edge/src/vision/person-detector.ts';

export interface ReferenceWorkerData {
  mode: 'inference' | 'detector';
  model: string;
  /** An image or video whose first picture is the input. */
  image: string;
  threads: number;
  warmupRuns: number;
  seconds: number;
}

export type ReferenceWorkerResult = { type: 'ready' } | { type: 'done'; runs: number; elapsedMs: number };

const port = parentPort;
if (!port) throw new Error('edge.bench-worker.ts runs only as a worker thread');
const data = workerData as ReferenceWorkerData;

const detector = await PersonDetector.load(data.model, { intraOpThreads: data.threads });
const frame = await readLetterboxedImage(data.image, detector.inputSize);

let step: () => Promise<unknown>;
let releaseSession: () => Promise<void> = async () => {};
if (data.mode === 'detector') {
  step = () => detector.detect(frame);
} else {
  const session = await ort.InferenceSession.create(data.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: data.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const size = detector.inputSize;
  const input = new Float32Array(3 * size * size);
  const pixels = size * size;
  for (let p = 0; p < pixels; p++) {
    input[p] = frame.rgb[3 * p]! / 255;
    input[pixels + p] = frame.rgb[3 * p + 1]! / 255;
    input[2 * pixels + p] = frame.rgb[3 * p + 2]! / 255;
  }
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, size, size]) };
  step = async () => {
    const out = await session.run(feeds);
    for (const t of Object.values(out)) t.dispose();
  };
  releaseSession = () => session.release();
}

for (let i = 0; i < data.warmupRuns; i++) await step();
// Wait for the go signal, so concurrent workers measure the same interval.
port.postMessage({ type: 'ready' } satisfies ReferenceWorkerResult);
await new Promise<void>((resolve) => port.once('message', () => resolve()));
const started = performance.now();
let runs = 0;
while (performance.now() - started < data.seconds * 1000) {
  await step();
  runs++;
}
const elapsedMs = performance.now() - started;
// Release before reporting: the main thread then terminates this worker, and a worker terminated while it
// holds an onnxruntime session leaks the session's native memory (~60 MB each with this model, measured).
await releaseSession();
await detector.release();
port.postMessage({ type: 'done', runs, elapsedMs } satisfies ReferenceWorkerResult);
