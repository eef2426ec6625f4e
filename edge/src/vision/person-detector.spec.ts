import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import type { LetterboxedImage, PersonDetection } from './detection.ts';
import { readLetterboxedImage } from './frame-source.ts';
import {
  checkYoloxRawOutput,
  decodeYoloV8Output,
  decodeYoloxOutput,
  DetectorModelError,
  fillYoloxInput,
  intersectionOverUnion,
  nonMaxSuppression,
  PersonDetector,
  yoloxAnchorCount,
} from './person-detector.ts';

const YOLOV8 = 'models/yolov8n_int8.onnx';
const YOLOX = 'models/yolox_nano.onnx';
const STREET = 'images/street.jpg';
const TUD = 'sequences/TUD-Campus';
const TUD_FRAMES = [1, 11, 21, 31, 41, 51, 61, 71];
const tudFrame = (n: number) => `${TUD}/img1/${String(n).padStart(6, '0')}.jpg`;

acceptCrossRealmTypedArrays();

/** A [1,84,N] output with the given anchors: [cx,cy,w,h, person score, other class score]. */
function yoloOutput(anchors: Array<[number, number, number, number, number, number?]>): Float32Array {
  const n = anchors.length;
  const data = new Float32Array(84 * n);
  anchors.forEach(([cx, cy, w, h, person, other = 0], i) => {
    data[i] = cx;
    data[n + i] = cy;
    data[2 * n + i] = w;
    data[3 * n + i] = h;
    data[4 * n + i] = person;
    data[5 * n + i] = other; // class 1 (bicycle) must never count as a person
  });
  return data;
}

/**
 * What every detector's output must satisfy: scores above the floor, boxes inside the frame with positive
 * size, and no pair left above the NMS threshold (greedy NMS removes them).
 */
function expectPlausibleDetections(people: PersonDetection[], image: { width: number; height: number }): void {
  for (const { box, score } of people) {
    expect(score).toBeGreaterThanOrEqual(0.35);
    expect(box[0]).toBeGreaterThanOrEqual(0);
    expect(box[1]).toBeGreaterThanOrEqual(0);
    expect(box[2]).toBeLessThanOrEqual(image.width);
    expect(box[3]).toBeLessThanOrEqual(image.height);
    expect(box[2]).toBeGreaterThan(box[0]);
    expect(box[3]).toBeGreaterThan(box[1]);
  }
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      expect(intersectionOverUnion(people[i]!.box, people[j]!.box)).toBeLessThanOrEqual(0.45);
    }
  }
}

describe('decodeYoloV8Output', () => {
  it('keeps person anchors at or above the confidence, as corner boxes', () => {
    const out = decodeYoloV8Output(
      yoloOutput([
        [100, 200, 20, 40, 0.9],
        [300, 300, 10, 10, 0.2],
        [50, 60, 10, 20, 0.5],
        [400, 400, 50, 50, 0.01, 0.99],
      ]),
      4,
      0.5,
    );
    expect(out).toHaveLength(2);
    expect(out[0]!.box).toEqual([90, 180, 110, 220]);
    expect(out[0]!.score).toBeCloseTo(0.9, 6);
    expect(out[1]!.box).toEqual([45, 50, 55, 70]);
  });

  it('rejects an output shorter than 84×N', () => {
    expect(() => decodeYoloV8Output(new Float32Array(10), 4, 0.5)).toThrow(RangeError);
  });
});

describe('nonMaxSuppression', () => {
  const a = { box: [0, 0, 10, 10] as const, score: 0.9 };
  const aShifted = { box: [1, 1, 11, 11] as const, score: 0.8 }; // IoU with a = 81/119 ≈ 0.68
  const aHalf = { box: [5, 0, 15, 10] as const, score: 0.7 }; // IoU with a = 50/150 ≈ 0.33
  const far = { box: [100, 100, 120, 140] as const, score: 0.6 };

  it('computes IoU', () => {
    expect(intersectionOverUnion(a.box, a.box)).toBe(1);
    expect(intersectionOverUnion(a.box, aShifted.box)).toBeCloseTo(81 / 119, 6);
    expect(intersectionOverUnion(a.box, far.box)).toBe(0);
  });

  it('keeps the best of overlapping boxes and boxes below the IoU threshold', () => {
    const kept = nonMaxSuppression([far, aHalf, aShifted, a], 0.45);
    expect(kept).toEqual([a, aHalf, far]);
  });

  it('suppresses more with a lower threshold and honours maxDetections', () => {
    expect(nonMaxSuppression([far, aHalf, aShifted, a], 0.3)).toEqual([a, far]);
    expect(nonMaxSuppression([far, aHalf, aShifted, a], 0.45, 2)).toEqual([a, aHalf]);
    expect(nonMaxSuppression([], 0.45)).toEqual([]);
  });
});

describe('PersonDetector.load refuses wrong files', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'wink-detector-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('names a missing path', async () => {
    const missing = path.join(tmp, 'nope.onnx');
    const err = await PersonDetector.load(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetectorModelError);
    expect((err as Error).message).toBe(`Cannot read model "${missing}": file not found`);
  });

  it('names a directory', async () => {
    await expect(PersonDetector.load(tmp)).rejects.toThrow(`Model path "${tmp}" is not a file`);
  });

  it('names a file that is not ONNX', async () => {
    const garbage = path.join(tmp, 'garbage.onnx');
    await writeFile(garbage, 'this is not a protobuf');
    const err = await PersonDetector.load(garbage).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetectorModelError);
    expect((err as Error).message).toContain(`Cannot load "${garbage}" as an ONNX model`);
  });

  it('rejects bad options', async () => {
    await expect(PersonDetector.load('x.onnx', { confidence: 2 })).rejects.toThrow(RangeError);
    await expect(PersonDetector.load('x.onnx', { intraOpThreads: 0 })).rejects.toThrow(RangeError);
  });
});

type Box = readonly [number, number, number, number];

function expectBox(actual: Box, expected: Box): void {
  expected.forEach((v, k) => expect(actual[k]).toBeCloseTo(v, 4));
}

/**
 * A YOLOX [1,N,85] output for a square input of `size`, all zeros but the given anchors:
 * [anchor index, raw cx, raw cy, raw w, raw h, objectness, person score, class-1 score].
 */
function yoloxOutput(size: number, anchors: Array<[number, number, number, number, number, number, number, number?]>): Float32Array {
  const data = new Float32Array(yoloxAnchorCount(size) * 85);
  for (const [i, x, y, w, h, obj, person, other = 0] of anchors) {
    data.set([x, y, w, h, obj, person, other], i * 85);
  }
  return data;
}

describe('decodeYoloxOutput', () => {
  // A 64 input has 8×8 cells at stride 8 (anchors 0–63), 4×4 at stride 16 (64–79), 2×2 at stride 32 (80–83).
  const S = 64;
  const LN2 = Math.log(2);

  it('counts one anchor per grid cell over strides 8, 16, 32', () => {
    expect(yoloxAnchorCount(64)).toBe(64 + 16 + 4);
    expect(yoloxAnchorCount(416)).toBe(52 * 52 + 26 * 26 + 13 * 13); // 3549, yolox_nano
    expect(yoloxAnchorCount(640)).toBe(8400);
  });

  it('decodes grid offsets and log sizes at every stride (checked by hand)', () => {
    const data = yoloxOutput(S, [
      // anchor 0: stride 8, cell (0,0): cx = (0.5+0)·8 = 4, cy = 4, w = 2·8 = 16, h = 4·8 = 32 → [-4,-12,12,20]
      [0, 0.5, 0.5, LN2, 2 * LN2, 0.9, 1.0],
      // anchor 29 = 3·8+5: stride 8, cell x=5,y=3: cx = 5.25·8 = 42, cy = 2.5·8 = 20, w = h = 8 → [38,16,46,24]
      [29, 0.25, -0.5, 0, 0, 0.8, 0.5],
      // anchor 73 = 64 + 2·4+1: stride 16, cell x=1,y=2: cx = 16, cy = 32, w = 16, h = 32 → [8,16,24,48]
      [73, 0, 0, 0, LN2, 1.0, 0.6],
      // anchor 83 (last) = 80 + 1·2+1: stride 32, cell x=1,y=1: cx = cy = 1.5·32 = 48, w = 32, h = 64 → [32,16,64,80]
      [83, 0.5, 0.5, 0, LN2, 0.7, 0.7],
      // below the threshold: 0.9 × 0.3 = 0.27
      [10, 0, 0, 0, 0, 0.9, 0.3],
      // a confident bicycle, not a person
      [11, 0, 0, 0, 0, 0.99, 0.01, 0.99],
    ]);
    const out = decodeYoloxOutput(data, S, 0.35);
    expect(out).toHaveLength(4);
    [0.9, 0.4, 0.6, 0.49].forEach((score, k) => expect(out[k]!.score).toBeCloseTo(score, 6));
    expectBox(out[0]!.box, [-4, -12, 12, 20]);
    expectBox(out[1]!.box, [38, 16, 46, 24]);
    expectBox(out[2]!.box, [8, 16, 24, 48]);
    expectBox(out[3]!.box, [32, 16, 64, 80]);
  });

  it('scores objectness × class score, for the class asked for', () => {
    const data = yoloxOutput(S, [[11, 0, 0, 0, 0, 0.5, 0.01, 0.9]]);
    expect(decodeYoloxOutput(data, S, 0.35)).toEqual([]);
    const bicycles = decodeYoloxOutput(data, S, 0.35, 1);
    expect(bicycles).toHaveLength(1);
    expect(bicycles[0]!.score).toBeCloseTo(0.45, 6);
    // anchor 11: stride 8, cell x=3,y=1 → centre (24, 8), 8×8
    expectBox(bicycles[0]!.box, [20, 4, 28, 12]);
  });

  it('rejects a short output, a size that is not a multiple of 32 and a bad class', () => {
    expect(() => decodeYoloxOutput(new Float32Array(83 * 85), S, 0.5)).toThrow('expected 84×85 for a 64 input');
    expect(() => decodeYoloxOutput(new Float32Array(84 * 85), 60, 0.5)).toThrow(RangeError);
    expect(() => decodeYoloxOutput(new Float32Array(84 * 85), S, 0.5, 80)).toThrow(RangeError);
  });
});

describe('checkYoloxRawOutput', () => {
  const S = 64;
  it('accepts raw grid offsets with sigmoided scores', () => {
    expect(checkYoloxRawOutput(yoloxOutput(S, [[5, 1.2, -0.7, 2, 3, 0.01, 0.4]]), S)).toBeNull();
  });

  it('refuses boxes already decoded to pixels (--decode_in_inference)', () => {
    const data = yoloxOutput(S, []);
    let i = 0;
    for (const stride of [8, 16, 32]) {
      for (let gy = 0; gy < S / stride; gy++) {
        for (let gx = 0; gx < S / stride; gx++, i++) data.set([(gx + 0.5) * stride, (gy + 0.5) * stride, stride, stride], i * 85);
      }
    }
    expect(checkYoloxRawOutput(data, S)).toMatch(/already decoded to pixels .*without --decode_in_inference/);
  });

  it('refuses scores that are logits, and non-finite values', () => {
    expect(checkYoloxRawOutput(yoloxOutput(S, [[3, 0, 0, 0, 0, -6.2, 0.1]]), S)).toMatch(/not probabilities \(-6\.200 at anchor 3, channel 4\)/);
    expect(checkYoloxRawOutput(yoloxOutput(S, [[3, NaN, 0, 0, 0, 0, 0]]), S)).toMatch(/non-finite/);
  });
});

describe('fillYoloxInput', () => {
  it('moves a centred letterbox to the top-left, BGR 0–255 planes, gray 114 right and bottom', () => {
    // A 4×4 input holding an 8×4 frame at scale 0.5: the frame source centres it in rows 1–2 (padY 1).
    const size = 4;
    const rgb = new Uint8Array(size * size * 3).fill(114);
    for (let y = 1; y <= 2; y++) {
      for (let x = 0; x < size; x++) rgb.set([10 * y + x, 100 + 10 * y + x, 200 + 10 * y + x], (y * size + x) * 3);
    }
    const image: LetterboxedImage = { rgb, letterbox: { scale: 0.5, padX: 0, padY: 1 }, width: 8, height: 4 };
    const out = new Float32Array(3 * size * size);
    expect(fillYoloxInput(image, size, out)).toEqual({ scale: 0.5, padX: 0, padY: 0 });
    const plane = (c: number) => Array.from(out.subarray(c * 16, c * 16 + 16));
    const g = 114;
    expect(plane(0)).toEqual([210, 211, 212, 213, 220, 221, 222, 223, g, g, g, g, g, g, g, g]); // B
    expect(plane(1)).toEqual([110, 111, 112, 113, 120, 121, 122, 123, g, g, g, g, g, g, g, g]); // G
    expect(plane(2)).toEqual([10, 11, 12, 13, 20, 21, 22, 23, g, g, g, g, g, g, g, g]); // R
  });

  it('shifts horizontally too', () => {
    // A 2×4 frame in a 4×4 input, centred in columns 1–2 (padX 1).
    const size = 4;
    const rgb = new Uint8Array(size * size * 3).fill(114);
    for (let y = 0; y < size; y++) for (let x = 1; x <= 2; x++) rgb.set([y * 4 + x, 0, 0], (y * size + x) * 3);
    const out = new Float32Array(3 * size * size);
    expect(fillYoloxInput({ rgb, letterbox: { scale: 1, padX: 1, padY: 0 }, width: 2, height: 4 }, size, out).padX).toBe(0);
    expect(Array.from(out.subarray(32, 48))).toEqual([1, 2, 114, 114, 5, 6, 114, 114, 9, 10, 114, 114, 13, 14, 114, 114]);
  });
});

// ---- A minimal ONNX writer, so the YOLOX load checks are tested on real onnxruntime sessions without any file in
// ---- ../shared: the graph is one Identity of a constant whose value is the "model output".
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const intField = (field: number, value: number) => concat(varint(field << 3), varint(value));
const bytesField = (field: number, bytes: ArrayLike<number>) => concat(varint((field << 3) | 2), varint(bytes.length), bytes);
const text = (s: string) => new TextEncoder().encode(s);
const FLOAT = 1;

function valueInfo(name: string, dims: readonly (number | string)[]): Uint8Array {
  const shape = concat(...dims.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : bytesField(2, text(d)))));
  const tensorType = concat(intField(1, FLOAT), bytesField(2, shape));
  return concat(bytesField(1, text(name)), bytesField(2, bytesField(1, tensorType)));
}

/** An ONNX model with input "images" of `inputDims` whose output "output" is the constant `data` of `outputDims`. */
function constantModel(inputDims: readonly (number | string)[], outputDims: readonly number[], data?: Float32Array): Uint8Array {
  const values = data ?? new Float32Array(outputDims.reduce((a, b) => a * b, 1));
  const initializer = concat(
    ...outputDims.map((d) => intField(1, d)),
    intField(2, FLOAT),
    bytesField(8, text('value')),
    bytesField(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
  );
  const node = concat(bytesField(1, text('value')), bytesField(2, text('output')), bytesField(4, text('Identity')));
  const graph = concat(
    bytesField(1, node),
    bytesField(2, text('synthetic')),
    bytesField(5, initializer),
    bytesField(11, valueInfo('images', inputDims)),
    bytesField(12, valueInfo('output', outputDims)),
  );
  return concat(intField(1, 8), bytesField(8, intField(2, 13)), bytesField(7, graph));
}

describe('PersonDetector with format yolox (synthetic models)', () => {
  let tmp = '';
  let n = 0;
  const write = async (model: Uint8Array) => {
    const file = path.join(tmp, `model-${n++}.onnx`);
    await writeFile(file, model);
    return file;
  };
  const refusal = async (file: string, format?: 'yolov8' | 'yolox') => {
    const err = await PersonDetector.load(file, format ? { format } : {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetectorModelError);
    return (err as Error).message;
  };
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'wink-yolox-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('rejects an unknown format', async () => {
    await expect(PersonDetector.load('x.onnx', { format: 'yolov5' as 'yolox' })).rejects.toThrow('format must be one of yolov8, yolox, got yolov5');
  });

  it('decodes, then maps boxes from the top-left letterbox back to the frame', async () => {
    // Anchor 20 = 2·8+4: stride 8, cell x=4,y=2 → centre (32,16), 16×16 → model box [24,8,40,24], score 0.9 × 0.8.
    const file = await write(constantModel([1, 3, 64, 64], [1, 84, 85], yoloxOutput(64, [[20, 0, 0, Math.log(2), Math.log(2), 0.9, 0.8]])));
    const detector = await PersonDetector.load(file, { format: 'yolox' });
    try {
      expect(detector.inputSize).toBe(64);
      expect(detector.format).toBe('yolox');
      // A 100×50 frame at scale 0.64 is 64×32; the frame source centres it (padY 16), YOLOX wants it at the top.
      const image: LetterboxedImage = {
        rgb: new Uint8Array(64 * 64 * 3).fill(114),
        letterbox: { scale: 0.64, padX: 0, padY: 16 },
        width: 100,
        height: 50,
      };
      const people = await detector.detect(image);
      expect(people).toHaveLength(1);
      expectBox(people[0]!.box, [24 / 0.64, 8 / 0.64, 40 / 0.64, 24 / 0.64]); // no padY subtracted
      expect(people[0]!.score).toBeCloseTo(0.72, 6);
    } finally {
      await detector.release();
    }
  });

  it('hints at yolox when a YOLOX file is loaded with the default format', async () => {
    // (Not at 64: its 84 anchors would make [1,84,85], which is a valid YOLOv8 shape.)
    const message = await refusal(await write(constantModel([1, 3, 96, 96], [1, 189, 85])));
    expect(message).toContain(
      'is not a supported YOLOv8 person detector: output shape is [1,189,85] (this looks like a YOLOX model: set detector.format: yolox)',
    );
  });

  it('hints at yolov8 when a [1,84,N] file is loaded as yolox', async () => {
    const message = await refusal(await write(constantModel([1, 3, 96, 96], [1, 84, 189])), 'yolox');
    expect(message).toContain(
      'is not a supported YOLOX person detector: output shape is [1,84,189] (this looks like a YOLOv8 model: set detector.format: yolov8)',
    );
    expect(message).toContain('one output float32 [1,N,85] with N = (S/8)²+(S/16)²+(S/32)² = 189 for S=96');
    expect(message).toContain('found inputs "images" float32 [1,3,96,96]; outputs "output" float32 [1,84,189]');
  });

  it('says which anchor count it expected', async () => {
    expect(await refusal(await write(constantModel([1, 3, 64, 64], [1, 80, 85])), 'yolox')).toContain(
      'output shape is [1,80,85] (expected N = 84 for a 64×64 input)',
    );
    expect(await refusal(await write(constantModel([1, 3, 64, 64], [1, 252, 85])), 'yolox')).toContain(
      'output shape is [1,252,85] (this looks like an anchor-based YOLOv5/YOLOv7 head, 3 anchors per cell, which is not supported)',
    );
    expect(await refusal(await write(constantModel([1, 3, 64, 64], [1, 85, 85])), 'yolox')).toContain(
      'output shape is [1,85,85] (this looks like a YOLOX-P6 head with a stride-64 level, which is not supported)',
    );
    expect(await refusal(await write(constantModel([1, 3, 96, 96], [1, 189, 6])), 'yolox')).toContain(
      'output shape is [1,189,6] (expected 85 values per anchor: 4 box + objectness + 80 COCO class scores)',
    );
  });

  it('refuses inputs that are not square, static, multiples of 32', async () => {
    expect(await refusal(await write(constantModel([1, 3, 48, 48], [1, 84, 85])), 'yolox')).toContain('input size 48 is not a multiple of 32');
    expect(await refusal(await write(constantModel([1, 3, 64, 96], [1, 84, 85])), 'yolox')).toContain('input is 96×64, not square');
    expect(await refusal(await write(constantModel([1, 3, 'h', 'w'], [1, 84, 85])), 'yolox')).toContain(
      'input height/width are dynamic ([1,3,h,w]); export the model with a fixed image size',
    );
  });

  it('refuses a [1,N,85] export whose boxes are already decoded or whose scores are logits (test run at load)', async () => {
    const decoded = yoloxOutput(64, []);
    for (let i = 0; i < 84; i++) decoded.set([32, 32, 16, 16], i * 85);
    expect(await refusal(await write(constantModel([1, 3, 64, 64], [1, 84, 85], decoded)), 'yolox')).toMatch(
      /not a supported YOLOX person detector: its box centres look already decoded to pixels .*export it without --decode_in_inference/,
    );
    const logits = yoloxOutput(64, [[0, 0, 0, 0, 0, -4, 2]]);
    expect(await refusal(await write(constantModel([1, 3, 64, 64], [1, 84, 85], logits)), 'yolox')).toContain(
      'its objectness/class scores are not probabilities (-4.000 at anchor 0, channel 4)',
    );
  });
});

describeIfShared([YOLOX], 'PersonDetector.load refuses a non-YOLOv8 model', () => {
  it('says what it expected and what yolox_nano.onnx has', async () => {
    const err = await PersonDetector.load(sharedFile(YOLOX)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DetectorModelError);
    const message = (err as Error).message;
    console.log(`yolox refusal: ${message}`);
    expect(message).toContain(sharedFile(YOLOX));
    expect(message).toContain('output shape is [1,3549,85]');
    expect(message).toContain('Expected input "images" float32 [1,3,S,S]');
    expect(message).toContain('one output float32 [1,84,N]');
    expect(message).toContain('"output" float32 [1,3549,85]');
    expect(message).toContain('(this looks like a YOLOX model: set detector.format: yolox)');
  });
});

describeIfShared([YOLOV8, STREET], 'PersonDetector on real images', () => {
  let detector: PersonDetector;
  beforeAll(async () => {
    detector = await PersonDetector.load(sharedFile(YOLOV8), { intraOpThreads: 2 });
  });
  afterAll(async () => {
    await detector?.release();
  });

  it('reads the model input size', () => {
    expect(detector.inputSize).toBe(640);
  });

  it('finds roughly 10 people in street.jpg, in original frame coordinates', async () => {
    const image = await readLetterboxedImage(sharedFile(STREET), detector.inputSize);
    const people = await detector.detect(image);
    console.log(
      `street.jpg ${image.width}x${image.height}: ${people.length} people, inference ${detector.inferenceMs.toFixed(1)} ms; ` +
        `scores ${people.map((p) => p.score.toFixed(2)).join(' ')}`,
    );
    expect(people.length).toBeGreaterThanOrEqual(6);
    expect(people.length).toBeLessThanOrEqual(16);
    expectPlausibleDetections(people, image);
  });

  it('refuses overlapping calls (they would share the input buffer)', async () => {
    const image = await readLetterboxedImage(sharedFile(STREET), detector.inputSize);
    const first = detector.detect(image);
    await expect(detector.detect(image)).rejects.toThrow('previous call still running');
    expect((await first).length).toBeGreaterThan(0);
  });

  it('refuses an image of the wrong size', async () => {
    const image = { rgb: new Uint8Array(10), letterbox: { scale: 1, padX: 0, padY: 0 }, width: 1, height: 1 };
    await expect(detector.detect(image)).rejects.toThrow('expected a 640×640 RGB24 image');
  });

  it('measures raw inference with 1 and 2 intra-op threads', async () => {
    const image = await readLetterboxedImage(sharedFile(STREET), 640);
    const report: string[] = [];
    for (const threads of [1, 2]) {
      const rssBefore = process.memoryUsage().rss;
      const d = await PersonDetector.load(sharedFile(YOLOV8), { intraOpThreads: threads });
      await d.detect(image); // warm-up
      const rssAfter = process.memoryUsage().rss;
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        await d.detect(image);
        times.push(d.inferenceMs);
      }
      await d.release();
      times.sort((x, y) => x - y);
      report.push(
        `${threads} thread(s): median ${times[5]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms; ` +
          `RSS +${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MB after load + first run`,
      );
    }
    console.log(`yolov8n_int8 640×640 inference: ${report.join(' | ')}`);
  }, 120_000);
});

/** Greedy one-to-one matching at IoU ≥ 0.5, highest score first: true positives and false positives. */
function matchAtHalfIoU(detections: readonly PersonDetection[], truth: readonly Box[]): { tp: number; fp: number } {
  const used = new Set<number>();
  let tp = 0;
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    let best = 0.5;
    let bestIndex = -1;
    truth.forEach((t, j) => {
      const iou = used.has(j) ? 0 : intersectionOverUnion(d.box, t);
      if (iou >= best) [best, bestIndex] = [iou, j];
    });
    if (bestIndex >= 0) {
      used.add(bestIndex);
      tp++;
    }
  }
  return { tp, fp: detections.length - tp };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describeIfShared([YOLOX, YOLOV8, STREET], 'PersonDetector with yolox_nano.onnx on street.jpg', () => {
  let yolox: PersonDetector;
  let yolov8: PersonDetector;
  beforeAll(async () => {
    yolox = await PersonDetector.load(sharedFile(YOLOX), { format: 'yolox' });
    yolov8 = await PersonDetector.load(sharedFile(YOLOV8));
  });
  afterAll(async () => {
    await yolox?.release();
    await yolov8?.release();
  });

  it('reads the model input size', () => {
    expect(yolox.inputSize).toBe(416);
    expect(yolox.format).toBe('yolox');
    expect(yolov8.format).toBe('yolov8');
  });

  it('finds roughly the same people as YOLOv8n, in original frame coordinates', async () => {
    const image = await readLetterboxedImage(sharedFile(STREET), yolox.inputSize);
    const people = await yolox.detect(image);
    const reference = await yolov8.detect(await readLetterboxedImage(sharedFile(STREET), yolov8.inputSize));
    const shared = reference.filter((r) => people.some((p) => intersectionOverUnion(p.box, r.box) >= 0.5)).length;
    console.log(
      `street.jpg ${image.width}x${image.height}: yolox_nano ${people.length} people (scores ${people.map((p) => p.score.toFixed(2)).join(' ')}), ` +
        `yolov8n ${reference.length} people (scores ${reference.map((p) => p.score.toFixed(2)).join(' ')}); ` +
        `${shared} of the YOLOv8n people also found by YOLOX at IoU ≥ 0.5`,
    );
    expect(people.length).toBeGreaterThanOrEqual(5);
    expect(people.length).toBeLessThanOrEqual(16);
    expect(shared).toBeGreaterThanOrEqual(Math.min(people.length, reference.length) - 3);
    expectPlausibleDetections(people, image);
  });

  it('measures raw inference, 1 thread: yolox_nano at 416 vs yolov8n_int8 at 640', async () => {
    const report: string[] = [];
    for (const [name, file, format] of [
      ['yolox_nano 416', YOLOX, 'yolox'],
      ['yolov8n_int8 640', YOLOV8, 'yolov8'],
    ] as const) {
      const d = await PersonDetector.load(sharedFile(file), { format, intraOpThreads: 1 });
      const image = await readLetterboxedImage(sharedFile(STREET), d.inputSize);
      await d.detect(image); // warm-up
      const inference: number[] = [];
      const total: number[] = [];
      for (let i = 0; i < 15; i++) {
        const started = performance.now();
        await d.detect(image);
        total.push(performance.now() - started);
        inference.push(d.inferenceMs);
      }
      await d.release();
      expect(median(inference)).toBeGreaterThan(0);
      report.push(
        `${name}: inference median ${median(inference).toFixed(1)} ms (min ${Math.min(...inference).toFixed(1)}), ` +
          `detect() incl. pre/post-processing median ${median(total).toFixed(1)} ms`,
      );
    }
    console.log(`1 intra-op thread, 15 runs: ${report.join(' | ')}`);
  }, 120_000);
});

describeIfShared([YOLOX, YOLOV8, `${TUD}/gt/gt.txt`, ...TUD_FRAMES.map(tudFrame)], 'PersonDetector recall on TUD-Campus frames, yolox_nano vs yolov8n', () => {
  it(`reports recall at IoU 0.5 on frames ${TUD_FRAMES.join(',')}`, async () => {
    const gt = readFileSync(sharedFile(`${TUD}/gt/gt.txt`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(',').map(Number));
    const truthOf = (frame: number): Box[] => gt.filter((r) => r[0] === frame).map(([, , x, y, w, h]) => [x!, y!, x! + w!, y! + h!] as const);
    const lines: string[] = [];
    const recalls: Record<string, number> = {};
    for (const [name, file, format] of [
      ['yolox_nano', YOLOX, 'yolox'],
      ['yolov8n', YOLOV8, 'yolov8'],
    ] as const) {
      const detector = await PersonDetector.load(sharedFile(file), { format, intraOpThreads: 2 });
      let tp = 0;
      let fp = 0;
      let truths = 0;
      try {
        for (const frame of TUD_FRAMES) {
          const image = await readLetterboxedImage(sharedFile(tudFrame(frame)), detector.inputSize);
          const truth = truthOf(frame);
          const m = matchAtHalfIoU(await detector.detect(image), truth);
          tp += m.tp;
          fp += m.fp;
          truths += truth.length;
        }
      } finally {
        await detector.release();
      }
      recalls[name] = tp / truths;
      lines.push(`${name} recall ${tp}/${truths} = ${(tp / truths).toFixed(3)}, ${fp} unmatched detections`);
    }
    console.log(`TUD-Campus ${TUD_FRAMES.length} frames, confidence 0.35, IoU 0.5: ${lines.join(' | ')}`);
    expect(recalls.yolox_nano).toBeGreaterThanOrEqual(0.6);
    expect(recalls.yolov8n).toBeGreaterThanOrEqual(0.6);
  }, 120_000);
});
