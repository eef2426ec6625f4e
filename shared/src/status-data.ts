// The status_data fields of a heartbeat that the edge sends and the backend and dashboard read, declared once.
// Its own module (zod only, no node: imports) so the web dashboard can import its types (shared/src/read-contract.ts).
import { z } from 'zod';

/** What an edge reports of a camera's stream (edge/src/runtime/pipeline.ts). Only `streaming` means frames are being analysed. */
export const STREAM_STATES = ['starting', 'streaming', 'reconnecting', 'ended', 'stalled', 'restarting', 'stopped'] as const;
export type StreamStateName = (typeof STREAM_STATES)[number];

/**
 * The status_data fields the edge sends and the backend and dashboard read, declared once. Every field is optional
 * (older edges send fewer) and unknown keys pass through untouched; {@link readStatusData} keeps only well-typed ones.
 * Frame counters are since the previous heartbeat of the same camera.
 */
export const knownStatusDataSchema = z.looseObject({
  /** Frames analysed per second over the last few seconds. */
  fps: z.number().nonnegative().optional(),
  /** Frames analysed per second since the previous heartbeat (frames_analysed / interval_s). */
  fps_achieved: z.number().nonnegative().optional(),
  /** The camera's configured frames per second (CameraConfig.target_fps). */
  target_fps: z.number().positive().optional(),
  /** Since the previous heartbeat: frames analysed (tracked, rules applied), by the detector or held by motion gating … */
  frames_analysed: z.number().int().nonnegative().optional(),
  /** … of which the motion gate kept this many from the detector (nothing moved: the tracks were held) … */
  frames_skipped_motion: z.number().int().nonnegative().optional(),
  /** … and sampled frames replaced by a newer one before the detector was free (never analysed). */
  frames_dropped: z.number().int().nonnegative().optional(),
  /** Seconds since the previous heartbeat (the span the counters above cover). */
  interval_s: z.number().nonnegative().optional(),
  inference_ms: z.number().nonnegative().optional(),
  stream_state: z.enum(STREAM_STATES).optional(),
  /** People in each queue polygon at the time of the heartbeat. */
  queue_lengths: z.record(z.string(), z.number().int().nonnegative()).optional(),
  buffered_events: z.number().int().nonnegative().optional(),
  dropped_events: z.number().int().nonnegative().optional(),
  dead_letter_events: z.number().int().nonnegative().optional(),
  uptime_s: z.number().nonnegative().optional(),
  version: z.string().optional(),
});
export type KnownStatusData = z.infer<typeof knownStatusDataSchema>;

/** The known fields of a stored status_data, each kept only when well-typed (a bad field never hides the good ones). */
export function readStatusData(data: unknown): KnownStatusData {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  const shape = knownStatusDataSchema.shape;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const value = (data as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const parsed = (field as z.ZodType).safeParse(value);
    if (parsed.success) out[key] = parsed.data;
  }
  return out as KnownStatusData;
}
