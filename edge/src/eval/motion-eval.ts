// Motion gating in the evaluation: the gate's decisions are replayed over cached detections (clip-audit.ts trackFeet),
// so gating on and off are compared on the same detector output; the pipeline decides on the same decoded frames.
// Also a "quiet stretch": a still view with sensor noise, where a camera spends most of a shop's day.
import type { LetterboxedImage } from '../vision/detection.ts';
import { openFrameSource } from '../vision/frame-source.ts';
import { DEFAULT_MOTION, greyThumbnail, type GreyThumbnail, type MotionSettings } from '../vision/motion-gate.ts';

/** Gating off: every frame goes to the detector (the evaluation's other tables measure this). */
export const MOTION_OFF: MotionSettings = { ...DEFAULT_MOTION, enabled: false };

export interface MotionFrames {
  timestampsMs: number[];
  thumbnails: GreyThumbnail[];
  /** The first decoded frame, for the quiet stretch. */
  first: LetterboxedImage | null;
}

/** Decodes the clip as the pipeline does (same sampling and letterbox) and keeps each frame's grey thumbnail. */
export async function motionThumbnails(video: string, fps: number, size: number): Promise<MotionFrames> {
  const source = await openFrameSource({ url: video, targetFps: fps, letterboxSize: size, realtime: false });
  const out: MotionFrames = { timestampsMs: [], thumbnails: [], first: null };
  try {
    for await (const frame of source) {
      out.first ??= frame;
      out.timestampsMs.push(frame.timestampMs);
      out.thumbnails.push(greyThumbnail(frame, size));
    }
  } finally {
    await source.close();
  }
  return out;
}

/** A deterministic generator (mulberry32): the same noisy frames on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The picture with per-pixel sensor noise: uniform ±`amplitude` grey levels on each channel. */
export function withSensorNoise(image: LetterboxedImage, amplitude: number, random: () => number): LetterboxedImage {
  const rgb = new Uint8Array(image.rgb.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, image.rgb[i]! + Math.round((random() * 2 - 1) * amplitude)));
  return { ...image, rgb };
}
