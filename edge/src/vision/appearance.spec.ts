import { APPEARANCE_BINS, appearanceDistance, appearanceOf, colourBin } from './appearance.ts';
import type { LetterboxedImage } from './detection.ts';
import type { Box } from './geometry.ts';

type Rgb = readonly [number, number, number];
const GREY_BASE = 16; // 8 hues × 2 saturations, then the grey bins

describe('colourBin', () => {
  it.each<[string, Rgb, number]>([
    ['pure red: first hue, most saturated', [255, 0, 0], 1],
    ['pale red: first hue, less saturated', [255, 150, 150], 0],
    ['pure green: hue 2 of 6 → bin 2 of 8', [0, 255, 0], 2 * 2 + 1],
    ['pure blue: hue 4 of 6 → bin 5 of 8', [0, 0, 255], 5 * 2 + 1],
    ['black', [0, 0, 0], GREY_BASE],
    ['dark red is too dark for a hue', [30, 0, 0], GREY_BASE],
    ['mid grey', [128, 128, 128], GREY_BASE + 2],
    ['white', [255, 255, 255], GREY_BASE + 3],
  ])('%s', (_name, [r, g, b], bin) => {
    expect(colourBin(r, g, b)).toBe(bin);
  });
});

/** A 64×64 picture of a 40×30 frame (scale 1.6, padded top and bottom) filled by `paint(frameX, frameY)`. */
function picture(paint: (x: number, y: number) => Rgb): LetterboxedImage {
  const size = 64;
  const letterbox = { scale: 1.6, padX: 0, padY: 8 };
  const rgb = new Uint8Array(size * size * 3).fill(114);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fy = (y - letterbox.padY) / letterbox.scale;
      if (fy < 0 || fy >= 30) continue;
      rgb.set(paint(x / letterbox.scale, fy), (y * size + x) * 3);
    }
  }
  return { rgb, letterbox, width: 40, height: 30 };
}

describe('appearanceOf', () => {
  // A person in a red shirt and blue trousers standing in a grey room: box x 10–20, y 5–25, waist at y 15.
  const image = picture((x, y) => (x < 10 || x >= 20 || y < 5 || y >= 25 ? [128, 128, 128] : y < 15 ? [220, 20, 20] : [20, 20, 220]));
  const box: Box = [10, 5, 20, 25];

  it('reads the shirt into the upper half and the trousers into the lower, each summing to 1', () => {
    const a = appearanceOf(image, box);
    expect(a).toHaveLength(APPEARANCE_BINS);
    const half = APPEARANCE_BINS / 2;
    expect(a[1]).toBeCloseTo(1); // red, saturated
    expect(a[half + 5 * 2 + 1]).toBeCloseTo(1); // blue, saturated
    expect(a.slice(0, half).reduce((s, v) => s + v, 0)).toBeCloseTo(1);
    expect(a.slice(half).reduce((s, v) => s + v, 0)).toBeCloseTo(1);
  });

  it('tells the same person from one dressed the other way round, and ignores the background beside them', () => {
    const same = appearanceOf(image, [9, 5, 21, 25]);
    const swapped = appearanceOf(
      picture((x, y) => (x < 10 || x >= 20 || y < 5 || y >= 25 ? [128, 128, 128] : y < 15 ? [20, 20, 220] : [220, 20, 20])),
      box,
    );
    expect(appearanceDistance(appearanceOf(image, box), same)).toBeLessThan(0.05);
    expect(appearanceDistance(appearanceOf(image, box), swapped)).toBeCloseTo(1);
  });

  it('a box outside the picture has no pixels: all zeros, and compares as unknown (distance 0)', () => {
    const none = appearanceOf(image, [100, 100, 120, 140]);
    expect(none.every((v) => v === 0)).toBe(true);
    expect(appearanceDistance(none, appearanceOf(image, box))).toBe(0);
  });
});
