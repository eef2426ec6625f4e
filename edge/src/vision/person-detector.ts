// Person detection with a user-supplied ONNX model on onnxruntime (CPU): a YOLOv8 detect head ([1,84,N], the
// default) or a YOLOX head ([1,N,85] raw grid outputs, `format: 'yolox'`; YOLOX is Apache-2.0, a licence-friendly
// alternative to the AGPL Ultralytics weights). The product ships no weights: the model is validated against the
// chosen format at load time so a wrong file fails loudly at start-up instead of producing garbage detections.
import { stat, access, constants as fsConstants } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { letterboxBoxToFrame } from './detection.ts';
import type { Letterbox, LetterboxedImage, PersonDetection } from './detection.ts';

/** YOLOv8 detect head: cx, cy, w, h + 80 COCO class scores. */
const YOLOV8_BOX_CHANNELS = 4;
const COCO_CLASSES = 80;
const YOLOV8_CHANNELS = YOLOV8_BOX_CHANNELS + COCO_CLASSES;
const PERSON_CLASS = 0;
/** YOLOX head: cx, cy, w, h (grid-relative, raw) + objectness + 80 COCO class scores (both sigmoided). */
const YOLOX_CHANNELS = 5 + COCO_CLASSES;
const YOLOX_STRIDES = [8, 16, 32] as const;
/** YOLOX pads with gray 114 too, but at the right and bottom (yolox/data/data_augment.py `preproc`). */
const YOLOX_PAD_VALUE = 114;

/** Output layout of the model file. Same values as the edge config's `detector.format`. */
export type DetectorFormat = 'yolov8' | 'yolox';
const FORMATS: readonly DetectorFormat[] = ['yolov8', 'yolox'];

export interface PersonDetectorOptions {
  /** Model output layout (default 'yolov8'). */
  format?: DetectorFormat;
  /** onnxruntime intra-op threads (default 1: the edge box also decodes video). */
  intraOpThreads?: number;
  /** Minimum person score (default 0.35). */
  confidence?: number;
  /** IoU above which a lower-scoring box is suppressed (default 0.45). */
  iouThreshold?: number;
  /** Cap on boxes returned per frame (default 300, as Ultralytics). */
  maxDetections?: number;
}

/** A model file that is missing, unreadable, not ONNX, or not a detector of the chosen format. */
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
export function decodeYoloV8Output(data: Float32Array, anchors: number, confidence: number, classIndex = PERSON_CLASS, channels = YOLOV8_CHANNELS): ModelBox[] {
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

/** Anchors of a YOLOX head for a square input: one per grid cell at strides 8, 16, 32 (3549 for 416, 8400 for 640). */
export function yoloxAnchorCount(inputSize: number): number {
  return YOLOX_STRIDES.reduce((sum, stride) => sum + (inputSize / stride) ** 2, 0);
}

/**
 * Decode a YOLOX [1, N, 85] output (anchor-major: data[i * 85 + c]) into boxes of one class whose
 * score = objectness × class score reaches `confidence`. Boxes are in model-input pixels.
 *
 * As YOLOX's `demo_postprocess`: anchors run over strides 8, 16, 32, each grid row-major (y outer, x inner);
 * cx,cy = (raw + grid cell) × stride, w,h = exp(raw) × stride. Objectness and class scores are used as they are:
 * YOLOX's head applies the sigmoid at inference and tools/export_onnx.py exports that head. Boxes stay raw unless
 * the model was exported with --decode_in_inference, which `checkYoloxRawOutput` refuses at load.
 */
export function decodeYoloxOutput(data: Float32Array, inputSize: number, confidence: number, classIndex = PERSON_CLASS): ModelBox[] {
  if (!(Number.isInteger(inputSize) && inputSize > 0 && inputSize % 32 === 0)) {
    throw new RangeError(`decodeYoloxOutput: input size ${inputSize} is not a positive multiple of 32`);
  }
  if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < COCO_CLASSES)) {
    throw new RangeError(`decodeYoloxOutput: class index ${classIndex} is not in 0..${COCO_CLASSES - 1}`);
  }
  const anchors = yoloxAnchorCount(inputSize);
  if (data.length < YOLOX_CHANNELS * anchors) {
    throw new RangeError(`decodeYoloxOutput: ${data.length} values, expected ${anchors}×${YOLOX_CHANNELS} for a ${inputSize} input`);
  }
  const classOffset = 5 + classIndex;
  const out: ModelBox[] = [];
  let o = 0; // offset of the current anchor's row
  for (const stride of YOLOX_STRIDES) {
    const cells = inputSize / stride;
    for (let gy = 0; gy < cells; gy++) {
      for (let gx = 0; gx < cells; gx++, o += YOLOX_CHANNELS) {
        const objectness = data[o + 4]!;
        if (objectness < confidence) continue; // class scores are ≤ 1, so the product cannot reach it either
        const score = objectness * data[o + classOffset]!;
        if (score < confidence) continue;
        const cx = (data[o]! + gx) * stride;
        const cy = (data[o + 1]! + gy) * stride;
        const halfW = (Math.exp(data[o + 2]!) * stride) / 2;
        const halfH = (Math.exp(data[o + 3]!) * stride) / 2;
        out.push({ box: [cx - halfW, cy - halfH, cx + halfW, cy + halfH], score });
      }
    }
  }
  return out;
}

/**
 * Check a YOLOX output (from a probe run at load) for the two export variants that share the [1,N,85] shape but
 * would decode to garbage: scores that are logits (no sigmoid) and boxes already decoded to pixels
 * (--decode_in_inference). Returns what is wrong, or null. Raw grid offsets stay within a few cells of 0;
 * decoded centres average about half the input size.
 */
export function checkYoloxRawOutput(data: Float32Array, inputSize: number): string | null {
  const anchors = yoloxAnchorCount(inputSize);
  let sumAbsCentre = 0;
  for (let i = 0, o = 0; i < anchors; i++, o += YOLOX_CHANNELS) {
    for (let c = 0; c < YOLOX_CHANNELS; c++) {
      const v = data[o + c]!;
      if (!Number.isFinite(v)) return `it output a non-finite value (${v}) at anchor ${i}, channel ${c}`;
      if (c >= 4 && (v < -1e-4 || v > 1 + 1e-4)) {
        return (
          `its objectness/class scores are not probabilities (${v.toPrecision(4)} at anchor ${i}, channel ${c}): ` +
          'expected the YOLOX inference head, which applies the sigmoid'
        );
      }
    }
    sumAbsCentre += Math.abs(data[o]!) + Math.abs(data[o + 1]!);
  }
  const meanCentre = sumAbsCentre / (2 * anchors);
  if (meanCentre > inputSize / 8) {
    return (
      `its box centres look already decoded to pixels (mean |cx|,|cy| = ${meanCentre.toFixed(1)} on a ${inputSize} input, ` +
      'raw grid offsets are near 0): export it without --decode_in_inference'
    );
  }
  return null;
}

export function intersectionOverUnion(a: readonly [number, number, number, number], b: readonly [number, number, number, number]): number {
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

interface ValidatedModel {
  inputName: string;
  outputName: string;
  size: number;
}

/** What a wrong output shape looks like, for the refusal message: points at the other format when it fits. */
function outputShapeHint(shape: readonly (number | string)[], size: number, format: DetectorFormat): string {
  if (shape.length !== 3) return '';
  const [, second, third] = shape;
  const grid = size % 32 === 0 ? yoloxAnchorCount(size) : NaN;
  if (format === 'yolox' && second === YOLOV8_CHANNELS) return ' (this looks like a YOLOv8 model: set detector.format: yolov8)';
  if (third !== YOLOX_CHANNELS) {
    return format === 'yolox' && typeof third === 'number'
      ? ` (expected ${YOLOX_CHANNELS} values per anchor: 4 box + objectness + ${COCO_CLASSES} COCO class scores)`
      : '';
  }
  if (second === 3 * grid) return ' (this looks like an anchor-based YOLOv5/YOLOv7 head, 3 anchors per cell, which is not supported)';
  if (second === grid + (size / 64) ** 2) return ' (this looks like a YOLOX-P6 head with a stride-64 level, which is not supported)';
  if (format === 'yolov8') {
    return second === grid
      ? ' (this looks like a YOLOX model: set detector.format: yolox)'
      : ' (this looks like a YOLOX/YOLOv5 [1,N,85] head; if it is YOLOX, set detector.format: yolox)';
  }
  return Number.isFinite(grid) ? ` (expected N = ${grid} for a ${size}×${size} input)` : '';
}

/** Accept exactly the layout of the chosen format; return the tensor names and the square input size. */
function validateModel(modelPath: string, session: ort.InferenceSession, format: DetectorFormat): ValidatedModel {
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
  const found = `found inputs ${inputs.map(describeShape).join(', ') || 'none'}; outputs ${outputs.map(describeShape).join(', ') || 'none'}`;
  let size = NaN; // known once the input passes
  const expected = () =>
    format === 'yolov8'
      ? `Expected input "images" float32 [1,3,S,S] (static, square) and one output float32 [1,${YOLOV8_CHANNELS},N] ` +
        `(cx,cy,w,h + ${COCO_CLASSES} COCO class scores, person = class 0)`
      : `Expected input "images" float32 [1,3,S,S] (static, square, S a multiple of 32) and one output float32 ` +
        `[1,N,${YOLOX_CHANNELS}] with N = (S/8)²+(S/16)²+(S/32)²` +
        (Number.isFinite(size) && size % 32 === 0 ? ` = ${yoloxAnchorCount(size)} for S=${size}` : ' (3549 for S=416)') +
        ` (raw cx,cy,w,h grid outputs + objectness + ${COCO_CLASSES} COCO class scores, person = class 0, ` +
        'as YOLOX tools/export_onnx.py exports it)';
  const refuse = (why: string) =>
    new DetectorModelError(
      modelPath,
      `Model "${modelPath}" is not a supported ${format === 'yolov8' ? 'YOLOv8' : 'YOLOX'} person detector: ${why}. ` + `${expected()}; ${found}.`,
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
  if (format === 'yolox' && h % 32 !== 0) throw refuse(`input size ${h} is not a multiple of 32`);
  size = h;

  if (outputs.length < 1) throw refuse('it has no output');
  const output = outputs[0]!;
  if (!output.isTensor || output.type !== 'float32') throw refuse('the output is not a float32 tensor');
  const [ob, second, third] = output.shape;
  const batchOutOk = output.shape.length === 3 && (ob === 1 || typeof ob === 'string');
  const outOk =
    format === 'yolov8'
      ? batchOutOk && second === YOLOV8_CHANNELS && third !== 0
      : batchOutOk && third === YOLOX_CHANNELS && (second === yoloxAnchorCount(size) || typeof second === 'string');
  if (!outOk) throw refuse(`output shape is [${output.shape.join(',')}]${outputShapeHint(output.shape, size, format)}`);
  return { inputName: input.name, outputName: output.name, size };
}

/**
 * Run a YOLOX model once on a gray picture and refuse it when its [1,N,85] output is not the raw grid layout
 * (scores as logits, or boxes already decoded): the shape alone cannot tell, and either would decode to garbage.
 */
async function probeYolox(modelPath: string, session: ort.InferenceSession, inputName: string, outputName: string, size: number) {
  const gray = new ort.Tensor('float32', new Float32Array(3 * size * size).fill(YOLOX_PAD_VALUE), [1, 3, size, size]);
  let results: ort.InferenceSession.OnnxValueMapType;
  try {
    results = await session.run({ [inputName]: gray });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DetectorModelError(modelPath, `Model "${modelPath}" failed a test run on a ${size}×${size} picture (${detail})`);
  }
  const output = results[outputName]!;
  try {
    const dims = output.dims;
    const anchors = yoloxAnchorCount(size);
    const problem =
      dims.length === 3 && dims[1] === anchors && dims[2] === YOLOX_CHANNELS
        ? checkYoloxRawOutput(output.data as Float32Array, size)
        : `a test run returned [${dims.join(',')}], not [1,${anchors},${YOLOX_CHANNELS}]`;
    if (problem) {
      throw new DetectorModelError(
        modelPath,
        `Model "${modelPath}" is not a supported YOLOX person detector: ${problem}. ` +
          'Expected the raw head output of YOLOX tools/export_onnx.py (grid offsets, log sizes, sigmoided scores).',
      );
    }
  } finally {
    output.dispose();
  }
}

/**
 * Fill a YOLOX input from a letterboxed frame: CHW float32, BGR, 0–255 (no normalisation), picture at the top-left
 * and gray 114 at the right and bottom, as YOLOX's `preproc` (cv2 BGR images) which the model was trained with.
 * The frame source centres the picture (YOLOv8 convention), so it is shifted here. Returns the letterbox that maps
 * model pixels back to the frame.
 */
export function fillYoloxInput(image: LetterboxedImage, size: number, out: Float32Array): Letterbox {
  const pixels = size * size;
  if (image.rgb.length !== pixels * 3 || out.length !== pixels * 3) {
    throw new RangeError(`fillYoloxInput: expected ${size}×${size} RGB24 in and ${pixels * 3} floats out`);
  }
  const shiftX = Math.round(image.letterbox.padX);
  const shiftY = Math.round(image.letterbox.padY);
  if (!(shiftX >= 0 && shiftY >= 0 && shiftX < size && shiftY < size)) {
    throw new RangeError(`fillYoloxInput: padding ${image.letterbox.padX},${image.letterbox.padY} outside a ${size} input`);
  }
  out.fill(YOLOX_PAD_VALUE);
  const rgb = image.rgb;
  const cols = size - shiftX;
  for (let y = 0; y < size - shiftY; y++) {
    for (let x = 0, p = y * size, s = ((y + shiftY) * size + shiftX) * 3; x < cols; x++, p++, s += 3) {
      out[p] = rgb[s + 2]!; // B
      out[pixels + p] = rgb[s + 1]!; // G
      out[2 * pixels + p] = rgb[s]!; // R
    }
  }
  return { scale: image.letterbox.scale, padX: image.letterbox.padX - shiftX, padY: image.letterbox.padY - shiftY };
}

/** The model as checked at load: its format, square input size and tensor names, and where it runs. */
export interface ModelInfo {
  format: DetectorFormat;
  size: number;
  inputName: string;
  outputName: string;
  /** The execution provider the session runs on (cpu unless an accelerator was asked for and found). */
  provider: string;
}

/** One run's raw output. */
export interface ModelOutput {
  data: Float32Array;
  dims: readonly number[];
  /** Milliseconds of session.run itself. */
  inferenceMs: number;
}

/**
 * Runs the model on an input the detector filled: the camera's own session (LocalModelRunner) or the box's shared
 * inference service (shared-detector.ts). Pre- and post-processing stay in PersonDetector either way.
 */
export interface ModelRunner {
  readonly info: ModelInfo;
  /** The buffer to fill before run(): 3·S·S floats, CHW. A runner may hand out a new one after each run. */
  readonly input: Float32Array;
  /** Runs on `input`; `use` reads the output before it is released. */
  run<T>(use: (output: ModelOutput) => T): Promise<T>;
  release(): Promise<void>;
}

export interface SessionOptions {
  format?: DetectorFormat;
  intraOpThreads?: number;
  /** onnxruntime execution providers in order of preference (default ['cpu']). */
  executionProviders?: readonly string[];
}

/**
 * Opens the model file as an onnxruntime session and checks it is a detector of the chosen format (refused with a
 * DetectorModelError naming what was expected and what the file has).
 */
export async function openModelSession(modelPath: string, options: SessionOptions = {}): Promise<{ session: ort.InferenceSession; info: ModelInfo }> {
  const format = options.format ?? 'yolov8';
  if (!FORMATS.includes(format)) throw new RangeError(`format must be one of ${FORMATS.join(', ')}, got ${String(format)}`);
  const intraOpThreads = options.intraOpThreads ?? 1;
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

  const providers = options.executionProviders ?? ['cpu'];
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: [...providers],
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // onnxruntime's pool threads otherwise spin between runs, taking CPU the cameras' decoding needs.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DetectorModelError(modelPath, `Cannot load "${modelPath}" as an ONNX model (${detail})`);
  }

  try {
    const { inputName, outputName, size } = validateModel(modelPath, session, format);
    if (format === 'yolox') await probeYolox(modelPath, session, inputName, outputName, size);
    return { session, info: { format, size, inputName, outputName, provider: providers[0] ?? 'cpu' } };
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** The camera's own onnxruntime session. */
export class LocalModelRunner implements ModelRunner {
  readonly input: Float32Array;
  private readonly tensor: ort.Tensor;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
  ) {
    // One buffer for the whole life of the detector: a 640 input is 4.9 MB per frame otherwise.
    this.input = new Float32Array(3 * info.size * info.size);
    this.tensor = new ort.Tensor('float32', this.input, [1, 3, info.size, info.size]);
  }

  async run<T>(use: (output: ModelOutput) => T): Promise<T> {
    const started = performance.now();
    const results = await this.session.run({ [this.info.inputName]: this.tensor });
    const inferenceMs = performance.now() - started;
    const output = results[this.info.outputName]!;
    try {
      return use({ data: output.data as Float32Array, dims: output.dims, inferenceMs });
    } finally {
      output.dispose();
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export class PersonDetector {
  private lastInferenceMs = 0;
  readonly inputSize: number;
  readonly format: DetectorFormat;
  private busy = false;

  private constructor(
    private readonly runner: ModelRunner,
    private readonly confidence: number,
    private readonly iouThreshold: number,
    private readonly maxDetections: number,
  ) {
    this.inputSize = runner.info.size;
    this.format = runner.info.format;
  }

  /** Wall-clock milliseconds of the last session.run (excludes pre/post-processing). */
  get inferenceMs(): number {
    return this.lastInferenceMs;
  }

  /** Where the model runs (onnxruntime execution provider). */
  get provider(): string {
    return this.runner.info.provider;
  }

  static async load(modelPath: string, options: PersonDetectorOptions & Pick<SessionOptions, 'executionProviders'> = {}): Promise<PersonDetector> {
    const thresholds = checkedThresholds(options);
    const { session, info } = await openModelSession(modelPath, options);
    return new PersonDetector(new LocalModelRunner(session, info), ...thresholds);
  }

  /** A detector whose model runs elsewhere (the box's shared inference service). */
  static withRunner(runner: ModelRunner, options: Omit<PersonDetectorOptions, 'format' | 'intraOpThreads'> = {}): PersonDetector {
    return new PersonDetector(runner, ...checkedThresholds(options));
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
    let letterbox = image.letterbox;
    const input = this.runner.input;
    if (this.format === 'yolox') {
      letterbox = fillYoloxInput(image, size, input);
    } else {
      // HWC uint8 → CHW float 0..1, in place in the reused tensor buffer.
      const rgb = image.rgb;
      const inv = 1 / 255;
      for (let p = 0, s = 0; p < pixels; p++, s += 3) {
        input[p] = rgb[s]! * inv;
        input[pixels + p] = rgb[s + 1]! * inv;
        input[2 * pixels + p] = rgb[s + 2]! * inv;
      }
    }

    const candidates = await this.runner.run(({ data, dims, inferenceMs }) => {
      this.lastInferenceMs = inferenceMs;
      if (this.format === 'yolox') {
        const anchors = yoloxAnchorCount(size);
        if (dims.length !== 3 || dims[1] !== anchors || dims[2] !== YOLOX_CHANNELS) {
          throw new Error(`detect: model returned [${dims.join(',')}], expected [1,${anchors},${YOLOX_CHANNELS}]`);
        }
        return decodeYoloxOutput(data, size, this.confidence);
      }
      if (dims.length !== 3 || dims[1] !== YOLOV8_CHANNELS) {
        throw new Error(`detect: model returned [${dims.join(',')}], expected [1,${YOLOV8_CHANNELS},N]`);
      }
      return decodeYoloV8Output(data, dims[2]!, this.confidence);
    });
    const kept = nonMaxSuppression(candidates, this.iouThreshold, this.maxDetections);
    const detections: PersonDetection[] = [];
    for (const { box, score } of kept) {
      const mapped = letterboxBoxToFrame(box, letterbox, image.width, image.height);
      // A box entirely in the padding collapses to zero area after clipping.
      if (mapped[2] - mapped[0] < 1 || mapped[3] - mapped[1] < 1) continue;
      detections.push({ box: mapped, score });
    }
    return detections;
  }

  async release(): Promise<void> {
    await this.runner.release();
  }
}

/** Confidence, IoU threshold and box cap, checked (the defaults: 0.35, 0.45, 300). */
function checkedThresholds(options: PersonDetectorOptions): [number, number, number] {
  const confidence = options.confidence ?? 0.35;
  const iouThreshold = options.iouThreshold ?? 0.45;
  if (!(confidence >= 0 && confidence <= 1)) throw new RangeError(`confidence must be in [0,1], got ${confidence}`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`iouThreshold must be in [0,1], got ${iouThreshold}`);
  return [confidence, iouThreshold, options.maxDetections ?? 300];
}
