// Person detection with a user-supplied YOLOv8 ONNX model on onnxruntime (CPU).
// The product ships no weights (Ultralytics weights are AGPL): the model is validated at load time
// so a wrong file fails loudly at start-up instead of producing garbage detections.
import { stat, access, constants as fsConstants } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { letterboxBoxToFrame } from './detection.ts';
import type { LetterboxedImage, PersonDetection } from './detection.ts';

/** YOLOv8 detect head: cx, cy, w, h + 80 COCO class scores. */
const YOLOV8_BOX_CHANNELS = 4;
const COCO_CLASSES = 80;
const YOLOV8_CHANNELS = YOLOV8_BOX_CHANNELS + COCO_CLASSES;
const PERSON_CLASS = 0;

export interface PersonDetectorOptions {
  /** onnxruntime intra-op threads (default 1: the edge box also decodes video). */
  intraOpThreads?: number;
  /** Minimum person score (default 0.35). */
  confidence?: number;
  /** IoU above which a lower-scoring box is suppressed (default 0.45). */
  iouThreshold?: number;
  /** Cap on boxes returned per frame (default 300, as Ultralytics). */
  maxDetections?: number;
}

/** A model file that is missing, unreadable, not ONNX, or not a YOLOv8 detector. */
export class DetectorModelError extends Error {
  constructor(
    readonly modelPath: string,
    message: string,
  ) {
    super(message);
    this.name = 'DetectorModelError';
  }
}

/** A candidate box in model-input pixels (x1,y1,x2,y2). */
export interface ModelBox {
  box: [number, number, number, number];
  score: number;
}

/**
 * Decode a YOLOv8 [1, 4+C, N] output (channel-major: data[c * N + i]) into boxes of one class
 * whose score reaches `confidence`. Boxes are in model-input pixels.
 */
export function decodeYoloV8Output(
  data: Float32Array,
  anchors: number,
  confidence: number,
  classIndex = PERSON_CLASS,
  channels = YOLOV8_CHANNELS,
): ModelBox[] {
  if (data.length < channels * anchors) {
    throw new RangeError(`decodeYoloV8Output: ${data.length} values, expected ${channels}×${anchors}`);
  }
  const scoreRow = (YOLOV8_BOX_CHANNELS + classIndex) * anchors;
  const out: ModelBox[] = [];
  for (let i = 0; i < anchors; i++) {
    const score = data[scoreRow + i]!;
    if (score < confidence) continue;
    const cx = data[i]!;
    const cy = data[anchors + i]!;
    const halfW = data[2 * anchors + i]! / 2;
    const halfH = data[3 * anchors + i]! / 2;
    out.push({ box: [cx - halfW, cy - halfH, cx + halfW, cy + halfH], score });
  }
  return out;
}

export function intersectionOverUnion(
  a: readonly [number, number, number, number],
  b: readonly [number, number, number, number],
): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS: highest score first, drop any box overlapping a kept one by more than iouThreshold. */
export function nonMaxSuppression<T extends { box: readonly [number, number, number, number]; score: number }>(
  boxes: readonly T[],
  iouThreshold: number,
  maxDetections = Infinity,
): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => intersectionOverUnion(k.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  return kept;
}

function describeShape(meta: ort.InferenceSession.ValueMetadata): string {
  return meta.isTensor ? `"${meta.name}" ${meta.type} [${meta.shape.join(',')}]` : `"${meta.name}" (not a tensor)`;
}

/** Accept exactly the YOLOv8 detect layout; return the square input size. */
function validateYoloV8(modelPath: string, session: ort.InferenceSession): { inputName: string; outputName: string; size: number } {
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
  const found = `found inputs ${inputs.map(describeShape).join(', ') || 'none'}; outputs ${outputs.map(describeShape).join(', ') || 'none'}`;
  const refuse = (why: string) =>
    new DetectorModelError(
      modelPath,
      `Model "${modelPath}" is not a supported YOLOv8 person detector: ${why}. ` +
        `Expected input "images" float32 [1,3,S,S] (static, square) and one output float32 [1,${YOLOV8_CHANNELS},N] ` +
        `(cx,cy,w,h + ${COCO_CLASSES} COCO class scores, person = class 0); ${found}.`,
    );

  const input = inputs.length === 1 ? inputs[0] : inputs.find((m) => m.name === 'images');
  if (!input) throw refuse(`no input named "images" among ${inputs.length} inputs`);
  if (!input.isTensor || input.type !== 'float32') throw refuse('the input is not a float32 tensor');
  const [batch, channels, h, w] = input.shape;
  const batchOk = batch === 1 || typeof batch === 'string';
  if (input.shape.length !== 4 || !batchOk || channels !== 3) throw refuse(`input shape is [${input.shape.join(',')}]`);
  if (typeof h !== 'number' || typeof w !== 'number' || h <= 0) {
    throw refuse(`input height/width are dynamic ([${input.shape.join(',')}]); export the model with a fixed image size`);
  }
  if (h !== w) throw refuse(`input is ${w}×${h}, not square`);

  if (outputs.length < 1) throw refuse('it has no output');
  const output = outputs[0]!;
  if (!output.isTensor || output.type !== 'float32') throw refuse('the output is not a float32 tensor');
  const [ob, oc, on] = output.shape;
  const outOk = output.shape.length === 3 && (ob === 1 || typeof ob === 'string') && oc === YOLOV8_CHANNELS && on !== 0;
  if (!outOk) {
    const hint =
      output.shape.length === 3 && output.shape[2] === YOLOV8_CHANNELS + 1
        ? ' (this looks like a YOLOX/YOLOv5 [1,N,85] head, which is not supported)'
        : '';
    throw refuse(`output shape is [${output.shape.join(',')}]${hint}`);
  }
  return { inputName: input.name, outputName: output.name, size: h };
}

export class PersonDetector {
  private lastInferenceMs = 0;
  readonly inputSize: number;
  private busy = false;
  private readonly input: Float32Array;
  private readonly inputTensor: ort.Tensor;

  private constructor(
    readonly modelPath: string,
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    size: number,
    private readonly confidence: number,
    private readonly iouThreshold: number,
    private readonly maxDetections: number,
  ) {
    this.inputSize = size;
    // One buffer for the whole life of the detector: a 640 input is 4.9 MB per frame otherwise.
    this.input = new Float32Array(3 * size * size);
    this.inputTensor = new ort.Tensor('float32', this.input, [1, 3, size, size]);
  }

  /** Wall-clock milliseconds of the last session.run (excludes pre/post-processing). */
  get inferenceMs(): number {
    return this.lastInferenceMs;
  }

  static async load(modelPath: string, options: PersonDetectorOptions = {}): Promise<PersonDetector> {
    const confidence = options.confidence ?? 0.35;
    const iouThreshold = options.iouThreshold ?? 0.45;
    const intraOpThreads = options.intraOpThreads ?? 1;
    const maxDetections = options.maxDetections ?? 300;
    if (!(confidence >= 0 && confidence <= 1)) throw new RangeError(`confidence must be in [0,1], got ${confidence}`);
    if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`iouThreshold must be in [0,1], got ${iouThreshold}`);
    if (!(Number.isInteger(intraOpThreads) && intraOpThreads >= 1)) {
      throw new RangeError(`intraOpThreads must be a positive integer, got ${intraOpThreads}`);
    }

    // Check the file ourselves: onnxruntime's messages do not say which setting was wrong.
    try {
      const info = await stat(modelPath);
      if (!info.isFile()) throw new DetectorModelError(modelPath, `Model path "${modelPath}" is not a file`);
      await access(modelPath, fsConstants.R_OK);
    } catch (err) {
      if (err instanceof DetectorModelError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(err);
      throw new DetectorModelError(modelPath, `Cannot read model "${modelPath}": ${why}`);
    }

    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        executionProviders: ['cpu'],
        intraOpNumThreads: intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new DetectorModelError(modelPath, `Cannot load "${modelPath}" as an ONNX model (${detail})`);
    }

    try {
      const { inputName, outputName, size } = validateYoloV8(modelPath, session);
      return new PersonDetector(modelPath, session, inputName, outputName, size, confidence, iouThreshold, maxDetections);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Detect people in a letterboxed frame; boxes come back in original frame pixels. */
  async detect(image: LetterboxedImage): Promise<PersonDetection[]> {
    // The input buffer is shared between calls: overlapping calls would overwrite each other's pixels.
    if (this.busy) throw new Error('PersonDetector.detect(): previous call still running; await it first');
    this.busy = true;
    try {
      return await this.detectOnce(image);
    } finally {
      this.busy = false;
    }
  }

  private async detectOnce(image: LetterboxedImage): Promise<PersonDetection[]> {
    const size = this.inputSize;
    const pixels = size * size;
    if (image.rgb.length !== pixels * 3) {
      throw new RangeError(`detect: expected a ${size}×${size} RGB24 image (${pixels * 3} bytes), got ${image.rgb.length} bytes`);
    }
    // HWC uint8 → CHW float 0..1, in place in the reused tensor buffer.
    const rgb = image.rgb;
    const input = this.input;
    const inv = 1 / 255;
    for (let p = 0, s = 0; p < pixels; p++, s += 3) {
      input[p] = rgb[s]! * inv;
      input[pixels + p] = rgb[s + 1]! * inv;
      input[2 * pixels + p] = rgb[s + 2]! * inv;
    }

    const started = performance.now();
    const results = await this.session.run({ [this.inputName]: this.inputTensor });
    this.lastInferenceMs = performance.now() - started;

    const output = results[this.outputName]!;
    try {
      const dims = output.dims;
      if (dims.length !== 3 || dims[1] !== YOLOV8_CHANNELS) {
        throw new Error(`detect: model returned [${dims.join(',')}], expected [1,${YOLOV8_CHANNELS},N]`);
      }
      const candidates = decodeYoloV8Output(output.data as Float32Array, dims[2]!, this.confidence);
      const kept = nonMaxSuppression(candidates, this.iouThreshold, this.maxDetections);
      const detections: PersonDetection[] = [];
      for (const { box, score } of kept) {
        const mapped = letterboxBoxToFrame(box, image.letterbox, image.width, image.height);
        // A box entirely in the padding collapses to zero area after clipping.
        if (mapped[2] - mapped[0] < 1 || mapped[3] - mapped[1] < 1) continue;
        detections.push({ box: mapped, score });
      }
      return detections;
    } finally {
      output.dispose();
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
