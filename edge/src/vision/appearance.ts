// A cheap appearance cue for telling people apart when their boxes overlap (groups, crossings): the colour of
// the upper body and of the legs, as two small hue/saturation histograms read from the RGB picture the detector
// was given. Clothes differ more often than shapes do at 50 px tall, and it costs a few hundred pixel reads
// per box (no re-identification network on the edge). Hand-written: a histogram over a strided crop needs no
// image library, and none is in the edge.
import type { LetterboxedImage } from './detection.ts';
import type { Box } from './geometry.ts';

/** Chromatic pixels: hue bins × saturation bins; the rest (grey, black, white) by value. */
const HUE_BINS = 8;
const SAT_BINS = 2;
const GREY_BINS = 4;
const HALF_BINS = HUE_BINS * SAT_BINS + GREY_BINS;
/** Bins of one descriptor: upper body, then legs. */
export const APPEARANCE_BINS = 2 * HALF_BINS;
/** Below this saturation (or value) a pixel's hue is noise: it goes to a grey bin. */
const MIN_SATURATION = 0.25;
const MIN_VALUE = 0.15;
/** At most about this many pixels are read per half (a stride over larger boxes). */
const PIXELS_PER_HALF = 300;
/** The box's middle half across (the background shows at the sides), rows 10–50 % (torso) and 50–90 % (legs). */
const CROP_X = [0.25, 0.75] as const;
const UPPER = [0.1, 0.5] as const;
const LOWER = [0.5, 0.9] as const;

/**
 * The appearance of the person in `box` (frame pixels), read from the letterboxed picture: two histograms
 * (upper body, legs), each summing to 1 to three decimals (all zeros when the crop holds no pixel).
 */
export function appearanceOf(image: LetterboxedImage, box: Box): number[] {
  const out = new Array<number>(APPEARANCE_BINS).fill(0);
  const { scale, padX, padY } = image.letterbox;
  const size = Math.round(Math.sqrt(image.rgb.length / 3));
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  const x0 = Math.max(0, Math.floor((box[0] + CROP_X[0] * w) * scale + padX));
  const x1 = Math.min(size, Math.ceil((box[0] + CROP_X[1] * w) * scale + padX));
  [UPPER, LOWER].forEach(([from, to], half) => {
    const y0 = Math.max(0, Math.floor((box[1] + from * h) * scale + padY));
    const y1 = Math.min(size, Math.ceil((box[1] + to * h) * scale + padY));
    if (x1 <= x0 || y1 <= y0) return;
    const area = (x1 - x0) * (y1 - y0);
    const stride = Math.max(1, Math.round(Math.sqrt(area / PIXELS_PER_HALF)));
    const base = half * HALF_BINS;
    let n = 0;
    for (let y = y0; y < y1; y += stride) {
      for (let x = x0; x < x1; x += stride) {
        const i = (y * size + x) * 3;
        out[base + colourBin(image.rgb[i]!, image.rgb[i + 1]!, image.rgb[i + 2]!)]++;
        n++;
      }
    }
    for (let b = 0; b < HALF_BINS; b++) out[base + b] /= n;
  });
  // Three decimals: what the evaluation's detection cache stores is then exactly what the pipeline computes.
  return out.map((v) => Math.round(v * 1000) / 1000);
}

/** The bin of one RGB pixel within a half: a hue × saturation bin, or a grey bin by value. */
export function colourBin(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : (max - min) / max;
  if (s < MIN_SATURATION || v < MIN_VALUE) return HUE_BINS * SAT_BINS + Math.min(GREY_BINS - 1, Math.floor(v * GREY_BINS));
  let hue: number; // 0..6
  if (max === r) hue = ((g - b) / (max - min) + 6) % 6;
  else if (max === g) hue = (b - r) / (max - min) + 2;
  else hue = (r - g) / (max - min) + 4;
  const hb = Math.min(HUE_BINS - 1, Math.floor((hue / 6) * HUE_BINS));
  const sb = Math.min(SAT_BINS - 1, Math.floor(((s - MIN_SATURATION) / (1 - MIN_SATURATION)) * SAT_BINS));
  return hb * SAT_BINS + sb;
}

/**
 * 0 (same colours) … 1 (nothing in common): one minus the Bhattacharyya coefficient, averaged over the two
 * halves that both descriptors have (a half with no pixels is left out); 0 when no half can be compared.
 */
export function appearanceDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  let halves = 0;
  for (let half = 0; half < 2; half++) {
    let bc = 0;
    let ma = 0;
    let mb = 0;
    for (let i = half * HALF_BINS; i < (half + 1) * HALF_BINS; i++) {
      bc += Math.sqrt(a[i]! * b[i]!);
      ma += a[i]!;
      mb += b[i]!;
    }
    if (ma === 0 || mb === 0) continue;
    sum += 1 - Math.min(1, bc);
    halves++;
  }
  return halves === 0 ? 0 : sum / halves;
}
