// One inference service per box: a dedicated worker thread holds the only onnxruntime session and runs the frames
// of every camera through it, instead of a session per camera worker (each ~60 MB, all competing for the same
// cores). Camera workers keep decoding, pre- and post-processing (PersonDetector); each talks to the service over a
// MessagePort of its own.
//
// Batching: onnxruntime-node runs a session synchronously on the thread that calls it, so one run at a time; a
// model with a dynamic batch dimension could take several cameras' frames in one run, but YOLOv8/YOLOX exports are
// fixed at batch 1 (the shared yolov8n_int8.onnx is [1,3,640,640]), so frames run one by one, in FairQueue order.
import type { MessagePort } from 'node:worker_threads';
import { FairQueue } from './fair-queue.ts';
import type { ModelInfo, ModelOutput, ModelRunner } from './person-detector.ts';

// ---- messages over a camera's port ------------------------------------------------------------------------
//
// The pixels never travel in messages: each camera shares two buffers with the service (SharedArrayBuffer), its
// input tensor and the model's output, and the messages carry only ids. Measured under Deno 2.9: a round trip that
// transferred the 4.9 MB input and 2.8 MB output cost 170–280 ms (Node: 1 ms); with shared buffers, 0.15 ms.

export type CameraRequest = { type: 'info' } | { type: 'buffers'; input: Float32Array } | { type: 'run'; id: number };
export type ServiceReply =
  | { type: 'info'; info: ModelInfo }
  /** `output` is sent once (and again if the output's size changes); later results reuse it. */
  | { type: 'result'; id: number; dims: number[]; inferenceMs: number; output?: Float32Array }
  | { type: 'error'; id: number; message: string };

/** Runs the session once on an input (the service's own, synchronous onnxruntime run). */
export type RunModel = (input: Float32Array) => Promise<{ data: Float32Array; dims: readonly number[]; inferenceMs: number }>;

/** A camera as the service knows it: its port and the buffers it shares. */
interface CameraLink {
  camera: string;
  port: MessagePort;
  input: Float32Array | null;
  output: Float32Array | null;
}

const shared = (floats: number) => new Float32Array(new SharedArrayBuffer(floats * Float32Array.BYTES_PER_ELEMENT));

/**
 * The service's side: requests from every camera's port, served one at a time in round-robin order over the
 * cameras (FairQueue), so a camera sending frames back to back cannot starve the others.
 */
export class InferenceService {
  private readonly queue = new FairQueue<{ link: CameraLink; id: number }>();
  private running = false;
  /** onnxruntime refuses a tensor over shared memory, so the input is copied here before each run. */
  private readonly input: Float32Array;
  /** Runs per camera since start (for tests and the bench). */
  readonly served = new Map<string, number>();

  constructor(
    private readonly info: ModelInfo,
    private readonly runModel: RunModel,
  ) {
    this.input = new Float32Array(3 * info.size * info.size);
  }

  connect(camera: string, port: MessagePort): void {
    const link: CameraLink = { camera, port, input: null, output: null };
    port.on('message', (request: CameraRequest) => {
      if (request.type === 'info') port.postMessage({ type: 'info', info: this.info } satisfies ServiceReply);
      else if (request.type === 'buffers') link.input = request.input;
      else {
        this.queue.push(camera, { link, id: request.id });
        void this.pump();
      }
    });
    port.on('close', () => this.queue.drop(camera));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.next(); next; next = this.queue.next()) {
        const { link, id } = next.item;
        try {
          if (!link.input || link.input.length !== this.input.length)
            throw new Error(`camera ${link.camera} shared no input buffer of ${this.input.length} floats`);
          this.input.set(link.input);
          const out = await this.runModel(this.input);
          const fresh = !link.output || link.output.length !== out.data.length;
          if (fresh) link.output = shared(out.data.length);
          link.output!.set(out.data);
          const reply: ServiceReply = { type: 'result', id, dims: [...out.dims], inferenceMs: out.inferenceMs, ...(fresh ? { output: link.output! } : {}) };
          link.port.postMessage(reply);
        } catch (err) {
          link.port.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) } satisfies ServiceReply);
        }
        this.served.set(next.camera, (this.served.get(next.camera) ?? 0) + 1);
        // Let the other cameras' requests that arrived during the run reach the queue before choosing the next.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
    }
  }
}

/** The camera's side: a ModelRunner whose runs happen in the service. */
export class RemoteModelRunner implements ModelRunner {
  private nextId = 1;
  private output: Float32Array | null = null;
  private readonly waiting = new Map<number, (reply: ServiceReply) => void>();

  private constructor(
    private readonly port: MessagePort,
    readonly info: ModelInfo,
    readonly input: Float32Array,
  ) {
    port.on('message', (reply: ServiceReply) => {
      if (reply.type === 'info') return;
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      resolve?.(reply);
    });
  }

  /** Asks the service for its model (it answers once the model is loaded) and shares the input buffer with it. */
  static async connect(port: MessagePort): Promise<RemoteModelRunner> {
    const info = await new Promise<ModelInfo>((resolve) => {
      const onInfo = (reply: ServiceReply) => {
        if (reply.type !== 'info') return;
        port.off('message', onInfo);
        resolve(reply.info);
      };
      port.on('message', onInfo);
      port.postMessage({ type: 'info' } satisfies CameraRequest);
    });
    const input = shared(3 * info.size * info.size);
    port.postMessage({ type: 'buffers', input } satisfies CameraRequest);
    return new RemoteModelRunner(port, info, input);
  }

  async run<T>(use: (output: ModelOutput) => T): Promise<T> {
    const id = this.nextId++;
    const reply = await new Promise<ServiceReply>((resolve) => {
      this.waiting.set(id, resolve);
      this.port.postMessage({ type: 'run', id } satisfies CameraRequest);
    });
    if (reply.type === 'error') throw new Error(`inference service: ${reply.message}`);
    if (reply.type !== 'result') throw new Error('inference service: unexpected reply');
    if (reply.output) this.output = reply.output;
    if (!this.output) throw new Error('inference service: no output buffer');
    return use({ data: this.output, dims: reply.dims, inferenceMs: reply.inferenceMs });
  }

  async release(): Promise<void> {
    this.port.close();
  }
}
