// Entry point of one camera's worker thread: loads the pipeline module named in workerData and relays
// its output to the supervisor. A crash here ends only this camera's thread; the supervisor restarts it.
import { parentPort, workerData } from 'node:worker_threads';
import type { CameraWorkerData, CreatePipeline, SupervisorMessage, WorkerMessage } from './pipeline.ts';

const port = parentPort;
if (!port) throw new Error('camera-worker.ts runs only as a worker thread');

const data = workerData as CameraWorkerData;
const post = (message: WorkerMessage) => port.postMessage(message);

const mod = (await import(data.pipelineModule)) as { createPipeline?: CreatePipeline };
if (typeof mod.createPipeline !== 'function') throw new Error(`${data.pipelineModule} does not export createPipeline()`);
const pipeline = await mod.createPipeline(data.context);

let stopRequested = false;
port.on('message', (message: SupervisorMessage) => {
  if (message.type !== 'stop') {
    if (pipeline.control) pipeline.control(message);
    else if (message.type === 'view') post({ type: 'view', id: message.id, view: null });
    return;
  }
  if (stopRequested) return;
  stopRequested = true;
  pipeline.stop().catch((err: unknown) => post({ type: 'failed', error: `stop failed: ${String(err)}` }));
});

try {
  await pipeline.start(post);
  // The supervisor terminates the thread on this message: closing the port from inside is not
  // something every runtime offers (Deno's parentPort has no close()).
  post({ type: stopRequested ? 'stopped' : 'ended' });
} catch (err) {
  post({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  throw err; // the supervisor sees the worker exit with an error and restarts it
}
