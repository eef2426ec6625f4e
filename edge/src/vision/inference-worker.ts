// Entry point of one of the box's inference worker threads (shared-detector.ts): opens a single-threaded onnxruntime
// session on the configured execution provider (falling back to the CPU), runs it once to learn the output's size,
// then runs the frames the main thread's scheduler sends, on the cameras' shared buffers.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { openOnProvider, type ExecutionProvider } from './execution-provider.ts';
import type { DetectorFormat } from './person-detector.ts';
import { SessionService, type SessionReply, type SessionRequest } from './shared-detector.ts';

export interface InferenceWorkerData {
  model: string;
  format: DetectorFormat;
  threads: number;
  executionProvider: ExecutionProvider;
}

const port = parentPort;
if (!port) throw new Error('inference-worker.ts runs only as a worker thread');
const data = workerData as InferenceWorkerData;
const post = (reply: SessionReply) => port.postMessage(reply);

// Requests that arrive while the model loads wait here (the scheduler sends none before `ready`, buffers may come).
const early: SessionRequest[] = [];
let service: SessionService | null = null;
port.on('message', (request: SessionRequest) => {
  if (!service) early.push(request);
  else void service.handle(request).then((reply) => reply && post(reply));
});

try {
  const { session, info, message } = await openOnProvider(
    data.model,
    data.executionProvider,
    { format: data.format, intraOpThreads: data.threads },
    ort.listSupportedBackends(),
  );
  const shape = [1, 3, info.size, info.size];
  const runInto = async (input: Float32Array, into: Float32Array | null) => {
    const started = performance.now();
    const results = await session.run({ [info.inputName]: new ort.Tensor('float32', input, shape) });
    const inferenceMs = performance.now() - started;
    const output = results[info.outputName]!;
    try {
      const values = output.data as Float32Array;
      if (into) {
        if (into.length !== values.length) throw new Error(`output of ${values.length} values, the camera shared ${into.length}`);
        into.set(values);
      }
      return { dims: output.dims, inferenceMs, length: values.length };
    } finally {
      output.dispose();
    }
  };
  // A first run on gray tells the cameras how large an output buffer to share.
  const probe = await runInto(new Float32Array(3 * info.size * info.size).fill(114 / 255), null);
  service = new SessionService(3 * info.size * info.size, runInto);
  post({ type: 'ready', info: { ...info, outputLength: probe.length }, message });
  for (const request of early.splice(0)) {
    const reply = await service.handle(request);
    if (reply) post(reply);
  }
} catch (err) {
  post({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
}
