// npm run eval:edge [-- options]: accuracy of the edge vision on every ground-truth sequence in
// ../shared/sequences (MOTChallenge layout; video <name>.mp4 beside each directory or inside it; symlinked
// directories are followed).
//
// Geometry: one file per sequence, <seqdir>/wink-geometry.json or bench/sequences/<name>.json (several lines,
// each with its own inside side, door-like lines at the frame edges, and zones; format in
// edge/src/eval/sequence-geometry.ts). A sequence without one is skipped with a message; an invalid one stops
// the run with the field named.
//
// Per sequence and frame rate (5 fps and the video's own rate): ONE detection pass (cached on disk), one
// replay of the pipeline's tracker and foot estimator, then the pipeline's own rules (buildCameraRules) on
// every line in every counting setting (late / each_crossing, door auto on/off, margin 0/10 px). One real
// pipeline run per sequence and rate, in the product's default setting on the first line, proves that the
// replay gives the pipeline's counts (pipe=comp). The truth: the same rules on the ground-truth tracks at the
// full rate, one net count per passage, door band on door-like lines (sequence-eval.ts truthSetup).
//
// Options:
//   --fps 5,source       frame rates to analyse ("source" = the video's own rate)
//   --confidence N --lost-buffer N --lost-buffer-ms N --match-thresh N --tracker-fps N --confirm-frames N
//   --appearance-weight W --appearance-gate D
//                        the tracker's appearance cue (vision/appearance.ts): stage-one cost + W × colour distance,
//                        and/or no stage-one match further apart than D (the detections then carry colours; their
//                        cache is kept apart from the plain one)
//   --tune-appearance    grid of appearance weights and gates over ALL sequences and rates (id switches, IDF1,
//                        line errors, zone visits, tracker ms per frame with and without)
//   --oru 0|1 --ocm W --ocr MAXCOST --birth-margin N|off --first-frame 0|1 --birth-containment S
//                        another tracker/detector setting instead of the product default (ORU, OCM weight,
//                        door birth threshold = confidence − N; off: no birth region at the door; tracks born on
//                        the first frame confirmed at once, as the reference ByteTrack; no birth from a box whose
//                        share S or more lies inside a visible track's box)
//   --tune-birth         grid of how tracks are born (first frame, door birth threshold, part-of-a-visible-person
//                        check) over ALL sequences and rates
//   --reid-gate D --reid-reach H --reid-max-lost MS
//                        re-identify lost tracks beyond overlap (tracker.ts reidGate/reidReach/reidMaxLostMs)
//   --tune-reid          grid of re-identifying lost tracks beyond overlap (appearance gate × reach × time lost;
//                        never a track lost in a door line's door band) over ALL sequences and rates
//   --threads N          onnxruntime threads (default 2)
//   --model FILE --format yolov8|yolox --input-size N
//                        another detector (default ../shared/models/yolov8n_int8.onnx, yolov8, 640); the model's
//                        input is fixed in the file, --input-size only checks it. Mean inference ms per frame is
//                        shown when the detections are computed (not on a cache hit: add --no-cache to time them)
//   --no-pipeline        skip the real pipeline runs (replay only: no second decode + detection pass)
//   --cache-dir DIR      detection cache (default $TMPDIR/wink-eval-cache; --no-cache to recompute)
//   --only NAME[,NAME]   only these sequences
//   --tune               grid search of detector confidence and tracker settings over ALL sequences and rates
//                        (one detection pass; scored by line errors, zone visit errors and id switches)
//   --sweep              vertical line sweep at the source rate
//   --quiet-s N          seconds of still view (the clip's first picture with sensor noise) before each clip, at the
//                        first numeric rate, for the motion gating table (default 20; 0: none)
//   --motion-grid        also compare a grid of motion gating settings (how the defaults were chosen)
//   --no-motion          skip the motion gating tables (and their extra decode pass)
// Runs under Deno: deno run --allow-all bench/edge.eval.ts
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { groundTruthCounts, relativeError, zoneFigures, type CountSummary } from '../edge/src/eval/ground-truth-counts.ts';
import { evaluateTracking } from '../edge/src/eval/mot-metrics.ts';
import {
  DEFAULT_EVAL_SETTINGS,
  EVAL_MODEL,
  MissingGeometryError,
  SHARED_DIR,
  TUNED_EVAL_SETTINGS,
  detectSequence,
  evalCamera,
  gtOnFrames,
  pipelineTrackerOptions,
  replayRules,
  runPipeline,
  trackDetections,
  trackFeet,
  truthSetup,
  truthCamera,
  truthCounts,
  loadSequence,
  type EvalSettings,
  type GroundTruthSequence,
} from '../edge/src/eval/sequence-eval.ts';
import { listSequenceDirs, type CountingLine } from '../edge/src/eval/sequence-geometry.ts';
import { EVAL_SWEEP, scoreOnGeometries } from '../edge/src/eval/tuning-grid.ts';
import { DOOR_BIRTH_MARGIN, entranceDoorRegion } from '../edge/src/vision/camera-vision-pipeline.ts';
import type { TrackerOptions } from '../edge/src/vision/tracker.ts';
import { DEFAULT_ENTRANCE_COUNTING, DEFAULT_ENTRANCE_MARGIN_PX, type CountingMode } from '../edge/src/rules/entrance-line.ts';
import type { CameraConfig } from '../edge/src/runtime/config.ts';
import { motionComparisonRows, motionGrid, motionGridRows, motionThumbnails, quietStretch, type MotionEntry } from '../edge/src/eval/motion-eval.ts';
import { DEFAULT_MOTION, MOTION_OFF } from '../edge/src/vision/motion-gate.ts';

const { values: args } = parseArgs({
  options: {
    fps: { type: 'string', default: '5,source' },
    confidence: { type: 'string' },
    'lost-buffer': { type: 'string' },
    'lost-buffer-ms': { type: 'string' },
    oru: { type: 'string' },
    'appearance-weight': { type: 'string' },
    'appearance-gate': { type: 'string' },
    'tune-appearance': { type: 'boolean', default: false },
    'tune-birth': { type: 'boolean', default: false },
    'tune-reid': { type: 'boolean', default: false },
    'reid-gate': { type: 'string' },
    'reid-reach': { type: 'string' },
    'reid-max-lost': { type: 'string' },
    'first-frame': { type: 'string' },
    'birth-containment': { type: 'string' },
    ocm: { type: 'string' },
    ocr: { type: 'string' },
    'birth-margin': { type: 'string' },
    'match-thresh': { type: 'string' },
    'tracker-fps': { type: 'string' },
    'confirm-frames': { type: 'string' },
    threads: { type: 'string', default: '2' },
    model: { type: 'string' },
    format: { type: 'string' },
    'input-size': { type: 'string' },
    'no-pipeline': { type: 'boolean', default: false },
    'cache-dir': { type: 'string', default: path.join(os.tmpdir(), 'wink-eval-cache') },
    'no-cache': { type: 'boolean', default: false },
    only: { type: 'string' },
    tune: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
    'quiet-s': { type: 'string', default: '20' },
    'motion-grid': { type: 'boolean', default: false },
    'no-motion': { type: 'boolean', default: false },
  },
});

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = load();
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

const sequencesDir = path.join(SHARED_DIR, 'sequences');
const model = args.model ? path.resolve(args.model) : EVAL_MODEL;
if (args.model && !existsSync(model)) throw new Error(`--model ${args.model}: file not found`);
if (args.format !== undefined && args.format !== 'yolov8' && args.format !== 'yolox') throw new Error(`--format must be yolov8 or yolox, got ${args.format}`);
if (!existsSync(model) || !existsSync(sequencesDir)) {
  console.log(`eval:edge skipped: ${existsSync(model) ? sequencesDir : model} not found (../shared is not on this machine)`);
  process.exit(0);
}
const only = args.only ? new Set(args.only.split(',')) : null;
const sequences: GroundTruthSequence[] = [];
/** Sequences found but not measured (no geometry file, no video): listed again under the tables. */
const refused: string[] = [];
for (const dir of listSequenceDirs(sequencesDir)) {
  if (only && !only.has(path.basename(dir))) continue;
  try {
    const seq = loadSequence(dir);
    if (!existsSync(seq.video)) refused.push(`${seq.info.name}: skipped, no video (${seq.video})`);
    else sequences.push(seq);
  } catch (err) {
    if (err instanceof MissingGeometryError) refused.push(err.message);
    else throw err; // an invalid geometry file: fix it (the message names the field)
  }
}
for (const r of refused) console.log(r);
if (sequences.length === 0) {
  console.log(`eval:edge: no sequence with gt/gt.txt, a video and a geometry file in ${sequencesDir}`);
  process.exit(0);
}

const threads = Number(args.threads);
const num = (k: keyof typeof args) => (args[k] === undefined ? undefined : Number(args[k]));
const customTracker: Partial<TrackerOptions> = Object.fromEntries(
  Object.entries({
    lostBufferFrames: num('lost-buffer'),
    lostBufferMs: num('lost-buffer-ms'),
    matchThresh: num('match-thresh'),
    fps: num('tracker-fps'),
    observationCentricReupdate: args.oru === undefined ? undefined : args.oru === '1',
    directionWeight: num('ocm'),
    recoveryMatchThresh: num('ocr'),
    appearanceWeight: num('appearance-weight'),
    appearanceGate: num('appearance-gate'),
    confirmFirstFrame: args['first-frame'] === undefined ? undefined : args['first-frame'] === '1',
    birthMaxContainment: num('birth-containment'),
    reidGate: num('reid-gate'),
    reidReach: num('reid-reach'),
    reidMaxLostMs: num('reid-max-lost'),
  }).filter(([, v]) => v !== undefined),
);
/** The door birth threshold as the pipeline sets it (confidence − margin), another margin, or none ('off'). */
const birthMargin: number | null =
  args['birth-margin'] === undefined ? DOOR_BIRTH_MARGIN : args['birth-margin'] === 'off' ? null : Number(args['birth-margin']);
const withBirth = (s: EvalSettings, margin: number | null): EvalSettings => {
  const { birthRegions: _regions, birthThreshLow: _thresh, ...tracker } = s.tracker ?? {};
  // With a threshold and no regions, the pipeline makes each line's door region the birth region (trackerOptionsFor).
  return { ...s, tracker: { ...tracker, ...(margin === null ? { birthRegions: [] } : { birthThreshLow: Math.max(0.1, s.confidence - margin) }) } };
};
const base: EvalSettings = {
  ...TUNED_EVAL_SETTINGS,
  model,
  ...(args.format ? { format: args.format as 'yolov8' | 'yolox' } : {}),
  ...(num('input-size') !== undefined ? { inputSize: num('input-size') } : {}),
  threads,
  confidence: num('confidence') ?? TUNED_EVAL_SETTINGS.confidence,
  ...(Object.keys(customTracker).length ? { tracker: customTracker } : {}),
  ...(num('confirm-frames') !== undefined ? { confirmFrames: num('confirm-frames') } : {}),
  ...(args['tune-appearance'] ? { appearance: true } : {}),
};
Object.assign(base, withBirth(base, birthMargin));

/** The counting settings compared on every line (the rules only: no extra detection). */
interface Variant {
  label: string;
  mode: CountingMode;
  /**
   * entrance_door: not set (the product's default: auto on lines along a frame edge), none on every line, auto on
   * every line, or auto only on the geometry's door-like lines (what an installer would set).
   */
  door: 'default' | 'none' | 'all' | 'door lines';
  marginPx: number;
}
const VARIANTS: Variant[] = [
  { label: 'late, door at frame edges', mode: 'late', door: 'default', marginPx: 0 },
  { label: 'late, no door', mode: 'late', door: 'none', marginPx: 0 },
  { label: 'late +door (door lines)', mode: 'late', door: 'door lines', marginPx: 0 },
  { label: 'late +door (all lines)', mode: 'late', door: 'all', marginPx: 0 },
  { label: 'late m10', mode: 'late', door: 'none', marginPx: 10 },
  { label: 'late +door (door lines) m10', mode: 'late', door: 'door lines', marginPx: 10 },
  { label: 'each_crossing', mode: 'each_crossing', door: 'none', marginPx: 0 },
  { label: 'each_crossing m10', mode: 'each_crossing', door: 'none', marginPx: 10 },
];
const settingsOf = (v: Variant, line?: CountingLine): EvalSettings => ({
  ...base,
  countingMode: v.mode,
  marginPx: v.marginPx,
  ...(v.door === 'default' ? {} : { door: v.door === 'all' || (v.door === 'door lines' && line?.door) ? ('auto' as const) : ('none' as const) }),
});
/** The config defaults (entrance_door not set: derived from where the line lies). */
const PRODUCT_DEFAULT: Variant = { label: 'product default', mode: DEFAULT_ENTRANCE_COUNTING, door: 'default', marginPx: DEFAULT_ENTRANCE_MARGIN_PX };
const isDefault = (v: Variant) => v.mode === PRODUCT_DEFAULT.mode && v.door === PRODUCT_DEFAULT.door && v.marginPx === PRODUCT_DEFAULT.marginPx;

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}` : x === Infinity ? '∞' : '–');
const fix = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const rateLabel = (r: number | 'source', seq: GroundTruthSequence) => (r === 'source' ? `${seq.info.fps} (source)` : String(r));
const rates: Array<number | 'source'> = args.fps.split(',').map((r) => (r.trim() === 'source' ? 'source' : Number(r)));

interface LineResult {
  seq: string;
  rate: string;
  line: string;
  door: boolean;
  variant: string;
  trueIn: number;
  trueOut: number;
  in: number;
  out: number;
}
interface SeqRateResult {
  seq: string;
  rate: string;
  /** 'source' or the number. */
  rateKey: string;
  frames: number;
  mota: number;
  idf1: number;
  idsw: number;
  trueVisits: number;
  visits: number;
  trueDwellTotal: number;
  dwellTotal: number;
  pipeEqualsComp: string;
  pipelineFps: string;
  /** Mean ms of session.run per frame, or 'cached'. */
  inferenceMs: string;
}
const motionEntries: MotionEntry[] = [];
/** Gated real pipeline against the gated replay, per sequence and rate. */
const motionPipeRows: Array<Record<string, string>> = [];
const firstNumericRate = rates.find((r) => r !== 'source');
const lineResults: LineResult[] = [];
/** Time spent reading detections' colours (appearance cue), when the detections were computed in this run. */
const appearanceCost = { ms: 0, boxes: 0, frames: 0, inferenceMs: 0 };
const seqResults: SeqRateResult[] = [];
const sweepRows: Array<Record<string, string>> = [];

function zoneTotals(summary: CountSummary): { visits: number; dwell: number } {
  return { visits: summary.visits.length, dwell: summary.visits.reduce((s, v) => s + v.dwellSeconds, 0) };
}
const onlyEntrance = (c: CameraConfig): CameraConfig => ({ ...c, capabilities: ['entrance'] });
const onlyZones = (c: CameraConfig): CameraConfig => ({ ...c, capabilities: ['zones'] });
const sameCounts = (a: CountSummary, b: CountSummary) =>
  a.in === b.in && a.out === b.out && a.visits.length === b.visits.length && Math.abs(zoneTotals(a).dwell - zoneTotals(b).dwell) < 1e-6;

console.log(
  `eval:edge: ${sequences.length} sequences, rates ${args.fps}, ${VARIANTS.length} counting settings; detector ${path.basename(base.model)} (${base.format ?? 'yolov8'}), ${threads} threads; tracker/detector ${JSON.stringify(pipelineTrackerOptions(base, 5))} at 5 fps, door birth margin ${birthMargin ?? 'off'}; load ${loadAtStart} (1/5/15 min) on ${os.cpus().length} cores`,
);
/** Every sequence and rate's detections, kept for --tune. */
const detected: Array<{ seq: GroundTruthSequence; rate: string; fps: number; detections: Awaited<ReturnType<typeof detectSequence>> }> = [];
/** The pipeline's tracks on a line: with its door region as the tracker's birth region when the setting has a door. */
function trackedFor(seq: GroundTruthSequence, detections: Awaited<ReturnType<typeof detectSequence>>, s: EvalSettings, fps: number, line: CountingLine) {
  const door = entranceDoorRegion(evalCamera(seq, s, fps, line), [seq.info.width, seq.info.height]);
  return trackFeet(detections, pipelineTrackerOptions(s, fps, door)).tracked;
}
for (const seq of sequences) {
  const frameSize: [number, number] = [seq.info.width, seq.info.height];
  console.log(
    `\n${seq.info.name}: ${seq.info.frames} frames ${seq.info.width}x${seq.info.height} @ ${seq.info.fps} fps, ${new Set(seq.gt.map((b) => b.id)).size} people; geometry ${path.relative(process.cwd(), seq.geometrySource)}: lines ${seq.lines.map((l) => `${l.id}${l.door ? ' (door)' : ''}`).join(', ')}; zones ${Object.keys(seq.geometry.zones).join(', ')}`,
  );
  // Truth: independent of the rate and of the counting setting measured.
  // The audit's --mot path: the ground-truth tracks through each line's truth camera (zones ride along).
  const truthPerLine = seq.lines.map((l) => truthCounts(seq, truthCamera(seq, l, base), base));
  const truthZones = truthPerLine[0];
  for (const rate of rates) {
    const fps = rate === 'source' ? seq.info.fps : Math.min(rate, seq.info.fps);
    const label = rateLabel(rate, seq);
    const t0 = performance.now();
    const inference: number[] = [];
    const detections = await detectSequence(seq, base, {
      fps,
      onInference: (ms) => {
        inference.push(ms);
        appearanceCost.inferenceMs += ms;
      },
      onAppearance: (ms, boxes) => {
        appearanceCost.ms += ms;
        appearanceCost.boxes += boxes;
        appearanceCost.frames++;
      },
      cacheDir: args['no-cache'] ? undefined : args['cache-dir'],
      progressEvery: 100,
      onProgress: (n) => console.log(`  ${seq.info.name} @ ${label} fps: detected ${n} frames (${elapsed()}, load ${load()})`),
    });
    console.log(
      `  ${seq.info.name} @ ${label} fps: ${detections.length} frames analysed (${((performance.now() - t0) / 1000).toFixed(1)} s, cached or detected)`,
    );
    detected.push({ seq, rate: String(rate), fps, detections });
    const { tracked, boxes } = trackFeet(detections, pipelineTrackerOptions(base, fps));
    const tracking = evaluateTracking(gtOnFrames(seq.gt, detections), boxes);
    for (const v of VARIANTS) {
      seq.lines.forEach((line, i) => {
        const s = settingsOf(v, line);
        // Re-tracked only where the line has a door region (the tracker's birth region when that is on).
        const lineTracked = entranceDoorRegion(evalCamera(seq, s, fps, line), frameSize) ? trackedFor(seq, detections, s, fps, line) : tracked;
        const m = replayRules(lineTracked, onlyEntrance(evalCamera(seq, s, fps, line)), s, frameSize);
        lineResults.push({
          seq: seq.info.name,
          rate: String(rate),
          line: line.id,
          door: line.door,
          variant: v.label,
          trueIn: truthPerLine[i].in,
          trueOut: truthPerLine[i].out,
          in: m.in,
          out: m.out,
        });
      });
    }
    const zones = replayRules(tracked, onlyZones(evalCamera(seq, base, fps)), base, frameSize);
    if (!args['no-motion']) {
      // The same frames decoded again for the gate's thumbnails (the detection cache holds no pictures).
      const size = base.inputSize ?? (base.format === 'yolox' ? 416 : 640);
      const m = await motionThumbnails(seq.video, fps, size);
      if (m.thumbnails.length !== detections.length) throw new Error(`${seq.info.name}: ${m.thumbnails.length} thumbnails for ${detections.length} frames`);
      const quietS = Number(args['quiet-s']);
      const quiet = rate === firstNumericRate && quietS > 0 && m.first ? await quietStretch(m.first, detections[0]!.timestampMs, quietS, fps, base) : null;
      motionEntries.push({ seq, rate: label, fps, detections, thumbnails: m.thumbnails, quiet });
      if (!args['no-pipeline']) {
        const s = { ...settingsOf(PRODUCT_DEFAULT, seq.lines[0]), motion: DEFAULT_MOTION };
        const run = await runPipeline(seq, s, fps);
        const gated = trackFeet(detections, pipelineTrackerOptions(s, fps), { thumbnails: m.thumbnails, settings: DEFAULT_MOTION });
        const comp = replayRules(gated.tracked, evalCamera(seq, s, fps), s, frameSize);
        motionPipeRows.push({
          sequence: seq.info.name,
          fps: label,
          'pipe=comp (gated)': sameCounts(run.summary, comp)
            ? 'yes'
            : `NO (pipe ${run.summary.in}/${run.summary.out}/${run.summary.visits.length}; comp ${comp.in}/${comp.out}/${comp.visits.length})`,
          'skipped, pipeline / replay': `${run.lastStatus?.frames_skipped_motion ?? '?'} / ${gated.skipped}`,
        });
      }
    }
    let pipeEqualsComp = 'not run';
    let pipelineFps = '–';
    if (!args['no-pipeline']) {
      const s = settingsOf(PRODUCT_DEFAULT, seq.lines[0]);
      console.log(`  ${seq.info.name} @ ${label} fps: real pipeline run (default setting, line ${seq.lines[0].id}) … (${elapsed()}, load ${load()})`);
      const run = await runPipeline(seq, s, fps);
      const comp = replayRules(tracked, evalCamera(seq, s, fps), s, frameSize);
      pipeEqualsComp = sameCounts(run.summary, comp)
        ? 'yes'
        : `NO (pipe in ${run.summary.in} out ${run.summary.out} visits ${run.summary.visits.length}; comp ${comp.in}/${comp.out}/${comp.visits.length})`;
      pipelineFps = fix((detections.length / run.wallMs) * 1000, 1);
    }
    const tz = zoneTotals(truthZones);
    const mz = zoneTotals(zones);
    seqResults.push({
      seq: seq.info.name,
      rate: label,
      rateKey: String(rate),
      frames: detections.length,
      mota: tracking.mota,
      idf1: tracking.idf1,
      idsw: tracking.idSwitches,
      trueVisits: tz.visits,
      visits: mz.visits,
      trueDwellTotal: tz.dwell,
      dwellTotal: mz.dwell,
      pipeEqualsComp,
      pipelineFps,
      inferenceMs: inference.length ? fix(inference.reduce((a, b) => a + b, 0) / inference.length, 1) : 'cached',
    });
    if (args.sweep && rate === 'source') {
      const predicted = trackDetections(detections, pipelineTrackerOptions(base, seq.info.fps));
      const sweep = EVAL_SWEEP(seq.info.width, seq.info.height);
      const score = scoreOnGeometries(seq.gt, predicted, seq.info.fps, sweep, base.confirmFrames !== undefined ? { confirmFrames: base.confirmFrames } : {});
      sweepRows.push({
        sequence: seq.info.name,
        lines: String(sweep.length),
        'crossing errors / true crossings': `${score.crossingErrors}/${score.crossings} (${pct(score.crossingErrors / score.crossings)}%)`,
        'visit errors / true visits': `${score.visitErrors}/${score.visits} (${pct(score.visitErrors / score.visits)}%)`,
      });
    }
  }
}

/**
 * One tracker/detector setting over every sequence and rate: line errors (late; late + door and birth region
 * on door lines), in/out totals, zone visit and dwell figures, id switches per rate.
 */
function scoreEverywhere(s: EvalSettings) {
  const r = {
    lateErr: 0,
    doorErr: 0,
    lateIn: 0,
    lateOut: 0,
    doorIn: 0,
    doorOut: 0,
    trueIn: 0,
    trueOut: 0,
    trueVisits: 0,
    visits: 0,
    trueDwell: 0,
    dwell: 0,
    idsw5: 0,
    idswSrc: 0,
    /** IDF1 pooled over the runs of each rate: 2·ΣIDTP / (ΣGT boxes + Σpredicted boxes). */
    idtp5: 0,
    idBoxes5: 0,
    idtpSrc: 0,
    idBoxesSrc: 0,
    /** Milliseconds in the tracker replay (trackFeet), all runs. */
    trackMs: 0,
    frames: 0,
  };
  for (const d of detected) {
    const frameSize: [number, number] = [d.seq.info.width, d.seq.info.height];
    const t0 = performance.now();
    const { tracked, boxes } = trackFeet(d.detections, pipelineTrackerOptions(s, d.fps));
    r.trackMs += performance.now() - t0;
    r.frames += d.detections.length;
    const mot = evaluateTracking(gtOnFrames(d.seq.gt, d.detections), boxes);
    if (d.rate === 'source') {
      r.idswSrc += mot.idSwitches;
      r.idtpSrc += mot.idtp;
      r.idBoxesSrc += mot.gtBoxes + mot.predictedBoxes;
    } else {
      r.idsw5 += mot.idSwitches;
      r.idtp5 += mot.idtp;
      r.idBoxes5 += mot.gtBoxes + mot.predictedBoxes;
    }
    const tz = zoneTotals(
      groundTruthCounts(d.seq.gt, d.seq.info.fps, {
        zones: d.seq.geometry.zones,
        ...(s.confirmFrames !== undefined ? { confirmFrames: s.confirmFrames } : {}),
      }),
    );
    const mz = zoneTotals(replayRules(tracked, onlyZones(evalCamera(d.seq, s, d.fps)), s, frameSize));
    r.trueVisits += tz.visits;
    r.visits += mz.visits;
    r.trueDwell += tz.dwell;
    r.dwell += mz.dwell;
    for (const line of d.seq.lines) {
      const truth = groundTruthCounts(d.seq.gt, d.seq.info.fps, truthSetup(line, {}, s));
      r.trueIn += truth.in;
      r.trueOut += truth.out;
      const late = { ...s, countingMode: 'late' as const, marginPx: 0, door: 'none' as const };
      const m = replayRules(tracked, onlyEntrance(evalCamera(d.seq, late, d.fps, line)), late, frameSize);
      r.lateErr += Math.abs(m.in - truth.in) + Math.abs(m.out - truth.out);
      r.lateIn += m.in;
      r.lateOut += m.out;
      const door = line.door ? { ...late, door: 'auto' as const } : late;
      const md = line.door
        ? replayRules(trackedFor(d.seq, d.detections, door, d.fps, line), onlyEntrance(evalCamera(d.seq, door, d.fps, line)), door, frameSize)
        : m;
      r.doorErr += Math.abs(md.in - truth.in) + Math.abs(md.out - truth.out);
      r.doorIn += md.in;
      r.doorOut += md.out;
    }
  }
  return r;
}

if (args.tune) {
  const grid: Array<{ label: string; s: EvalSettings }> = [];
  for (const confidence of [0.25, 0.3, 0.35, 0.4])
    for (const lostBufferMs of [3000, 6000, 10000])
      for (const matchThresh of [0.8, 0.9, 0.95, 0.99])
        for (const [oru, ocm, ocr] of [
          [false, 0, undefined],
          [true, 0.2, undefined],
          [true, 0, 0.7],
        ] as const)
          for (const margin of [null, 0.1]) {
            const tracker: Partial<TrackerOptions> = {
              lostBufferMs,
              matchThresh,
              observationCentricReupdate: oru,
              directionWeight: ocm,
              ...(ocr !== undefined ? { recoveryMatchThresh: ocr } : {}),
            };
            grid.push({
              label: `conf ${confidence}, lost ${lostBufferMs} ms, match ${matchThresh}, ORU ${oru ? 'on' : 'off'}, OCM ${ocm}, OCR ${ocr ?? 'off'}, birth −${margin ?? 'off'}`,
              s: withBirth({ ...base, confidence, tracker }, margin),
            });
          }
  console.log(`\nTuning: ${grid.length} settings over ${detected.length} sequence-rate runs (${elapsed()}) …`);
  const scored = grid.map((g) => ({ label: g.label, r: scoreEverywhere(g.s) }));
  const visitErr = (r: ReturnType<typeof scoreEverywhere>) => Math.abs(r.visits - r.trueVisits);
  // Total error: line errors of both ways an installer counts (no door / door on door lines), then zone
  // visits, then id switches. Net in/out totals are shown but not ranked on (errors can cancel there).
  const total = (r: ReturnType<typeof scoreEverywhere>) => r.lateErr + r.doorErr + visitErr(r);
  scored.sort((a, b) => total(a.r) - total(b.r) || a.r.idsw5 + a.r.idswSrc - (b.r.idsw5 + b.r.idswSrc));
  const row = (x: (typeof scored)[number], rank: number) => ({
    rank,
    setting: x.label,
    total: total(x.r),
    'line err late': x.r.lateErr,
    'line err door': x.r.doorErr,
    'late in/out': `${x.r.lateIn}/${x.r.lateOut} of ${x.r.trueIn}/${x.r.trueOut}`,
    'door in/out': `${x.r.doorIn}/${x.r.doorOut}`,
    visits: `${x.r.visits}/${x.r.trueVisits} (${pct(relativeError(x.r.visits, x.r.trueVisits))})`,
    dwell: pct(relativeError(x.r.dwell / x.r.visits, x.r.trueDwell / x.r.trueVisits)),
    'IDSW 5/src': `${x.r.idsw5}/${x.r.idswSrc}`,
  });
  console.log(`Best 25 by total error (line errors late + line errors door + |zone visit error|), ties by id switches (${elapsed()}):`);
  console.table(scored.slice(0, 25).map((x) => row(x, scored.indexOf(x) + 1)));
  const current = scored.findIndex((x) => x.label.startsWith('conf 0.4, lost 6000 ms, match 0.8, ORU off, OCM 0, OCR off, birth −off'));
  if (current >= 0) {
    console.log('The earlier setting (6 s is its lost buffer at 5 fps):');
    console.table([row(scored[current], current + 1)]);
  }
}

if (args['tune-appearance']) {
  // The appearance cue on the product's tracker setting (* = the product default): off, cost weights, vetoes, both. Each setting is
  // replayed twice and the faster replay kept, with "off" measured in the same loop (tracker ms per frame).
  const settings: Array<{ label: string; tracker: Partial<TrackerOptions> }> = [{ label: 'off', tracker: { appearanceWeight: 0 } }];
  for (const w of [0.2, 0.3, 0.5, 1]) settings.push({ label: `weight ${w}`, tracker: { appearanceWeight: w } });
  for (const g of [0.3, 0.4, 0.5, 0.6]) settings.push({ label: `gate ${g}`, tracker: { appearanceWeight: 0, appearanceGate: g } });
  for (const [w, g] of [
    [0.5, 0.5],
    [0.2, 0.4],
  ])
    settings.push({ label: `weight ${w} + gate ${g}`, tracker: { appearanceWeight: w, appearanceGate: g } });
  console.log(`\nAppearance cue: ${settings.length} settings over ${detected.length} sequence-rate runs (${elapsed()}, load ${load()}) …`);
  const rows = settings.map(({ label, tracker }) => {
    const s: EvalSettings = { ...base, tracker: { ...base.tracker, ...tracker } };
    const runs = [scoreEverywhere(s), scoreEverywhere(s)];
    const r = runs[0]!;
    const ms = Math.min(...runs.map((x) => x.trackMs / x.frames));
    const isProduct = JSON.stringify(pipelineTrackerOptions(s, 5)) === JSON.stringify(pipelineTrackerOptions(base, 5));
    return {
      setting: `${label}${isProduct ? ' *' : ''}`,
      'IDSW 5/src': `${r.idsw5}/${r.idswSrc}`,
      'IDF1 5/src': `${pct((2 * r.idtp5) / r.idBoxes5)}/${pct((2 * r.idtpSrc) / r.idBoxesSrc)}`,
      'line err, frame-edge door (default)': String(r.doorErr),
      'line err, no door': String(r.lateErr),
      'default in/out': `${r.doorIn}/${r.doorOut} of ${r.trueIn}/${r.trueOut}`,
      visits: `${r.visits}/${r.trueVisits} (${pct(relativeError(r.visits, r.trueVisits))})`,
      dwell: pct(relativeError(r.dwell / r.visits, r.trueDwell / r.trueVisits)),
      'tracker ms/frame': fix(ms, 3),
    };
  });
  console.table(rows);
  if (appearanceCost.frames)
    console.log(
      `Reading the colours: ${fix(appearanceCost.ms / appearanceCost.frames, 3)} ms per frame, ${fix((appearanceCost.ms / appearanceCost.boxes) * 1000, 1)} µs per box (${appearanceCost.boxes} boxes ≥ score 0.1 on ${appearanceCost.frames} frames), ${pct(appearanceCost.ms / appearanceCost.inferenceMs)} % of the session.run time of the same frames (${fix(appearanceCost.inferenceMs / appearanceCost.frames, 1)} ms per frame), measured side by side during this run's detection pass`,
    );
  console.log(`(load ${load()})`);
}

/**
 * One row of a tracker grid (--tune-birth, --tune-reid): counting with the default setting, zones, identity, and
 * the tracker's time (the faster of two replays). "line errors" is the default counting setting (door region on
 * frame-edge lines, which is also the birth region when a margin is set). * marks the product default.
 */
function trackerGridRow(label: string, s: EvalSettings) {
  const runs = [scoreEverywhere(s), scoreEverywhere(s)];
  const r = runs[0]!;
  const isProduct = JSON.stringify(pipelineTrackerOptions(s, 5)) === JSON.stringify(pipelineTrackerOptions(base, 5));
  return {
    setting: `${label}${isProduct ? ' *' : ''}`,
    'line errors (default)': r.doorErr,
    'line errors, no door': r.lateErr,
    'default in/out': `${r.doorIn}/${r.doorOut} of ${r.trueIn}/${r.trueOut}`,
    visits: `${r.visits}/${r.trueVisits} (${pct(relativeError(r.visits, r.trueVisits))})`,
    'total (line + |visits|)': r.doorErr + Math.abs(r.visits - r.trueVisits),
    dwell: pct(relativeError(r.dwell / r.visits, r.trueDwell / r.trueVisits)),
    'IDSW 5/src': `${r.idsw5}/${r.idswSrc}`,
    'IDF1 5/src': `${pct((2 * r.idtp5) / r.idBoxes5)}/${pct((2 * r.idtpSrc) / r.idBoxesSrc)}`,
    'tracker ms/frame': fix(Math.min(...runs.map((x) => x.trackMs / x.frames)), 3),
  };
}
const withTracker = (tracker: Partial<TrackerOptions>): EvalSettings => ({ ...base, tracker: { ...base.tracker, ...tracker } });

if (args['tune-birth']) {
  // How tracks are born, on the product's setting.
  const settings: Array<{ label: string; s: EvalSettings }> = [{ label: 'product default', s: base }];
  settings.push({ label: 'first frame confirmed at once', s: withTracker({ confirmFirstFrame: true }) });
  for (const m of [0, 0.05, 0.1, 0.15, 0.2]) settings.push({ label: `door birth at confidence − ${m}`, s: withBirth(base, m) });
  for (const c of [0.95, 0.9, 0.8, 0.7, 0.6])
    settings.push({ label: `no birth from a box ≥ ${c} inside a visible track`, s: withTracker({ birthMaxContainment: c }) });
  console.log(`\nTrack birth: ${settings.length} settings over ${detected.length} sequence-rate runs (${elapsed()}) …`);
  console.table(settings.map(({ label, s }) => trackerGridRow(label, s)));
}

if (args['tune-reid']) {
  // Re-identification of lost tracks beyond overlap, on the product's setting.
  const settings: Array<{ label: string; s: EvalSettings }> = [{ label: 'off', s: base }];
  for (const gate of [0.15, 0.2, 0.3])
    for (const reach of [0.5, 1])
      for (const maxLost of [400, 1000, 2000])
        settings.push({
          label: `gate ${gate}, reach ${reach} h + 1 h/s, lost ≤ ${maxLost} ms`,
          s: withTracker({ reidGate: gate, reidReach: reach, reidMaxLostMs: maxLost }),
        });
  console.log(`\nRe-identification: ${settings.length} settings over ${detected.length} sequence-rate runs (${elapsed()}, load ${load()}) …`);
  console.table(settings.map(({ label, s }) => trackerGridRow(label, s)));
}

// ---- Tables ----
interface Agg {
  trueIn: number;
  trueOut: number;
  in: number;
  out: number;
  absErr: number;
}
const aggregate = (rows: LineResult[]): Agg =>
  rows.reduce(
    (a, r) => ({
      trueIn: a.trueIn + r.trueIn,
      trueOut: a.trueOut + r.trueOut,
      in: a.in + r.in,
      out: a.out + r.out,
      absErr: a.absErr + Math.abs(r.in - r.trueIn) + Math.abs(r.out - r.trueOut),
    }),
    { trueIn: 0, trueOut: 0, in: 0, out: 0, absErr: 0 },
  );
const inErr = (a: Agg) => relativeError(a.in, a.trueIn);
const outErr = (a: Agg) => relativeError(a.out, a.trueOut);
const inOutErr = (a: Agg) => Math.max(inErr(a), outErr(a));
const lineErr = (a: Agg) => a.absErr / (a.trueIn + a.trueOut);
const countCells = (a: Agg) => ({
  'in true/meas (err%)': `${a.trueIn}/${a.in} (${pct(inErr(a))})`,
  'out true/meas (err%)': `${a.trueOut}/${a.out} (${pct(outErr(a))})`,
  'Σ|line err| / crossings': `${a.absErr}/${a.trueIn + a.trueOut} (${pct(lineErr(a))})`,
});
const seqNames = sequences.map((s) => s.info.name);

console.log(
  `\nTracking and zones (tracker setting above; truth zones from the ground truth at the full rate; pipe=comp: the real pipeline's events equal the replayed rules' on the first line + zones):`,
);
const zoneRows: Array<Record<string, string>> = [];
for (const rate of rates) {
  const rs = seqResults.filter((r) => r.rateKey === String(rate));
  for (const r of rs) {
    zoneRows.push({
      sequence: r.seq,
      fps: r.rate,
      frames: String(r.frames),
      MOTA: pct(r.mota),
      IDF1: pct(r.idf1),
      IDSW: String(r.idsw),
      'zone visits true/meas (err%)': `${r.trueVisits}/${r.visits} (${pct(relativeError(r.visits, r.trueVisits))})`,
      'mean dwell s true/meas (err%)': `${fix(r.trueDwellTotal / r.trueVisits)}/${fix(r.dwellTotal / r.visits)} (${pct(relativeError(r.dwellTotal / r.visits, r.trueDwellTotal / r.trueVisits))})`,
      'pipe=comp': r.pipeEqualsComp,
      'pipeline fps': r.pipelineFps,
      'inference ms/frame': r.inferenceMs,
    });
  }
  const tv = rs.reduce((s, r) => s + r.trueVisits, 0);
  const mv = rs.reduce((s, r) => s + r.visits, 0);
  const td = rs.reduce((s, r) => s + r.trueDwellTotal, 0);
  const md = rs.reduce((s, r) => s + r.dwellTotal, 0);
  zoneRows.push({
    sequence: 'TOTAL',
    fps: String(rate),
    frames: String(rs.reduce((s, r) => s + r.frames, 0)),
    MOTA: '',
    IDF1: '',
    IDSW: String(rs.reduce((s, r) => s + r.idsw, 0)),
    'zone visits true/meas (err%)': `${tv}/${mv} (${pct(relativeError(mv, tv))})`,
    'mean dwell s true/meas (err%)': `${fix(td / tv)}/${fix(md / mv)} (${pct(relativeError(md / mv, td / tv))})`,
    'pipe=comp': '',
    'pipeline fps': '',
    'inference ms/frame': '',
  });
}
console.table(zoneRows);

console.log(
  `\nFootfall per sequence (all its lines summed), per rate and counting setting (* = product default: ${PRODUCT_DEFAULT.mode}, door ${PRODUCT_DEFAULT.door}, margin ${PRODUCT_DEFAULT.marginPx}):`,
);
const countRows: Array<Record<string, string>> = [];
const summary: Array<Record<string, string>> = [];
for (const v of VARIANTS) {
  const perRate: Agg[] = [];
  let worstSeq = 0;
  for (const rate of rates) {
    for (const name of seqNames) {
      const a = aggregate(lineResults.filter((r) => r.variant === v.label && r.rate === String(rate) && r.seq === name));
      worstSeq = Math.max(worstSeq, inOutErr(a));
      countRows.push({
        setting: `${v.label}${isDefault(v) ? ' *' : ''}`,
        fps: rateLabel(rate, sequences.find((s) => s.info.name === name)!),
        sequence: name,
        ...countCells(a),
      });
    }
    const total = aggregate(lineResults.filter((r) => r.variant === v.label && r.rate === String(rate)));
    perRate.push(total);
    countRows.push({ setting: `${v.label}${isDefault(v) ? ' *' : ''}`, fps: String(rate), sequence: 'TOTAL', ...countCells(total) });
  }
  const all = aggregate(lineResults.filter((r) => r.variant === v.label));
  summary.push({
    setting: `${v.label}${isDefault(v) ? ' *' : ''}`,
    ...countCells(all),
    'door lines Σ|err|': String(aggregate(lineResults.filter((r) => r.variant === v.label && r.door)).absErr),
    'interior lines Σ|err|': String(aggregate(lineResults.filter((r) => r.variant === v.label && !r.door)).absErr),
    'worst sequence in/out err%': pct(worstSeq),
  });
}
console.table(countRows);
console.log('\nPer line (product default setting):');
console.table(
  lineResults
    .filter((r) => isDefault(VARIANTS.find((v) => v.label === r.variant)!))
    .map((r) => ({
      sequence: r.seq,
      fps: r.rate,
      line: `${r.line}${r.door ? ' (door)' : ''}`,
      in: `${r.trueIn}/${r.in}`,
      out: `${r.trueOut}/${r.out}`,
    })),
);
console.log(`\nAll sequences and rates together, per counting setting (the defaults are chosen on this, never on one sequence):`);
console.table(summary);
if (sweepRows.length) {
  console.log('Vertical line sweep at the source rate:');
  console.table(sweepRows);
}
if (motionEntries.length) {
  console.log(
    `\nMotion gating off against on (${JSON.stringify(DEFAULT_MOTION)}), same detections; "+ N s still": the clip's first picture held N s with ±4 levels of sensor noise before the clip (its people standing still):`,
  );
  console.table(motionComparisonRows(motionEntries, base, DEFAULT_MOTION, MOTION_OFF));
  if (motionPipeRows.length) console.table(motionPipeRows);
  if (args['motion-grid']) {
    console.log('\nMotion gating settings against gating off, all sequences and rates (* = default):');
    console.table(motionGridRows(motionEntries, base, motionGrid(), DEFAULT_MOTION, MOTION_OFF));
  }
}
if (refused.length) console.log(`\nNot measured (${refused.length}):\n${refused.map((r) => `  ${r}`).join('\n')}`);
console.log(`Targets over all sequences: in/out error ≤ 2 %, zone visits ≤ 5 %, mean dwell ≤ 10 %, no sequence worse than 5 % on in/out.`);
console.log(`Load (1/5/15 min): ${loadAtStart} at start, ${load()} at the end; ${elapsed()} in all.`);
