// Entry point of the box's inference worker thread (shared-detector.ts): opens the one onnxruntime session on the
// configured execution provider (falling back to the CPU), then serves every camera port the main thread sends.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { openOnProvider, type ExecutionProvider } from './execution-provider.ts';
import type { DetectorFormat } from './person-detector.ts';
import { InferenceService } from './shared-detector.ts';

export interface InferenceWorkerData {
  model: string;
  format: DetectorFormat;
  threads: number;
  executionProvider: ExecutionProvider;
}

/** Main thread → worker: a camera's port. Worker → main thread: ready (with the start-up message) or failed. */
export type InferenceControl = { type: 'camera'; camera: string; port: MessagePort };
export type InferenceStatus = { type: 'ready'; message: string; size: number; provider: string } | { type: 'failed'; error: string };

const control = parentPort;
if (!control) throw new Error('inference-worker.ts runs only as a worker thread');
const data = workerData as InferenceWorkerData;

// Ports that arrive while the model loads are served once it is ready (their messages wait in the port).
const early: InferenceControl[] = [];
let service: InferenceService | null = null;
control.on('message', (m: InferenceControl) => (service ? service.connect(m.camera, m.port) : early.push(m)));

try {
  const { session, info, message } = await openOnProvider(
    data.model,
    data.executionProvider,
    { format: data.format, intraOpThreads: data.threads },
    ort.listSupportedBackends(),
  );
  service = new InferenceService(info, async (input) => {
    const tensor = new ort.Tensor('float32', input, [1, 3, info.size, info.size]);
    const started = performance.now();
    const results = await session.run({ [info.inputName]: tensor });
    const inferenceMs = performance.now() - started;
    const output = results[info.outputName]!;
    try {
      // Copied into the camera's shared output buffer before the next run.
      return { data: new Float32Array(output.data as Float32Array), dims: output.dims, inferenceMs };
    } finally {
      output.dispose();
    }
  });
  for (const m of early.splice(0)) service.connect(m.camera, m.port);
  control.postMessage({ type: 'ready', message, size: info.size, provider: info.provider } satisfies InferenceStatus);
} catch (err) {
  control.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies InferenceStatus);
}
