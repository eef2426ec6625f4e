// The main thread's side of the box's inference service (vision/shared-detector.ts): starts `detector.threads`
// inference workers (one single-threaded session each), gives each camera worker a MessagePort of its own, and
// schedules the cameras' frames over the sessions, round robin over cameras. If a session worker dies, all of them
// are started again and so are the cameras (their buffers were registered with the dead pool).
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { InferenceWorkerData } from '../vision/inference-worker.ts';
import {
  InferenceScheduler,
  type CameraRequest,
  type ServiceReply,
  type SessionReply,
  type SessionRequest,
  type SharedModelInfo,
} from '../vision/shared-detector.ts';
import { Backoff } from './backoff.ts';
import type { DetectorConfig } from './config.ts';
import { errorText, type Logger } from './log.ts';
import { siblingModule, workerExecArgv } from './pipeline.ts';

const WORKER_URL = siblingModule('inference-worker', new URL('../vision/detection.ts', import.meta.url).href);

export interface SharedInferenceOptions {
  detector: DetectorConfig;
  log: Logger;
  /** The pool died and was started again: every camera must reconnect. */
  onRestart?: () => void;
}

export interface InferenceReady {
  /** The start-up message: the provider used, or why not the one asked for. */
  message: string;
  provider: string;
  size: number;
  sessions: number;
}

interface Pool {
  workers: Worker[];
  scheduler: InferenceScheduler;
  /** Connection key → the camera's port (a camera reconnecting after a restart gets a new key). */
  ports: Map<string, MessagePort>;
  info: Promise<SharedModelInfo>;
}

export class SharedInference {
  private pool: Pool;
  private stopping = false;
  private connections = 0;
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  ready: Promise<InferenceReady>;

  constructor(private readonly options: SharedInferenceOptions) {
    this.pool = this.startPool();
    this.ready = this.readyOf(this.pool);
  }

  /** A new port to the service for one camera worker (transfer it to that worker). */
  connect(camera: string): MessagePort {
    const { port1, port2 } = new MessageChannel();
    const pool = this.pool;
    const key = `${camera}#${++this.connections}`;
    pool.ports.set(key, port2);
    const toWorkers = (m: SessionRequest) => {
      for (const w of pool.workers) w.postMessage(m);
    };
    port2.on('message', (request: CameraRequest) => {
      if (request.type === 'info') {
        pool.info.then((info) => port2.postMessage({ type: 'info', info } satisfies ServiceReply)).catch(() => {});
      } else if (request.type === 'buffers') toWorkers({ type: 'buffers', camera: key, input: request.input, output: request.output });
      else pool.scheduler.request(key, request.id);
    });
    port2.on('close', () => {
      pool.ports.delete(key);
      pool.scheduler.drop(key);
      toWorkers({ type: 'forget', camera: key });
    });
    return port1;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.pool.workers.map((w) => w.terminate()));
    for (const port of this.pool.ports.values()) port.close();
  }

  private startPool(): Pool {
    const { detector: d } = this.options;
    const sessions = Math.max(1, d.threads);
    const workerData: InferenceWorkerData = { model: d.model, format: d.format, threads: 1, executionProvider: d.execution_provider };
    const workers = Array.from({ length: sessions }, () => new Worker(WORKER_URL, { workerData, execArgv: workerExecArgv(WORKER_URL) }));
    const ports = new Map<string, MessagePort>();
    const scheduler = new InferenceScheduler(sessions, (session, camera, id) =>
      workers[session]!.postMessage({ type: 'run', camera, id } satisfies SessionRequest),
    );
    const pool: Pool = { workers, scheduler, ports, info: Promise.resolve(null as unknown as SharedModelInfo) };
    const readies = workers.map(
      (worker, session) =>
        new Promise<SharedModelInfo & { message: string }>((resolve, reject) => {
          worker.on('message', (reply: SessionReply) => {
            if (reply.type === 'ready') resolve({ ...reply.info, message: reply.message });
            else if (reply.type === 'failed') reject(new Error(reply.error));
            else {
              scheduler.done(session);
              const port = ports.get(reply.camera);
              if (!port) return; // that camera has gone
              const forward: ServiceReply =
                reply.type === 'result'
                  ? { type: 'result', id: reply.id, dims: reply.dims, inferenceMs: reply.inferenceMs }
                  : { type: 'error', id: reply.id, message: reply.message };
              port.postMessage(forward);
            }
          });
          worker.on('error', (err) => this.options.log.error('inference worker crashed', { error: errorText(err) }));
          worker.on('exit', (code) => {
            reject(new Error(`inference worker exited with code ${code}`));
            this.onWorkerExit(pool, code);
          });
        }),
    );
    const all = Promise.all(readies);
    pool.info = all.then(([first]) => first!);
    pool.info.catch(() => {});
    return pool;
  }

  private readyOf(pool: Pool): Promise<InferenceReady> {
    const { log, detector: d } = this.options;
    const ready = (pool.info as Promise<SharedModelInfo & { message: string }>).then(
      (info) => {
        const r: InferenceReady = { message: info.message, provider: info.provider, size: info.size, sessions: pool.workers.length };
        log.info(`shared inference: ${r.message}`, { provider: r.provider, sessions: r.sessions, input_size: r.size, model: d.model });
        return r;
      },
      (err: unknown) => {
        log.error('shared inference: the model cannot be loaded', { error: errorText(err) });
        throw err;
      },
    );
    ready.catch(() => {});
    return ready;
  }

  private onWorkerExit(pool: Pool, code: number): void {
    if (pool !== this.pool || this.stopping) return;
    // One session gone: start the pool again; the cameras reconnect (their buffers lived in the old pool).
    this.pool = { ...pool, workers: [] }; // mark the old pool as replaced, so its other workers' exits are ignored
    for (const w of pool.workers) void w.terminate();
    for (const port of pool.ports.values()) port.close();
    const delay = this.backoff.next();
    this.options.log.warn('an inference worker exited; restarting the inference service and the cameras', { exit_code: code, restart_in_ms: delay });
    setTimeout(() => {
      if (this.stopping) return;
      this.pool = this.startPool();
      this.ready = this.readyOf(this.pool);
      this.options.onRestart?.();
    }, delay);
  }
}
