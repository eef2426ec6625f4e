// One inference service per box: a dedicated worker thread holds the only onnxruntime session and runs the frames
// of every camera through it, instead of a session per camera worker (each ~60 MB, all competing for the same
// cores). Camera workers keep decoding, pre- and post-processing (PersonDetector) and send only the filled input
// tensor over a MessagePort of their own, transferred, not copied; the output comes back the same way.
//
// Batching: onnxruntime-node runs a session synchronously on the thread that calls it, so one run at a time; a
// model with a dynamic batch dimension could take several cameras' frames in one run, but YOLOv8/YOLOX exports are
// fixed at batch 1 (the shared yolov8n_int8.onnx is [1,3,640,640]), so frames run one by one, in FairQueue order.
import type { MessagePort } from 'node:worker_threads';
import { FairQueue } from './fair-queue.ts';
import type { ModelInfo, ModelOutput, ModelRunner } from './person-detector.ts';

// ---- messages over a camera's port ------------------------------------------------------------------------

export type CameraRequest = { type: 'info' } | { type: 'run'; id: number; input: Float32Array };
export type ServiceReply =
  | { type: 'info'; info: ModelInfo }
  | { type: 'result'; id: number; data: Float32Array; dims: number[]; inferenceMs: number; input: Float32Array }
  | { type: 'error'; id: number; message: string; input: Float32Array };

/** Runs the session once on an input (the service's own, synchronous onnxruntime run). */
export type RunModel = (input: Float32Array) => Promise<Omit<ModelOutput, 'data'> & { data: Float32Array }>;

interface Job {
  port: MessagePort;
  id: number;
  input: Float32Array;
}

/**
 * The service's side: requests from every camera's port, served one at a time in round-robin order over the
 * cameras (FairQueue), so a camera sending frames back to back cannot starve the others.
 */
export class InferenceService {
  private readonly queue = new FairQueue<Job>();
  private running = false;
  /** Runs per camera since start (for tests and the bench). */
  readonly served = new Map<string, number>();

  constructor(
    private readonly info: ModelInfo,
    private readonly runModel: RunModel,
  ) {}

  connect(camera: string, port: MessagePort): void {
    port.on('message', (request: CameraRequest) => {
      if (request.type === 'info') port.postMessage({ type: 'info', info: this.info } satisfies ServiceReply);
      else {
        this.queue.push(camera, { port, id: request.id, input: request.input });
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
        const { camera, item: job } = next;
        try {
          const out = await this.runModel(job.input);
          const reply: ServiceReply = { type: 'result', id: job.id, data: out.data, dims: [...out.dims], inferenceMs: out.inferenceMs, input: job.input };
          job.port.postMessage(reply, [out.data.buffer as ArrayBuffer, job.input.buffer as ArrayBuffer]);
        } catch (err) {
          const reply: ServiceReply = { type: 'error', id: job.id, message: err instanceof Error ? err.message : String(err), input: job.input };
          job.port.postMessage(reply, [job.input.buffer as ArrayBuffer]);
        }
        this.served.set(camera, (this.served.get(camera) ?? 0) + 1);
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
  private readonly waiting = new Map<number, { resolve: (r: ServiceReply) => void }>();

  private constructor(
    private readonly port: MessagePort,
    readonly info: ModelInfo,
    public input: Float32Array,
  ) {
    port.on('message', (reply: ServiceReply) => {
      if (reply.type === 'info') return;
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      w?.resolve(reply);
    });
  }

  /** Asks the service for its model (it answers once the model is loaded). */
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
    return new RemoteModelRunner(port, info, new Float32Array(3 * info.size * info.size));
  }

  async run<T>(use: (output: ModelOutput) => T): Promise<T> {
    const id = this.nextId++;
    const reply = await new Promise<ServiceReply>((resolve) => {
      this.waiting.set(id, { resolve });
      this.port.postMessage({ type: 'run', id, input: this.input } satisfies CameraRequest, [this.input.buffer as ArrayBuffer]);
    });
    if (reply.type === 'info') throw new Error('inference service: unexpected reply');
    this.input = reply.input; // the same buffer, back from the service
    if (reply.type === 'error') throw new Error(`inference service: ${reply.message}`);
    return use(reply);
  }

  async release(): Promise<void> {
    this.port.close();
  }
}
