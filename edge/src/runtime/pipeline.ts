// The seam between the runtime and the vision code: each camera's worker thread loads a pipeline
// module, which exports `createPipeline`, and relays what the pipeline emits to the supervisor.
import type { StoreEvent } from '../../../shared/src/events.ts';
import type { MessagePort } from 'node:worker_threads';
import type { CameraConfig, DetectorConfig } from './config.ts';

export type StreamState = 'starting' | 'streaming' | 'reconnecting' | 'ended' | 'stalled' | 'restarting' | 'stopped';

export interface CameraStatus {
  /** Frames analysed per second, recently. */
  fps: number;
  /** Mean detector time per frame, recently. */
  inference_ms: number;
  stream_state: StreamState;
  /** People currently in each queue polygon. */
  queue_lengths: Record<string, number>;
  /** Frames the tracker and rules saw since this worker started (monotonic per worker), detector run or not. */
  frames_analysed?: number;
  /** Of those, frames the motion gate kept from the detector (tracks held), since this worker started. */
  frames_skipped_motion?: number;
  /** Sampled frames the source replaced by a newer one before the detector was free, since this worker started. */
  frames_dropped?: number;
}

/**
 * What the calibration page (local-ui/) shows of a camera, in screenshot pixels: the tracks of the latest frame and the
 * geometry the rules run on now. `picture`: that frame as PNG, only when asked for; it goes to the page, never out.
 */
export interface CameraView {
  frame_size: [number, number] | null;
  tracks: { id: number; box: [number, number, number, number] }[];
  geometry: Pick<CameraConfig, 'entrance_line' | 'entrance_inside' | 'zones' | 'shelves' | 'queues'>;
  picture?: Uint8Array;
}

export type PipelineOutput =
  | { type: 'events'; events: StoreEvent[] }
  | { type: 'status'; status: CameraStatus }
  /** The answer to a `view` request (local-ui/), by its id; null from a pipeline with no frames. */
  | { type: 'view'; id: number; view: CameraView | null };
export type Emit = (output: PipelineOutput) => void;

export interface CameraPipeline {
  /**
   * Runs the camera until stop() is called or the source ends for good (a replayed file), then
   * resolves; rejects on a fatal error, and the worker is restarted. Must emit a status at least
   * every few seconds, also while the stream is down and reconnecting: a camera that stays silent for
   * watchdog.stall_s is taken for stuck and its worker is restarted.
   */
  start(emit: Emit): Promise<void>;
  /** Makes start() resolve soon; emit any last events before that. */
  stop(): Promise<void>;
  /** Requests from the calibration page (local-ui/): new geometry to run on, or a look at the latest frame. */
  control?(message: PipelineControl): void;
}

/**
 * `geometry`: the camera's config with geometry saved by the calibration page; the rules are rebuilt on the next frame.
 * `view`: answer with a `view` output of the same id (with the picture when `picture`).
 */
export type PipelineControl = { type: 'geometry'; camera: CameraConfig } | { type: 'view'; id: number; picture: boolean };

export interface PipelineContext {
  /** The camera's config; api_key is blanked, since the worker never talks to the backend. */
  camera: CameraConfig;
  detector: DetectorConfig;
  target_fps: number;
  /** Pipeline-specific settings (e.g. the synthetic pipeline's rates), passed through untouched. */
  options: Record<string, unknown>;
  /** A port to the box's shared inference service (vision/shared-detector.ts); absent: the camera loads its own model. */
  inference_port?: MessagePort;
}

/** What a pipeline module exports. */
export type CreatePipeline = (context: PipelineContext) => CameraPipeline | Promise<CameraPipeline>;

// ---- worker ⇄ supervisor messages -------------------------------------------------------------

export interface CameraWorkerData {
  context: PipelineContext;
  /** URL of the pipeline module. */
  pipelineModule: string;
}

export type WorkerMessage =
  | PipelineOutput
  /** The source ended for good (start() resolved without a stop request): do not restart. */
  | { type: 'ended' }
  /** The pipeline finished after a stop request. */
  | { type: 'stopped' }
  | { type: 'failed'; error: string };

export type SupervisorMessage = { type: 'stop' } | PipelineControl;

/** The file next to `base` called `name`, with the extension the running code has (.ts under Deno/jest, .js after tsc). */
export function siblingModule(name: string, base: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}

/** On Node, a .ts worker needs the TypeScript hooks (see typescript-hooks.mjs); Deno and built .js need nothing. */
export function workerExecArgv(workerUrl: URL): string[] | undefined {
  const onDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
  if (onDeno || !workerUrl.pathname.endsWith('.ts')) return undefined;
  const hooks = new URL('./typescript-hooks.mjs', import.meta.url).href;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;
  // Only this flag: the parent's own execArgv may hold flags that workers reject.
  return ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
}
