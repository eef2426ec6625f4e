// Motion gating: a cheap per-frame measure of change, so a still camera does not pay for the person detector.
//
// As Frigate's motion detector (frigate/motion/improved_motion.py): a small grey picture (block means of the decoded
// frame, ≈ 80 cells across), the absolute difference against a background, a threshold in grey levels, and motion
// when enough of the picture changed. Unlike Frigate, the background is the picture the detector last ran on, not a
// slow running average: "nothing changed since then" means exactly "the boxes it found are still where they were",
// which is what holding the tracks needs, and slow changes (a person shuffling, light drifting) add up until they
// trigger a run. A frame without motion skips the detector; its tracks are held where they are (ByteTracker.hold)
// and the rules see the frame's time, so a person standing still keeps dwelling. A full-frame run every refresh_s
// bounds how long a held box can be wrong (a change too small to pass the threshold). A sudden change of light
// needs no special case (Frigate recalibrates): it runs the detector, and that picture becomes the background.
import type { LetterboxedImage } from './detection.ts';

export interface MotionSettings {
  /** Off: every frame goes through the detector. */
  enabled: boolean;
  /** Grey levels (0–255) a cell's mean must change by to count as changed. */
  threshold: number;
  /** Share of the picture's cells (0–1) that must change for a frame to count as motion. */
  min_area: number;
  /** The detector runs at least this often (seconds of stream time), motion or not. */
  refresh_s: number;
}

/** The defaults of the config's `motion` block, chosen with `npm run eval:edge` (README section 10). */
export const DEFAULT_MOTION: MotionSettings = { enabled: true, threshold: 10, min_area: 0.002, refresh_s: 5 };
/** Gating off: every frame goes to the detector. */
export const MOTION_OFF: MotionSettings = { ...DEFAULT_MOTION, enabled: false };

/** A small grey picture: `cols × rows` cell means, row-major. */
export interface GreyThumbnail {
  cols: number;
  rows: number;
  grey: Float32Array;
}

/** Side of a thumbnail cell in model-input pixels: a 640 letterbox of a 4:3 frame becomes 80 × 60 cells. */
export const MOTION_CELL_PX = 8;
/** Every other pixel of a cell is enough for its mean (the cells are averages; this halves the cost twice). */
const CELL_STRIDE = 2;

/**
 * Block-mean grey thumbnail of the picture part of a letterboxed RGB frame (the padding is left out). Grey is the
 * integer BT.601 luma; cells are `cellPx` model pixels square, sampled every CELL_STRIDE pixels.
 */
export function greyThumbnail(image: LetterboxedImage, size: number, cellPx = MOTION_CELL_PX): GreyThumbnail {
  const { padX, padY } = image.letterbox;
  const x0 = Math.round(padX);
  const y0 = Math.round(padY);
  const w = size - 2 * x0;
  const h = size - 2 * y0;
  const cols = Math.max(1, Math.floor(w / cellPx));
  const rows = Math.max(1, Math.floor(h / cellPx));
  const grey = new Float32Array(cols * rows);
  const rgb = image.rgb;
  const samples = Math.ceil(cellPx / CELL_STRIDE) ** 2;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let dy = 0; dy < cellPx; dy += CELL_STRIDE) {
        let s = ((y0 + r * cellPx + dy) * size + x0 + c * cellPx) * 3;
        for (let dx = 0; dx < cellPx; dx += CELL_STRIDE, s += 3 * CELL_STRIDE) {
          sum += 77 * rgb[s]! + 150 * rgb[s + 1]! + 29 * rgb[s + 2]!;
        }
      }
      grey[r * cols + c] = sum / (256 * samples);
    }
  }
  return { cols, rows, grey };
}

/** Share of cells (0–1) whose grey mean differs from the background's by more than `threshold` levels. */
export function changedShare(frame: GreyThumbnail, background: GreyThumbnail, threshold: number): number {
  if (frame.cols !== background.cols || frame.rows !== background.rows) return 1; // new geometry: all new
  const a = frame.grey;
  const b = background.grey;
  let changed = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > threshold) changed++;
  return changed / a.length;
}

/** Why the gate decided as it did (counted by the evaluation). */
export type GateReason = 'first' | 'motion' | 'confirm' | 'refresh' | 'still';

export interface GateDecision {
  /** Run the detector on this frame; false: hold the tracks. */
  detect: boolean;
  reason: GateReason;
  /** Share of the picture changed since the detector's last run (1 on the first frame). */
  changed: number;
}

/**
 * The pure decision, given the change since the detector's last run, the time since it, and whether the tracker
 * waits to confirm a new person: a track is confirmed by its second detection, so holding then would delay every
 * newcomer's first events by up to refresh_s (measured: dwell 1.8 s short with a 2 s refresh).
 */
export function gateDecision(settings: MotionSettings, changed: number, msSinceDetect: number | null, awaitingConfirmation = false): GateDecision {
  if (msSinceDetect === null) return { detect: true, reason: 'first', changed };
  if (!settings.enabled) return { detect: true, reason: 'motion', changed };
  if (changed >= settings.min_area) return { detect: true, reason: 'motion', changed };
  if (awaitingConfirmation) return { detect: true, reason: 'confirm', changed };
  if (msSinceDetect >= settings.refresh_s * 1000) return { detect: true, reason: 'refresh', changed };
  return { detect: false, reason: 'still', changed };
}

/**
 * One camera's gate: call `decide` for every sampled frame, in stream order. Keeps the thumbnail of the last frame
 * it sent to the detector as the background.
 */
export class MotionGate {
  private background: GreyThumbnail | null = null;
  private detectedAtMs: number | null = null;

  constructor(private readonly settings: MotionSettings) {}

  decide(thumbnail: GreyThumbnail, timestampMs: number, awaitingConfirmation = false): GateDecision {
    const changed = this.background ? changedShare(thumbnail, this.background, this.settings.threshold) : 1;
    const since = this.detectedAtMs === null ? null : timestampMs - this.detectedAtMs;
    const decision = gateDecision(this.settings, changed, since, awaitingConfirmation);
    if (decision.detect) {
      this.background = thumbnail;
      this.detectedAtMs = timestampMs;
    }
    return decision;
  }

  /** The decision for a decoded frame (thumbnail computed here; skipped entirely when gating is off). */
  decideFrame(image: LetterboxedImage, size: number, timestampMs: number, awaitingConfirmation = false): GateDecision {
    if (!this.settings.enabled) return { detect: true, reason: 'motion', changed: 1 };
    return this.decide(greyThumbnail(image, size), timestampMs, awaitingConfirmation);
  }
}
