import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import { readLetterboxedImage } from './frame-source.ts';
import {
  decodeYoloV8Output,
  DetectorModelError,
  intersectionOverUnion,
  nonMaxSuppression,
  PersonDetector,
} from './person-detector.ts';

const YOLOV8 = 'models/yolov8n_int8.onnx';
const YOLOX = 'models/yolox_nano.onnx';
const STREET = 'images/street.jpg';

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
    for (const { box, score } of people) {
      expect(score).toBeGreaterThanOrEqual(0.35);
      expect(box[0]).toBeGreaterThanOrEqual(0);
      expect(box[1]).toBeGreaterThanOrEqual(0);
      expect(box[2]).toBeLessThanOrEqual(image.width);
      expect(box[3]).toBeLessThanOrEqual(image.height);
      expect(box[2]).toBeGreaterThan(box[0]);
      expect(box[3]).toBeGreaterThan(box[1]);
    }
    // Greedy NMS leaves no pair above the threshold.
    for (let i = 0; i < people.length; i++) {
      for (let j = i + 1; j < people.length; j++) {
        expect(intersectionOverUnion(people[i]!.box, people[j]!.box)).toBeLessThanOrEqual(0.45);
      }
    }
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
