// The main thread's handle on the box's inference worker (vision/inference-worker.ts): starts it, hands each camera
// worker a MessagePort to it, and restarts it if it dies (the cameras are then restarted too: their ports led to
// the dead worker).
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { InferenceControl, InferenceStatus, InferenceWorkerData } from '../vision/inference-worker.ts';
import { Backoff } from './backoff.ts';
import type { DetectorConfig } from './config.ts';
import { errorText, type Logger } from './log.ts';
import { siblingModule, workerExecArgv } from './pipeline.ts';

const WORKER_URL = siblingModule('inference-worker', new URL('../vision/detection.ts', import.meta.url).href);

export interface SharedInferenceOptions {
  detector: DetectorConfig;
  log: Logger;
  /** The worker died and was started again: every port handed out before is dead. */
  onRestart?: () => void;
}

export class SharedInference {
  private worker: Worker | null = null;
  private stopping = false;
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  /** The start-up message of the current worker once its model is loaded (provider, or why not the one asked for). */
  ready: Promise<Extract<InferenceStatus, { type: 'ready' }>>;

  constructor(private readonly options: SharedInferenceOptions) {
    this.ready = this.spawn();
  }

  /** A new port to the service for one camera worker (transfer it to that worker). */
  connect(camera: string): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.worker?.postMessage({ type: 'camera', camera, port: port2 } satisfies InferenceControl, [port2]);
    return port1;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker?.terminate();
    this.worker = null;
  }

  private spawn(): Promise<Extract<InferenceStatus, { type: 'ready' }>> {
    const { detector: d, log } = this.options;
    const workerData: InferenceWorkerData = { model: d.model, format: d.format, threads: d.threads, executionProvider: d.execution_provider };
    const worker = new Worker(WORKER_URL, { workerData, execArgv: workerExecArgv(WORKER_URL) });
    this.worker = worker;
    const ready = new Promise<Extract<InferenceStatus, { type: 'ready' }>>((resolve, reject) => {
      worker.on('message', (m: InferenceStatus) => {
        if (m.type === 'ready') {
          log.info(`shared inference: ${m.message}`, { provider: m.provider, threads: d.threads, input_size: m.size });
          resolve(m);
        } else {
          log.error('shared inference: the model cannot be loaded', { error: m.error });
          reject(new Error(m.error));
        }
      });
      worker.on('error', (err) => log.error('shared inference worker crashed', { error: errorText(err) }));
      worker.on('exit', (code) => {
        if (worker !== this.worker || this.stopping) return;
        reject(new Error(`inference worker exited with code ${code}`));
        const delay = this.backoff.next();
        log.warn('shared inference worker exited; restarting it and the cameras', { exit_code: code, restart_in_ms: delay });
        setTimeout(() => {
          if (this.stopping) return;
          this.ready = this.spawn();
          this.ready.catch(() => {});
          this.options.onRestart?.();
        }, delay);
      });
    });
    ready.catch(() => {});
    return ready;
  }
}
