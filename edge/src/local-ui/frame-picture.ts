// The latest frame as a PNG for the calibration page. Only the page asks for it (the worker encodes one on request,
// never per frame), and it never goes to the backend. PNG needs no codec beyond zlib, which Node and Deno both have,
// so the edge gains no image dependency; the picture is the model's view of the frame (the letterboxed input without
// its grey bars), which is what the detector sees and plenty to draw lines on.
import { deflateSync } from 'node:zlib';
import type { LetterboxedImage } from '../vision/detection.ts';

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** The picture inside the letterbox of a model input, as PNG bytes, and its size. */
export function framePicture(frame: LetterboxedImage): { png: Uint8Array; width: number; height: number } {
  const side = Math.round(Math.sqrt(frame.rgb.length / 3));
  const { scale, padX, padY } = frame.letterbox;
  const width = Math.min(side - padX, Math.max(1, Math.round(frame.width * scale)));
  const height = Math.min(side - padY, Math.max(1, Math.round(frame.height * scale)));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y + padY) * side + padX) * 3;
    rgb.set(frame.rgb.subarray(from, from + width * 3), y * width * 3);
  }
  return { png: encodePng(rgb, width, height), width, height };
}

/** An 8-bit RGB PNG of tightly packed rows. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`encodePng: ${rgb.length} bytes for ${width}x${height} RGB`);
  // Each row starts with its filter type; 0 (none) is enough for a picture shown once.
  const raw = new Uint8Array((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, adaptive filtering, no interlace
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
