// wink-edge audit: one camera of the store's config, run over a recorded clip, against an optional truth.
// Nothing leaves the machine: no outbox, no backend client, no network; the config's secrets are not needed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkConfigFile, ConfigError, parseConfig, type CameraConfig, type EdgeConfig } from '../runtime/config.ts';
import { errorText } from '../runtime/log.ts';
import { POLYGON_RULE_LIST, type PolygonKey } from '../rules/polygon-rules.ts';
import { parseMotText, type MotBox } from '../eval/mot-metrics.ts';
import {
  analyseDetections,
  clipDetectorOf,
  compareFigures,
  detectClip,
  ENTRANCE_LINE,
  groundTruthFigures,
  probeClip,
  type AuditComparison,
  type AuditFigures,
  type Clip,
  type FigureError,
} from './clip-audit.ts';
import { DEFAULT_MATCH_TOLERANCE_S } from './crossing-match.ts';
import { formatClipTime, HandCountError, parseHandCount, type HandCountCrossing } from './hand-count.ts';

export const AUDIT_USAGE = `wink-edge audit --config <config.yaml> --camera <camera_id> <clip.mp4>
                 [--truth counts.csv | --mot gt.txt] [--tolerance S] [--fps N] [--json] [--cache-dir DIR]

  Analyses every frame of a recorded clip (at the camera's target_fps, or --fps N; not real time) with that
  camera's geometry and settings from the config, and prints in/out per entrance line, visits and mean dwell per
  zone, shelf interactions and queue waits. Nothing is sent anywhere.
  --truth FILE   a hand count: CSV with header time,direction[,line]; time in seconds from the clip's start
                 or m:ss; direction in or out; line "${ENTRANCE_LINE}" (optional)
  --mot FILE     ground-truth tracks (MOTChallenge gt.txt, frames of this clip) run through the same rules
  --tolerance S  a counted crossing matches a true one of the same direction within ±S seconds (default ${DEFAULT_MATCH_TOLERANCE_S})
  --json         the report as JSON on stdout (progress stays on stderr)
  --cache-dir    keep the detections there and reuse them on the next run of the same clip and model

Exit codes: 0 done, 1 bad input (arguments, config, camera, clip, truth file), 2 runtime failure.`;

export interface AuditIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A problem with what the user gave: exit code 1. */
class BadInput extends Error {}

interface AuditArgs {
  configPath: string;
  cameraId: string;
  clip: string;
  truth?: string;
  mot?: string;
  toleranceS: number;
  fps?: number;
  json: boolean;
  cacheDir?: string;
}

function parseAuditArgs(argv: string[]): AuditArgs {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        camera: { type: 'string' },
        truth: { type: 'string' },
        mot: { type: 'string' },
        tolerance: { type: 'string' },
        fps: { type: 'string' },
        json: { type: 'boolean', default: false },
        'cache-dir': { type: 'string' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    throw new BadInput(errorText(err));
  }
  const { values: v, positionals } = parsed;
  const problems: string[] = [];
  if (!v.config) problems.push('--config <config.yaml> is required');
  if (!v.camera) problems.push('--camera <camera_id> is required');
  if (positionals.length !== 1) problems.push(`expected one clip file, got ${positionals.length ? positionals.join(' ') : 'none'}`);
  if (v.truth && v.mot) problems.push('--truth and --mot: give one truth, not both');
  const positive = (name: string, text: string | undefined, allowZero = false) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
      problems.push(`--${name}: must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${text}"`);
    return n;
  };
  const toleranceS = positive('tolerance', v.tolerance, true) ?? DEFAULT_MATCH_TOLERANCE_S;
  const fps = positive('fps', v.fps);
  if (problems.length) throw new BadInput(problems.join('\n'));
  return {
    configPath: v.config!,
    cameraId: v.camera!,
    clip: positionals[0],
    ...(v.truth ? { truth: v.truth } : {}),
    ...(v.mot ? { mot: v.mot } : {}),
    toleranceS,
    ...(fps !== undefined ? { fps } : {}),
    json: v.json ?? false,
    ...(v['cache-dir'] ? { cacheDir: v['cache-dir'] } : {}),
  };
}

/**
 * The config validated with start-up's rules. A ${VAR} this shell lacks (camera keys, RTSP passwords) is
 * filled with a placeholder: the audit sends nothing and reads the clip instead of the stream.
 */
export function loadConfigForAudit(configPath: string, env: Readonly<Record<string, string | undefined>> = process.env): EdgeConfig {
  const check = checkConfigFile(configPath, env);
  const unset = check.unsetEnv.map((w) => /environment variable (\S+) is not set$/.exec(w)?.[1]).filter((n): n is string => !!n);
  const filled = { ...env, ...Object.fromEntries(unset.map((n) => [n, 'unset-not-needed-by-audit'])) };
  return parseConfig(readFileSync(configPath, 'utf8'), filled, configPath);
}

/** The camera as it runs in the store, reading the clip instead of its stream, every sampled frame, to the end. */
export function cameraOnClip(camera: CameraConfig, clip: string, fps?: number): CameraConfig {
  return { ...camera, rtsp: clip, source: 'file', replay: 'every_frame', target_fps: fps ?? camera.target_fps };
}

function readInput(file: string, what: string): string {
  try {
    if (!statSync(file).isFile()) throw new BadInput(`${what} ${file}: not a file`);
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof BadInput) throw err;
    throw new BadInput(`${what} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? errorText(err)})`);
  }
}

export interface AuditReport {
  camera: string;
  clip: string;
  fps: number;
  frames: number;
  clipSeconds: number;
  figures: AuditFigures;
  truth?: { kind: 'hand count' | 'ground truth'; file: string; figures?: AuditFigures; comparison: AuditComparison };
}

/** Runs `wink-edge audit`; resolves to the exit code. */
export async function auditCommand(argv: string[], io: AuditIo, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  let args: AuditArgs;
  let camera: CameraConfig;
  let config: EdgeConfig;
  let handCount: HandCountCrossing[] | undefined;
  let gt: MotBox[] | undefined;
  let clip: Clip;
  // Every input is checked before the long part starts: a typo should not cost a full analysis.
  try {
    args = parseAuditArgs(argv);
    config = loadConfigForAudit(args.configPath, env);
    const found = config.cameras.find((c) => c.camera_id === args.cameraId);
    if (!found)
      throw new BadInput(`--camera ${args.cameraId}: no such camera in ${args.configPath} (cameras: ${config.cameras.map((c) => c.camera_id).join(', ')})`);
    if (!existsSync(args.clip) || !statSync(args.clip).isFile()) throw new BadInput(`${args.clip}: no such clip file`);
    if (!existsSync(config.detector.model))
      throw new BadInput(`detector.model ${config.detector.model}: file not found (bring your own model, README section 4)`);
    camera = cameraOnClip(found, path.resolve(args.clip), args.fps);
    if (args.truth) {
      if (!camera.capabilities.includes('entrance') || !camera.entrance_line)
        throw new BadInput(`--truth: camera ${camera.camera_id} counts no entrance line, so a hand count of crossings has nothing to compare with`);
      handCount = parseHandCount(readInput(args.truth, '--truth'), args.truth, [ENTRANCE_LINE]);
    }
    if (args.mot) {
      try {
        gt = parseMotText(readInput(args.mot, '--mot'));
      } catch (err) {
        throw err instanceof BadInput ? err : new BadInput(`--mot ${args.mot}: ${errorText(err)}`);
      }
      if (gt.length === 0) throw new BadInput(`--mot ${args.mot}: no boxes`);
    }
    try {
      clip = await probeClip(camera.rtsp);
    } catch (err) {
      throw new BadInput(`${args.clip}: not a readable video (${errorText(err)})`);
    }
  } catch (err) {
    if (err instanceof BadInput || err instanceof ConfigError || err instanceof HandCountError) {
      io.err(`wink-edge audit: ${err.message}\n`);
      if (err instanceof BadInput && /required|expected one clip|Unknown option|both/.test(err.message)) io.err(`\n${AUDIT_USAGE}\n`);
      return 1;
    }
    throw err;
  }

  try {
    const started = performance.now();
    io.err(
      `audit: ${camera.camera_id} on ${args.clip} (${clip.size[0]}x${clip.size[1]} @ ${round(clip.fps, 2)} fps), analysing at ${Math.min(camera.target_fps, clip.fps)} fps …\n`,
    );
    const frames = await detectClip(clip, clipDetectorOf(config.detector), {
      fps: camera.target_fps,
      ...(args.cacheDir ? { cacheDir: args.cacheDir } : {}),
      progressEvery: 50,
      onProgress: (n, clipS) => io.err(`audit: ${n} frames, clip ${formatClipTime(clipS)} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`),
    });
    const audit = analyseDetections(frames, camera, config.detector.confidence, clip.size);
    const report: AuditReport = {
      camera: camera.camera_id,
      clip: args.clip,
      fps: Math.min(camera.target_fps, clip.fps),
      frames: audit.frames,
      clipSeconds: frames.length ? (frames[frames.length - 1].timestampMs - audit.clipStartMs) / 1000 : 0,
      figures: audit.figures,
    };
    if (handCount) {
      report.truth = { kind: 'hand count', file: args.truth!, comparison: compareFigures(audit.figures, { crossings: handCount }, args.toleranceS) };
    } else if (gt) {
      // The ground truth's frame 1 is the clip's first frame, at the clip's own rate.
      const truth = groundTruthFigures(gt, clip.fps, camera, clip.size, audit.clipStartMs);
      report.truth = { kind: 'ground truth', file: args.mot!, figures: truth, comparison: compareFigures(audit.figures, truth, args.toleranceS) };
    }
    io.err(`audit: done, ${audit.frames} frames in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    io.out(args.json ? `${JSON.stringify(report, jsonNumbers, 2)}\n` : renderAuditReport(report));
    return 0;
  } catch (err) {
    io.err(`wink-edge audit: failed: ${errorText(err)}\n`);
    return 2;
  }
}

/** JSON has no NaN/Infinity: a mean of nothing is null, a phantom count's relative error "Infinity". */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : String(value);
  return value;
}

const round = (x: number, d = 1) => (Number.isFinite(x) ? String(Math.round(x * 10 ** d) / 10 ** d) : '–');
const signed = (x: number, d = 1) => (Number.isFinite(x) ? `${Number(round(x, d)) > 0 ? '+' : ''}${round(x, d)}` : '–');
const percent = (f: FigureError) => (f.relative === Infinity ? '(no truth)' : Number.isFinite(f.relative) ? `${(f.relative * 100).toFixed(1)} %` : '');

/** The report as a person reads it: figures first, then the errors and the moments to look at. */
export function renderAuditReport(r: AuditReport): string {
  const out: string[] = [];
  out.push(`Audit of camera ${r.camera} on ${r.clip}: ${r.frames} frames at ${round(r.fps, 2)} fps, ${formatClipTime(r.clipSeconds)} of clip`);
  const f = r.figures;
  const section = (title: string, rows: string[]) => out.push(`${title}:`, ...(rows.length ? rows : ['  none configured']));
  section(
    'Entrance lines',
    Object.entries(f.lines).map(([id, l]) => `  ${id}: in ${l.in}, out ${l.out}`),
  );
  for (const [, spec] of POLYGON_RULE_LIST) {
    const { count, mean, meanLabel } = spec.audit;
    const figures = f[spec.key as PolygonKey] as unknown as Record<string, Record<string, number>>;
    section(
      spec.label,
      Object.entries(figures).map(([id, x]) => `  ${id}: ${x[count]} ${count}, ${meanLabel} ${round(x[mean])} s`),
    );
  }
  if (r.truth) {
    const c = r.truth.comparison;
    out.push('', `Against the ${r.truth.kind} ${r.truth.file}:`);
    const width = Math.max(6, ...c.figures.map((x) => x.figure.length));
    out.push(`  ${'figure'.padEnd(width)}  ${'truth'.padStart(6)}  ${'counted'.padStart(7)}  ${'error'.padStart(6)}`);
    for (const x of c.figures) {
      out.push(
        `  ${x.figure.padEnd(width)}  ${round(x.truth, 2).padStart(6)}  ${round(x.counted, 2).padStart(7)}  ${signed(x.error, 2).padStart(6)}  ${percent(x)}`,
      );
    }
    const m = c.crossings;
    out.push(`Crossings within ±${c.toleranceS} s: ${m.matched.length} matched, ${m.missed.length} missed, ${m.added.length} added`);
    const where = (x: object) => ('row' in x ? `, ${r.truth?.file} row ${x.row}` : 'person' in x ? `, ground-truth ${x.person}` : '');
    for (const x of m.missed) out.push(`  missed  ${x.direction.padEnd(3)} at ${formatClipTime(x.atS)}  (${x.line}${where(x)})`);
    for (const x of m.added) out.push(`  added   ${x.direction.padEnd(3)} at ${formatClipTime(x.atS)}  (${x.line}, ${x.person})`);
  }
  return `${out.join('\n')}\n`;
}
