// npm run eval:edge [-- options]: accuracy of the edge vision on every ground-truth sequence in
// ../shared/sequences (MOTChallenge layout + <name>.mp4 beside each directory).
//
// For each sequence and setting: tracking accuracy (MOTA, IDF1, ID switches) of the frame-by-frame
// components, and footfall in/out plus zone visits and dwell from the REAL camera pipeline's events,
// against the truth derived from the ground truth with the same rules (edge/src/eval/*.ts explains why).
//
// Options:
//   --setting default|tuned|both   which settings to run (default both)
//   --confidence N --lost-buffer N --match-thresh N --tracker-fps N --confirm-frames N
//                                  a custom setting instead (only config/pipeline options)
//   --threads N                    onnxruntime threads (default 2)
//   --tune                         also grid-search the tracker/rule options on one detection pass
//   --sweep                        also score the settings on a sweep of lines/zones across the frame
// Runs under Deno: deno run --allow-all bench/edge.eval.ts
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { relativeError, zoneFigures } from '../edge/src/eval/ground-truth-counts.ts';
import {
  DEFAULT_EVAL_SETTINGS,
  EVAL_MODEL,
  SHARED_DIR,
  TUNED_EVAL_SETTINGS,
  detectSequence,
  evaluateSequence,
  loadSequence,
  pipelineTrackerOptions,
  trackDetections,
  type EvalSettings,
  type GroundTruthSequence,
  type SequenceReport,
} from '../edge/src/eval/sequence-eval.ts';
import { EVAL_SWEEP, gridSearch, scoreOnGeometries, type GridResult } from '../edge/src/eval/tuning-grid.ts';

const { values: args } = parseArgs({
  options: {
    setting: { type: 'string', default: 'both' },
    confidence: { type: 'string' },
    'lost-buffer': { type: 'string' },
    'match-thresh': { type: 'string' },
    'tracker-fps': { type: 'string' },
    'confirm-frames': { type: 'string' },
    threads: { type: 'string', default: '2' },
    tune: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
  },
});

const sequencesDir = path.join(SHARED_DIR, 'sequences');
if (!existsSync(EVAL_MODEL) || !existsSync(sequencesDir)) {
  console.log(`eval:edge skipped: ${existsSync(EVAL_MODEL) ? sequencesDir : EVAL_MODEL} not found (../shared is not on this machine)`);
  process.exit(0);
}
const sequences: GroundTruthSequence[] = readdirSync(sequencesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(sequencesDir, d.name, 'gt', 'gt.txt')) && existsSync(path.join(sequencesDir, `${d.name}.mp4`)))
  .map((d) => loadSequence(path.join(sequencesDir, d.name)));
if (sequences.length === 0) {
  console.log(`eval:edge: no sequence with gt/gt.txt and a sibling .mp4 in ${sequencesDir}`);
  process.exit(0);
}

const threads = Number(args.threads);
const custom = ['confidence', 'lost-buffer', 'match-thresh', 'tracker-fps', 'confirm-frames'].some((k) => args[k as keyof typeof args] !== undefined);
const settings: Array<[string, EvalSettings]> = [];
if (custom) {
  const num = (k: keyof typeof args) => (args[k] === undefined ? undefined : Number(args[k]));
  const tracker = Object.fromEntries(
    Object.entries({ lostBufferFrames: num('lost-buffer'), matchThresh: num('match-thresh'), fps: num('tracker-fps') }).filter(([, v]) => v !== undefined),
  );
  settings.push(['custom', { ...DEFAULT_EVAL_SETTINGS, threads, confidence: num('confidence') ?? DEFAULT_EVAL_SETTINGS.confidence, tracker, confirmFrames: num('confirm-frames') }]);
} else {
  if (args.setting !== 'tuned') settings.push(['earlier default', { ...DEFAULT_EVAL_SETTINGS, threads }]);
  if (args.setting !== 'default') settings.push(['product default', { ...TUNED_EVAL_SETTINGS, threads }]);
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}` : x === Infinity ? '∞' : '–');
const fix = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const describeSettings = (s: EvalSettings) => {
  const t = s.tracker ?? {};
  const parts = [`conf ${s.confidence}`];
  if (t.lostBufferFrames !== undefined) parts.push(`lost ${t.lostBufferFrames}f`);
  if (t.matchThresh !== undefined) parts.push(`match ${t.matchThresh}`);
  if (t.fps !== undefined) parts.push(`trk fps ${t.fps}`);
  if (s.confirmFrames !== undefined) parts.push(`confirm ${s.confirmFrames}`);
  return parts.join(', ');
};

function reportRow(name: string, r: SequenceReport): Record<string, string> {
  const t = r.tracking;
  const zone = Object.keys(sequences.find((s) => s.info.name === r.sequence)!.geometry.zones)[0];
  const zt = zoneFigures(r.truth, zone);
  const zm = zoneFigures(r.measured, zone);
  const agree = r.measured.in === r.componentCounts.in && r.measured.out === r.componentCounts.out && zm.visits === zoneFigures(r.componentCounts, zone).visits;
  return {
    sequence: r.sequence,
    setting: `${name} (${describeSettings(r.settings)})`,
    MOTA: pct(t.mota),
    IDF1: pct(t.idf1),
    IDSW: String(t.idSwitches),
    FN: String(t.falseNegatives),
    FP: String(t.falsePositives),
    'in gt/meas (err%)': `${r.truth.in}/${r.measured.in} (${pct(relativeError(r.measured.in, r.truth.in))})`,
    'out gt/meas (err%)': `${r.truth.out}/${r.measured.out} (${pct(relativeError(r.measured.out, r.truth.out))})`,
    [`zone visits gt/meas`]: `${zt.visits}/${zm.visits}`,
    'mean dwell s gt/meas': `${fix(zt.meanDwellSeconds)}/${fix(zm.meanDwellSeconds)}`,
    'pipeline fps (wall, incl. load)': fix((r.frames / r.pipelineWallMs) * 1000, 1),
    'pipe=comp': agree ? 'yes' : 'NO',
  };
}

const rows: Array<Record<string, string>> = [];
const sweepRows: Array<Record<string, string>> = [];
for (const seq of sequences) {
  console.log(`${seq.info.name}: ${seq.info.frames} frames ${seq.info.width}x${seq.info.height} @ ${seq.info.fps} fps, ${new Set(seq.gt.map((b) => b.id)).size} people, ${seq.gt.length} boxes; line ${JSON.stringify(seq.geometry.line)}, zones ${Object.keys(seq.geometry.zones).join(', ')}`);
  // One detection pass per sequence: detections do not depend on the tuned options (see tuning-grid.ts).
  const detections = await detectSequence(seq, { ...DEFAULT_EVAL_SETTINGS, threads });
  for (const [name, s] of settings) {
    const report = await evaluateSequence(seq, s, detections);
    rows.push(reportRow(name, report));
    if (args.sweep) {
      const predicted = trackDetections(detections, pipelineTrackerOptions(s, seq.info.fps));
      const sweep = EVAL_SWEEP(seq.info.width, seq.info.height);
      const score = scoreOnGeometries(seq.gt, predicted, seq.info.fps, sweep, s.confirmFrames !== undefined ? { confirmFrames: s.confirmFrames } : {});
      sweepRows.push({
        sequence: seq.info.name,
        setting: name,
        lines: String(sweep.length),
        'crossing errors / true crossings': `${score.crossingErrors}/${score.crossings} (${pct(score.crossingErrors / score.crossings)}%)`,
        'visit errors / true visits': `${score.visitErrors}/${score.visits} (${pct(score.visitErrors / score.visits)}%)`,
        'Σ|dwell error| s': fix(score.dwellErrorSeconds, 1),
      });
    }
  }
  if (args.tune) {
    const started = performance.now();
    const results = gridSearch(seq, detections, { ...DEFAULT_EVAL_SETTINGS, threads }, {
      confidence: [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
      lostBufferFrames: [15, 30, 45],
      matchThresh: [0.7, 0.8, 0.9],
      trackerFps: [seq.info.fps, 30],
      confirmFrames: [2, 3, 4],
    }, EVAL_SWEEP(seq.info.width, seq.info.height));
    console.log(`\nGrid search on ${seq.info.name}: ${results.length} settings in ${((performance.now() - started) / 1000).toFixed(1)} s (tracker + rules only), best 15 by sweep crossing errors, visit errors, IDF1:`);
    console.table(results.slice(0, 15).map(gridRow));
    const def = results.find((r) => r.settings.confidence === DEFAULT_EVAL_SETTINGS.confidence && r.settings.tracker?.lostBufferFrames === 30 && r.settings.tracker?.matchThresh === 0.8 && r.settings.tracker?.fps === seq.info.fps && r.settings.confirmFrames === 3);
    if (def) console.log('product defaults in the same grid:', gridRow(def));
  }
}

function gridRow(r: GridResult): Record<string, string | number> {
  return {
    setting: describeSettings(r.settings),
    MOTA: pct(r.mota),
    IDF1: pct(r.idf1),
    IDSW: r.idSwitches,
    'in/out error': `${r.inError >= 0 ? '+' : ''}${r.inError}/${r.outError >= 0 ? '+' : ''}${r.outError}`,
    'sweep crossings': `${r.sweep.crossingErrors}/${r.sweep.crossings}`,
    'sweep visits': `${r.sweep.visitErrors}/${r.sweep.visits}`,
    'sweep Σ|dwell err| s': fix(r.sweep.dwellErrorSeconds, 1),
  };
}

console.log('\nAccuracy (tracking from the components frame by frame; counts and dwell from the real pipeline\'s events; pipe=comp: the rules on the component tracks give the same counts):');
console.table(rows);
if (sweepRows.length) {
  console.log('Line/zone sweep (rules on the component tracks, same rules and options as the pipeline):');
  console.table(sweepRows);
}
console.log('Targets: in/out error ≤ 5 % per direction; IDF1 near ByteTrack\'s published ~77 (MOT17).');
