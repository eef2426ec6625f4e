import { inflateSync } from 'node:zlib';
import { computeLetterbox, padIntoSquare } from '../vision/detection.ts';
import { crc32, encodePng, framePicture } from './frame-picture.ts';

/** The chunks of a PNG, checked against their CRCs. */
function chunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const buf = Buffer.from(png);
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    expect(buf.readUInt32BE(at + 8 + length)).toBe(crc32(buf.subarray(at + 4, at + 8 + length)));
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

describe('frame picture', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('encodes RGB rows as a PNG whose pixels decode back', () => {
    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 10);
    const parts = chunks(encodePng(rgb, 3, 2));
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(parts[0].data.readUInt32BE(0)).toBe(3);
    expect(parts[0].data.readUInt32BE(4)).toBe(2);
    expect([...parts[0].data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    const raw = inflateSync(parts[1].data);
    expect([...raw]).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
    expect(() => encodePng(rgb, 4, 2)).toThrow(/18 bytes for 4x2/);
  });

  it('crops the grey letterbox bars off a model input', () => {
    // A 4x2 frame in an 8x8 model input: scaled to 8x4, bars of 2 rows above and below.
    const geometry = computeLetterbox(4, 2, 8);
    const picture = Uint8Array.from({ length: 8 * 4 * 3 }, (_, i) => i % 251);
    const rgb = padIntoSquare(picture, geometry, 8);
    const { png, width, height } = framePicture({ rgb, letterbox: geometry, width: 4, height: 2 });
    expect([width, height]).toEqual([8, 4]);
    const raw = inflateSync(chunks(png)[1].data);
    const rows = [0, 1, 2, 3].map((y) => [...raw.subarray(y * 25 + 1, (y + 1) * 25)]);
    expect(rows.flat()).toEqual([...picture]);
  });
});
