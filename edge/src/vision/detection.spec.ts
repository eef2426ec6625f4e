import { computeLetterbox, LETTERBOX_PAD_VALUE, letterboxBoxToFrame, padIntoSquare } from './detection.ts';

describe('computeLetterbox', () => {
  it('fits 640×480 into 640 with 80 px gray bands top and bottom', () => {
    expect(computeLetterbox(640, 480, 640)).toEqual({ scale: 1, padX: 0, padY: 80, scaledWidth: 640, scaledHeight: 480 });
  });

  it('fits a portrait 1080×1920 into 640 with side bands', () => {
    const g = computeLetterbox(1080, 1920, 640);
    expect(g.scale).toBeCloseTo(1 / 3, 6);
    expect(g.scaledHeight).toBe(640);
    expect(g.scaledWidth).toBe(360);
    expect(g.padX).toBe(140);
    expect(g.padY).toBe(0);
  });

  it('rejects empty frames', () => {
    expect(() => computeLetterbox(0, 480, 640)).toThrow(RangeError);
  });
});

describe('padIntoSquare', () => {
  it('centres a wide picture vertically', () => {
    const g = computeLetterbox(4, 2, 4); // 4×2 → padY 1
    const picture = new Uint8Array(4 * 2 * 3).fill(7);
    const out = padIntoSquare(picture, g, 4);
    const row = (y: number) => Array.from(out.subarray(y * 12, (y + 1) * 12));
    expect(row(0)).toEqual(new Array(12).fill(LETTERBOX_PAD_VALUE));
    expect(row(1)).toEqual(new Array(12).fill(7));
    expect(row(2)).toEqual(new Array(12).fill(7));
    expect(row(3)).toEqual(new Array(12).fill(LETTERBOX_PAD_VALUE));
  });

  it('centres a tall picture horizontally, row by row', () => {
    const g = computeLetterbox(2, 4, 4); // 2×4 → padX 1
    const picture = Uint8Array.from({ length: 2 * 4 * 3 }, (_, i) => i);
    const out = padIntoSquare(picture, g, 4);
    for (let y = 0; y < 4; y++) {
      const row = out.subarray(y * 12, (y + 1) * 12);
      expect(Array.from(row.subarray(0, 3))).toEqual([114, 114, 114]);
      expect(Array.from(row.subarray(3, 9))).toEqual(Array.from(picture.subarray(y * 6, y * 6 + 6)));
      expect(Array.from(row.subarray(9, 12))).toEqual([114, 114, 114]);
    }
  });
});

describe('letterboxBoxToFrame', () => {
  it('undoes padding and scale, and clips to the frame', () => {
    const letterbox = { scale: 0.5, padX: 0, padY: 80 };
    expect(letterboxBoxToFrame([10, 90, 110, 190], letterbox, 1280, 960)).toEqual([20, 20, 220, 220]);
    expect(letterboxBoxToFrame([-5, 40, 700, 600], letterbox, 1280, 960)).toEqual([0, 0, 1280, 960]);
  });
});
