// One inference service per box, instead of a session per camera worker (each ~60 MB, all competing for the same
// cores): a few inference worker threads, each holding one single-threaded onnxruntime session, run the frames of
// every camera. Camera workers keep decoding, gating, pre- and post-processing (PersonDetector); the main thread
// schedules their frames over the sessions (InferenceScheduler: round robin over cameras, so a camera with frames
// waiting cannot keep a quiet one waiting behind them).
//
// Why several one-thread sessions rather than one session with several threads: measured here with YOLOv8n int8,
// one 2-thread session ran 11.7 frames/s for 4 busy cameras, 4 one-thread sessions (one per camera) 15.9/s.
// Why no batching: onnxruntime-node runs a session synchronously on the thread that calls it, and YOLOv8/YOLOX
// exports are fixed at batch 1 (the shared yolov8n_int8.onnx is [1,3,640,640]), so frames run one by one.
import type { MessagePort } from 'node:worker_threads';
import { FairQueue } from './fair-queue.ts';
import type { ModelInfo, ModelOutput, ModelRunner } from './person-detector.ts';

// ---- messages ------------------------------------------------------------------------------------------------
//
// The pixels never travel in messages: each camera allocates its input tensor and the model's output as
// SharedArrayBuffers and shares them once; messages carry ids only. Measured under Deno 2.9: a round trip that
// transferred the 4.9 MB input and 2.8 MB output cost 170–280 ms (Node: 1 ms); with shared buffers, 0.15 ms.

/** What the cameras learn of the model: as checked at load, plus the output's size (from a first run). */
export interface SharedModelInfo extends ModelInfo {
  outputLength: number;
}

/** Camera → main thread (over the camera's own port). */
export type CameraRequest = { type: 'info' } | { type: 'buffers'; input: Float32Array; output: Float32Array } | { type: 'run'; id: number };
/** Main thread → camera. */
export type ServiceReply =
  | { type: 'info'; info: SharedModelInfo }
  | { type: 'result'; id: number; dims: number[]; inferenceMs: number }
  | { type: 'error'; id: number; message: string };
/** Main thread → session worker. */
export type SessionRequest =
  | { type: 'buffers'; camera: string; input: Float32Array; output: Float32Array }
  | { type: 'forget'; camera: string }
  | { type: 'run'; camera: string; id: number };
/** Session worker → main thread. */
export type SessionReply =
  | { type: 'ready'; info: SharedModelInfo; message: string }
  | { type: 'failed'; error: string }
  | { type: 'result'; camera: string; id: number; dims: number[]; inferenceMs: number }
  | { type: 'error'; camera: string; id: number; message: string };

export const sharedFloats = (n: number) => new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));

// ---- scheduling (main thread) ---------------------------------------------------------------------------------

/**
 * Which session runs which camera's frame next: a frame goes to an idle session at once; otherwise it waits, and a
 * session that finishes takes the next camera in round-robin order (FairQueue).
 */
export class InferenceScheduler {
  private readonly queue = new FairQueue<number>();
  private readonly idle: number[];

  constructor(
    sessions: number,
    private readonly dispatch: (session: number, camera: string, id: number) => void,
  ) {
    this.idle = Array.from({ length: sessions }, (_, i) => i);
  }

  request(camera: string, id: number): void {
    this.queue.push(camera, id);
    this.next();
  }

  /** A session finished its frame. */
  done(session: number): void {
    this.idle.push(session);
    this.next();
  }

  /** A camera left: its waiting frames are dropped. */
  drop(camera: string): void {
    this.queue.drop(camera);
  }

  private next(): void {
    while (this.idle.length) {
      const job = this.queue.next();
      if (!job) return;
      this.dispatch(this.idle.shift()!, job.camera, job.item);
    }
  }
}

// ---- a session worker's side -----------------------------------------------------------------------------------

/** Runs the session once on an input and copies the output into `into`; returns the output's dims and the run's ms. */
export type RunInto = (input: Float32Array, into: Float32Array) => Promise<{ dims: readonly number[]; inferenceMs: number }>;

/** A session worker: the cameras' shared buffers, and one run at a time as the main thread asks. */
export class SessionService {
  private readonly buffers = new Map<string, { input: Float32Array; output: Float32Array }>();
  /** onnxruntime refuses a tensor over shared memory, so the input is copied here before each run. */
  private readonly input: Float32Array;

  constructor(
    inputLength: number,
    private readonly runInto: RunInto,
  ) {
    this.input = new Float32Array(inputLength);
  }

  async handle(request: SessionRequest): Promise<SessionReply | null> {
    if (request.type === 'buffers') this.buffers.set(request.camera, { input: request.input, output: request.output });
    if (request.type === 'forget') this.buffers.delete(request.camera);
    if (request.type !== 'run') return null;
    const { camera, id } = request;
    try {
      const b = this.buffers.get(camera);
      if (!b || b.input.length !== this.input.length) throw new Error(`camera ${camera} shared no input buffer of ${this.input.length} floats`);
      this.input.set(b.input);
      const { dims, inferenceMs } = await this.runInto(this.input, b.output);
      return { type: 'result', camera, id, dims: [...dims], inferenceMs };
    } catch (err) {
      return { type: 'error', camera, id, message: err instanceof Error ? err.message : String(err) };
    }
  }
}

// ---- a camera's side -------------------------------------------------------------------------------------------

/** The camera's side: a ModelRunner whose runs happen in the box's inference service. */
export class RemoteModelRunner implements ModelRunner {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ServiceReply) => void>();

  private constructor(
    private readonly port: MessagePort,
    readonly info: SharedModelInfo,
    readonly input: Float32Array,
    private readonly output: Float32Array,
  ) {
    port.on('message', (reply: ServiceReply) => {
      if (reply.type === 'info') return;
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      resolve?.(reply);
    });
  }

  /** Asks for the model (answered once it is loaded) and shares this camera's input and output buffers. */
  static async connect(port: MessagePort): Promise<RemoteModelRunner> {
    const info = await new Promise<SharedModelInfo>((resolve) => {
      const onInfo = (reply: ServiceReply) => {
        if (reply.type !== 'info') return;
        port.off('message', onInfo);
        resolve(reply.info);
      };
      port.on('message', onInfo);
      port.postMessage({ type: 'info' } satisfies CameraRequest);
    });
    const input = sharedFloats(3 * info.size * info.size);
    const output = sharedFloats(info.outputLength);
    port.postMessage({ type: 'buffers', input, output } satisfies CameraRequest);
    return new RemoteModelRunner(port, info, input, output);
  }

  async run<T>(use: (output: ModelOutput) => T): Promise<T> {
    const id = this.nextId++;
    const reply = await new Promise<ServiceReply>((resolve) => {
      this.waiting.set(id, resolve);
      this.port.postMessage({ type: 'run', id } satisfies CameraRequest);
    });
    if (reply.type === 'error') throw new Error(`inference service: ${reply.message}`);
    if (reply.type !== 'result') throw new Error('inference service: unexpected reply');
    return use({ data: this.output, dims: reply.dims, inferenceMs: reply.inferenceMs });
  }

  async release(): Promise<void> {
    this.port.close();
  }
}
