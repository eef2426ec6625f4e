// Runs one worker thread per camera and keeps it running: a worker that crashes, or that reports
// nothing for watchdog.stall_s, is restarted with exponential backoff; the other cameras carry on
// untouched. Events from a worker go to that camera's outbox; status goes into its heartbeat.
import { Worker } from 'node:worker_threads';
import { Backoff } from './backoff.ts';
import type { CameraConfig, EdgeConfig } from './config.ts';
import { buildHeartbeat, FrameAccounting, sendHeartbeat } from './heartbeat.ts';
import { IngestApi } from './ingest-api.ts';
import { errorText, type Logger } from './log.ts';
import { EventOutbox } from './outbox.ts';
import {
  siblingModule,
  workerExecArgv,
  type CameraStatus,
  type CameraView,
  type CameraWorkerData,
  type SupervisorMessage,
  type WorkerMessage,
} from './pipeline.ts';
import { SharedInference } from './shared-inference.ts';

export interface SupervisorOptions {
  config: EdgeConfig;
  log: Logger;
  /** URL of the module exporting createPipeline (see pipeline.ts). */
  pipelineModule: URL | string;
  /** Pipeline-specific settings per camera. */
  pipelineOptions?: (camera: CameraConfig) => Record<string, unknown>;
  /** Defaults come from config.watchdog; tests shorten them. */
  stallMs?: number;
  /** Silence allowed before a new worker's first report (loading the model, opening the stream); default 2 × stallMs. */
  startupGraceMs?: number;
  restartInitialMs?: number;
  restartMaxMs?: number;
  /** How long a worker gets to stop by itself before it is terminated. */
  stopGraceMs?: number;
  /** How long the outboxes get to send what they hold at stop(), before it goes to disk. */
  flushDeadlineMs?: number;
  /** Set false to send no heartbeats; the interval defaults to config.heartbeat_interval_s. */
  heartbeats?: boolean;
  heartbeatIntervalMs?: number;
  /** Called once every camera's source has ended for good (replayed files), so a replay can exit. */
  onAllEnded?: () => void;
  /** The box's inference service, shared by the cameras (detector.inference: shared; vision pipeline only). */
  sharedInference?: boolean;
}

export interface CameraRunState {
  camera_id: string;
  state: 'running' | 'restarting' | 'ended' | 'stopped';
  restarts: number;
  /** The current worker's thread id, or null while there is none. */
  thread_id: number | null;
  status: CameraStatus;
}

class CameraRuntime {
  worker: Worker | null = null;
  state: CameraRunState['state'] = 'running';
  restarts = 0;
  startedAt = 0;
  lastReportAt = 0;
  /** Whether the current worker has reported anything yet. */
  reported = false;
  ended = false;
  restartTimer: ReturnType<typeof setTimeout> | null = null;
  status: CameraStatus = { fps: 0, inference_ms: 0, stream_state: 'starting', queue_lengths: {} };
  /** Frames analysed and dropped since the previous heartbeat, across worker restarts. */
  readonly frames: FrameAccounting;
  /** Events made since the edge started, by kind (`entrance in`, `zone promo_table` …), for the calibration page. */
  readonly counts: Record<string, number> = {};

  constructor(
    /** Replaced when the calibration page saves new geometry (a restarted worker starts on it). */
    public camera: CameraConfig,
    readonly outbox: EventOutbox,
    readonly backoff: Backoff,
    readonly log: Logger,
  ) {
    this.frames = new FrameAccounting(camera.target_fps);
  }
}

/**
 * A running worker silent for this long is reported as `stalled` in heartbeats (pipelines report every few
 * seconds), well before the watchdog (watchdog.stall_s) restarts it.
 */
const SILENT_AS_STALLED_MS = 10_000;

const WORKER_URL = siblingModule('camera-worker', import.meta.url);

export class CameraSupervisor {
  private readonly runtimes = new Map<string, CameraRuntime>();
  private watchdogTimer: ReturnType<typeof setInterval> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private heartbeatsInFlight = false;
  private stopping = false;
  private readonly startedAt = Date.now();
  private readonly stallMs: number;
  private readonly startupGraceMs: number;
  private readonly restartMaxMs: number;
  private readonly api: IngestApi;
  private inference: SharedInference | null = null;
  private nextViewId = 1;
  private readonly views = new Map<number, (view: CameraView | null) => void>();

  constructor(private readonly options: SupervisorOptions) {
    this.stallMs = options.stallMs ?? options.config.watchdog.stall_s * 1000;
    this.startupGraceMs = Math.max(this.stallMs, options.startupGraceMs ?? 2 * this.stallMs);
    this.restartMaxMs = options.restartMaxMs ?? options.config.watchdog.max_restart_delay_s * 1000;
    this.api = new IngestApi(options.config.api_base, options.config.request_timeout_ms);
  }

  /** Opens every camera's outbox (replaying what a previous run buffered) and starts its worker. */
  async start(): Promise<void> {
    const { config, log } = this.options;
    for (const camera of config.cameras) {
      const cameraLog = log.child({ camera_id: camera.camera_id });
      const outbox = await EventOutbox.forCamera(config, camera, cameraLog);
      const backoff = new Backoff({ initialMs: this.options.restartInitialMs ?? 1000, maxMs: this.restartMaxMs });
      this.runtimes.set(camera.camera_id, new CameraRuntime(camera, outbox, backoff, cameraLog));
    }
    if (this.options.sharedInference) {
      // A restarted inference worker knows none of the cameras' ports: restart the cameras too.
      const onRestart = () => {
        for (const rt of this.runtimes.values()) void rt.worker?.terminate();
      };
      this.inference = new SharedInference({ detector: config.detector, log, onRestart });
      // A model that cannot be loaded stops the start, with its reason, instead of leaving every camera waiting.
      await this.inference.ready;
    }
    for (const rt of this.runtimes.values()) this.spawn(rt);
    this.watchdogTimer = setInterval(() => this.checkStalls(), Math.max(50, Math.min(1000, this.stallMs / 4)));
    if (this.options.heartbeats !== false) {
      this.heartbeatTimer = setInterval(() => void this.sendHeartbeats(), this.options.heartbeatIntervalMs ?? config.heartbeat_interval_s * 1000);
    }
  }

  /** Stops every worker (asking first, then terminating), then flushes every outbox. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const runtimes = [...this.runtimes.values()];
    for (const rt of runtimes) if (rt.restartTimer) clearTimeout(rt.restartTimer);
    await Promise.all(runtimes.map((rt) => this.stopWorker(rt)));
    await this.inference?.stop();
    await Promise.all(runtimes.map((rt) => rt.outbox.flush(this.options.flushDeadlineMs ?? 3000)));
  }

  cameraStates(): CameraRunState[] {
    return [...this.runtimes.values()].map((rt) => ({
      camera_id: rt.camera.camera_id,
      state: rt.state,
      restarts: rt.restarts,
      thread_id: rt.worker?.threadId ?? null,
      status: rt.status,
    }));
  }

  outbox(cameraId: string): EventOutbox | undefined {
    return this.runtimes.get(cameraId)?.outbox;
  }

  /** The camera's running event counts (since the edge started), for the calibration page. */
  runningCounts(cameraId: string): Record<string, number> | undefined {
    return this.runtimes.get(cameraId)?.counts;
  }

  /**
   * What the camera's worker sees now (local-ui/): its tracks and geometry, and the frame's picture when asked.
   * null when the camera has no worker, its pipeline has no frames, or it does not answer within timeoutMs.
   */
  view(cameraId: string, picture: boolean, timeoutMs = 3000): Promise<CameraView | null> {
    const worker = this.runtimes.get(cameraId)?.worker;
    if (!worker) return Promise.resolve(null);
    const id = this.nextViewId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer(null), timeoutMs);
      const answer = (view: CameraView | null) => {
        clearTimeout(timer);
        this.views.delete(id);
        resolve(view);
      };
      this.views.set(id, answer);
      worker.postMessage({ type: 'view', id, picture } satisfies SupervisorMessage);
    });
  }

  /** Geometry saved by the calibration page: the running worker rebuilds its rules on it, and a restarted one starts on it. */
  useGeometry(camera: CameraConfig): void {
    const rt = this.runtimes.get(camera.camera_id);
    if (!rt) throw new Error(`no camera ${camera.camera_id}`);
    rt.camera = camera;
    rt.worker?.postMessage({ type: 'geometry', camera: { ...camera, api_key: '' } } satisfies SupervisorMessage);
  }

  // -------------------------------------------------------------------------------------------

  private spawn(rt: CameraRuntime): void {
    const { config } = this.options;
    // The edge key stays in this thread: workers never talk to the backend.
    const camera = { ...rt.camera, api_key: '' };
    const port = this.inference?.connect(camera.camera_id);
    const workerData: CameraWorkerData = {
      pipelineModule: String(this.options.pipelineModule),
      context: {
        camera,
        detector: config.detector,
        target_fps: rt.camera.target_fps,
        options: this.options.pipelineOptions?.(rt.camera) ?? {},
        ...(port ? { inference_port: port } : {}),
      },
    };
    const worker = new Worker(WORKER_URL, { workerData, execArgv: workerExecArgv(WORKER_URL), ...(port ? { transferList: [port] } : {}) });
    rt.worker = worker;
    rt.state = 'running';
    rt.ended = false;
    rt.reported = false;
    rt.startedAt = rt.lastReportAt = Date.now();
    rt.status = { ...rt.status, stream_state: 'starting' };
    rt.frames.workerStarted();
    worker.on('message', (message: WorkerMessage) => this.onMessage(rt, worker, message));
    worker.on('error', (err) => rt.log.error('camera worker crashed', { error: errorText(err) }));
    worker.on('exit', (code) => this.onExit(rt, worker, code));
    rt.log.info('camera worker started', { thread_id: worker.threadId, restarts: rt.restarts });
  }

  private onMessage(rt: CameraRuntime, worker: Worker, message: WorkerMessage): void {
    if (worker === rt.worker) {
      rt.lastReportAt = Date.now();
      rt.reported = true;
    }
    switch (message.type) {
      case 'events':
        // Also from a worker on its way out: its last events are still real.
        for (const e of message.events) {
          const label = e.type === 'entrance' ? `entrance ${e.direction}` : `${e.type} ${Object.entries(e).find(([k]) => k.endsWith('_id'))?.[1] ?? ''}`;
          rt.counts[label] = (rt.counts[label] ?? 0) + 1;
        }
        try {
          rt.outbox.enqueue(message.events);
        } catch (err) {
          rt.log.error('events from the camera worker were lost', { error: errorText(err), events: message.events.length });
        }
        return;
      case 'status':
        if (worker === rt.worker) {
          rt.status = message.status;
          rt.frames.observe(message.status);
        }
        return;
      case 'ended':
        if (worker === rt.worker) rt.ended = true;
        void worker.terminate(); // its work is done; see camera-worker.ts
        return;
      case 'stopped':
        void worker.terminate();
        return;
      case 'failed':
        rt.log.error('camera pipeline failed', { error: message.error });
        return;
      case 'view':
        this.views.get(message.id)?.(message.view);
        return;
    }
  }

  private onExit(rt: CameraRuntime, worker: Worker, code: number): void {
    if (worker !== rt.worker) return;
    rt.worker = null;
    if (this.stopping) {
      rt.state = 'stopped';
      rt.status = { ...rt.status, stream_state: 'stopped' };
      return;
    }
    if (rt.ended) {
      rt.state = 'ended';
      rt.status = { ...rt.status, fps: 0, stream_state: 'ended' };
      rt.log.info('camera source ended; not restarting', { source: rt.camera.source });
      if ([...this.runtimes.values()].every((r) => r.state === 'ended')) this.options.onAllEnded?.();
      return;
    }
    // A worker that ran well for a while starts its backoff afresh.
    if (Date.now() - rt.startedAt > Math.max(60_000, 2 * this.restartMaxMs)) rt.backoff.reset();
    const delayMs = rt.backoff.next();
    rt.state = 'restarting';
    // A worker terminated for stalling stays `stalled` in heartbeats until its successor reports.
    rt.status = { ...rt.status, fps: 0, stream_state: rt.status.stream_state === 'stalled' ? 'stalled' : 'restarting' };
    rt.log.warn('camera worker exited; restarting', { exit_code: code, restart_in_ms: delayMs, restarts: rt.restarts });
    rt.restartTimer = setTimeout(() => {
      rt.restartTimer = null;
      if (this.stopping) return;
      rt.restarts++;
      this.spawn(rt);
    }, delayMs);
  }

  private checkStalls(): void {
    const now = Date.now();
    for (const rt of this.runtimes.values()) {
      if (!rt.worker || now - rt.lastReportAt < (rt.reported ? this.stallMs : this.startupGraceMs)) continue;
      rt.log.warn('camera worker stalled (no status); terminating it', { silent_ms: now - rt.lastReportAt });
      rt.status = { ...rt.status, stream_state: 'stalled' };
      rt.lastReportAt = now; // once per stall: terminate() below ends in onExit → restart
      void rt.worker.terminate();
    }
  }

  private async stopWorker(rt: CameraRuntime): Promise<void> {
    const worker = rt.worker;
    if (!worker) {
      rt.state = 'stopped';
      return;
    }
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies SupervisorMessage);
    const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.options.stopGraceMs ?? 2000, 'timeout').unref?.());
    if ((await Promise.race([exited, grace])) === 'timeout') {
      rt.log.warn('camera worker did not stop in time; terminating it');
      await worker.terminate();
    }
    await exited;
  }

  private async sendHeartbeats(): Promise<void> {
    if (this.heartbeatsInFlight || this.stopping) return; // a slow backend must not pile up requests
    this.heartbeatsInFlight = true;
    try {
      const { config, log } = this.options;
      const uptimeS = (Date.now() - this.startedAt) / 1000;
      await Promise.all(
        [...this.runtimes.values()].map((rt) => {
          const now = new Date();
          const silent = rt.worker !== null && rt.reported && now.getTime() - rt.lastReportAt > Math.min(SILENT_AS_STALLED_MS, this.stallMs);
          const status: CameraStatus = silent ? { ...rt.status, fps: 0, stream_state: 'stalled' } : rt.status;
          const scope = { org_id: config.org_id, store_id: config.store_id, camera_id: rt.camera.camera_id };
          const hb = buildHeartbeat(scope, status, rt.outbox.counters, uptimeS, now, rt.frames.window(now.getTime()));
          return sendHeartbeat(this.api, hb, rt.camera.api_key, log);
        }),
      );
    } finally {
      this.heartbeatsInFlight = false;
    }
  }
}
