// The store's config.yaml, validated once at start-up into typed objects. Every problem is reported
// at once, one line each, naming the key path, so an installer fixes the file in one pass.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { load, YAMLException } from 'js-yaml';
import { z } from 'zod';
import { CAPABILITIES, MAX_EVENTS_PER_BATCH, formatPath, type Capability } from '../../../shared/src/events.ts';
import type { Point, Polygon, Size } from '../vision/geometry.ts';
import { COUNTING_MODES, DEFAULT_ENTRANCE_COUNTING, DEFAULT_ENTRANCE_MARGIN_PX, type CountingMode } from '../rules/entrance-line.ts';
import { POLYGON_KEYS, POLYGON_RULE_LIST, RULE_OPTIONS, type PolygonKey, type RuleOptionName } from '../rules/polygon-rules.ts';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../vision/execution-provider.ts';
import { DEFAULT_MOTION, type MotionSettings } from '../vision/motion-gate.ts';

export type { Capability };
export type EntranceLine = readonly [Point, Point];
/** Side of the entrance line that is inside the store, for someone walking from its first point to its second, as seen on screen. */
export type EntranceSide = 'left' | 'right';
export type DetectorFormat = 'yolov8' | 'yolox';

export interface DetectorConfig {
  /** ONNX model file; users bring their own (the product ships no weights). */
  model: string;
  format: DetectorFormat;
  /** Square network input in pixels (multiple of 32). */
  input_size: number;
  confidence: number;
  /** IoU threshold for non-maximum suppression. */
  nms_iou: number;
  /** onnxruntime intra-op threads for each camera's worker (inference: per_camera). */
  threads_per_camera: number;
  /**
   * `shared` (default): one inference worker for the box runs every camera's frames, fairly (vision/shared-detector.ts);
   * `per_camera`: each camera worker loads its own session.
   */
  inference: 'shared' | 'per_camera';
  /** Sessions of the shared service, one onnxruntime thread each, run in parallel (about the box's cores). */
  threads: number;
  /** Where the model runs (vision/execution-provider.ts); falls back to cpu, with a start-up message, when missing. */
  execution_provider: ExecutionProvider;
}

export const REPLAY_MODES = ['realtime', 'every_frame'] as const;
export type ReplayMode = (typeof REPLAY_MODES)[number];

/**
 * Each polygon rule's polygons by name (`zones`, `shelves`, `queues` …) and its own numbers (`min_shelf_dwell_s` …),
 * declared in rules/polygon-rules.ts. Always set once parsed ({} and the defaults); optional so a camera built in code
 * names only the rules it uses.
 */
type PolygonRuleFields = { [K in PolygonKey]?: Readonly<Record<string, Polygon>> } & { [O in RuleOptionName]?: number };

export interface CameraConfig extends PolygonRuleFields {
  camera_id: string;
  name?: string;
  /** rtsp:// URL, or a local video file for replay. May hold a password: print it only through maskUrlPassword (shared/src/url-secrets.ts). */
  rtsp: string;
  source: 'rtsp' | 'file';
  /** This camera's edge key: its own, or the top-level one. */
  api_key: string;
  capabilities: readonly Capability[];
  /** The frame size the geometry below was drawn on; polygons are scaled from it to the decoded frame. */
  screenshot_size: Size;
  entrance_line?: EntranceLine;
  entrance_inside?: EntranceSide;
  /** `late`: one net count per visit to the line; `each_crossing`: every crossing (see entrance-line.ts). */
  entrance_counting: CountingMode;
  /** Screenshot pixels the foot must be beyond the line before a crossing confirms. */
  entrance_margin_px: number;
  /**
   * Where people appear from and vanish into the store: a polygon, `auto` (a band along the line) or `none`. late
   * mode only. Not set: `auto` for a line along an edge of the picture, none elsewhere (defaultEntranceDoor).
   */
  entrance_door?: Polygon | 'auto' | 'none';
  /** Frames analysed per second for this camera; the store-wide target_fps when not set. */
  target_fps: number;
  /**
   * Video files only. `realtime` (default): played at the file's own speed like a camera, frames the detector
   * misses are dropped (and counted in heartbeats). `every_frame`: every sampled frame is analysed, as fast as
   * the machine goes (a replay or an audit gives the same counts on any machine); the camera ends with the file,
   * and when every camera of the config has ended this way, the edge sends what it holds and exits.
   */
  replay: ReplayMode;
  /** Motion gating (vision/motion-gate.ts): the store-wide `motion` with this camera's own keys over it. */
  motion: MotionSettings;
}

/** The calibration page (local-ui/): off unless configured; see README "Set up a new camera in ten minutes". */
export interface LocalUiConfig {
  /** Address to listen on; 127.0.0.1 by default, so the page is reached through the box (or an SSH tunnel). */
  listen: string;
  port: number;
  /** What the page asks for (any user name); also accepted as a Bearer token. */
  password: string;
}

export interface EdgeConfig {
  api_base: string;
  org_id: string;
  store_id: string;
  target_fps: number;
  heartbeat_interval_s: number;
  request_timeout_ms: number;
  log_level: 'debug' | 'info' | 'warn' | 'error';
  detector: DetectorConfig;
  batch: { max_events: number; max_wait_ms: number };
  /** max_mb is the budget for the whole device, split evenly across cameras (see outbox.ts). */
  buffer: { dir: string; max_mb: number };
  /** A worker silent for stall_s is restarted; restarts back off up to max_restart_delay_s. */
  watchdog: { stall_s: number; max_restart_delay_s: number };
  /** Store-wide motion gating; each camera's `motion` keys override it. */
  motion: MotionSettings;
  local_ui?: LocalUiConfig;
  cameras: readonly CameraConfig[];
}

export class ConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}invalid configuration\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Schema. Messages are phrased for the operator; the path is added when formatting.

const text = z.string({ error: 'must be a text value' }).trim().min(1, 'must not be empty');
const id = text.max(128, 'must be at most 128 characters');
/** Camera ids name buffer directories on disk, so only file-name-safe characters. */
const cameraId = id.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit');

const num = (what = 'a number') => z.number({ error: `must be ${what}` }).finite();
const range = (min: number, max: number, unit = '') => num().min(min, `must be at least ${min}${unit}`).max(max, `must be at most ${max}${unit}`);
const whole = (min: number, max: number, unit = '') =>
  num('a whole number').int('must be a whole number').min(min, `must be at least ${min}${unit}`).max(max, `must be at most ${max}${unit}`);

const httpUrl = z
  .string({ error: 'must be an http:// or https:// URL' })
  .refine((s) => parseUrl(s, ['http:', 'https:']) !== null, 'must be an http:// or https:// URL (e.g. https://api.example.com)')
  .transform((s) => s.replace(/\/+$/, ''));

const cameraSource = z
  .string({ error: 'must be an rtsp:// URL or a video file path' })
  .min(1, 'must be an rtsp:// URL or a video file path')
  .refine(
    (s) => !looksLikeUrl(s) || parseUrl(s, ['rtsp:', 'rtsps:']) !== null,
    'must be an rtsp:// URL (e.g. rtsp://user:pass@10.0.0.5/stream1) or a video file path',
  );

const coord = num();
const point = z.tuple([coord, coord], { error: 'must be a point [x, y]' });
const polygon = z.array(point, { error: 'must be a polygon: a list of points [[x, y], ...]' }).min(3, 'polygon needs at least 3 points');
const polygons = z.record(id, polygon, { error: 'must be a map of name → polygon' });

const mapping = { error: 'must be a mapping of keys' };

/** Motion gating keys (vision/motion-gate.ts); the store-wide block has defaults, a camera's overrides none. */
const motionFields = {
  enabled: z.boolean({ error: 'must be true or false' }),
  threshold: range(1, 255, ' grey levels'),
  min_area: range(0, 1),
  refresh_s: range(0.2, 3600, ' s'),
};
const motionOverrideSchema = z.strictObject(
  {
    enabled: motionFields.enabled.optional(),
    threshold: motionFields.threshold.optional(),
    min_area: motionFields.min_area.optional(),
    refresh_s: motionFields.refresh_s.optional(),
  },
  mapping,
);

/** The camera keys of the polygon rules (rules/polygon-rules.ts): every rule's polygons, then every rule's own numbers. */
function polygonRuleShape() {
  const shape = {
    ...Object.fromEntries(POLYGON_KEYS.map((key) => [key, polygons.default({})])),
    ...Object.fromEntries(Object.entries(RULE_OPTIONS).map(([name, o]) => [name, range(o.min, o.max, o.unit).default(o.default)])),
  };
  return shape as Record<PolygonKey, z.ZodDefault<typeof polygons>> & Record<RuleOptionName, z.ZodDefault<z.ZodNumber>>;
}

const cameraSchema = z.strictObject(
  {
    camera_id: cameraId,
    name: text.max(200).optional(),
    rtsp: cameraSource,
    api_key: text.optional(),
    capabilities: z
      .array(z.enum(CAPABILITIES, { error: `must be one of ${CAPABILITIES.join(', ')}` }), {
        error: `must be a list of capabilities (${CAPABILITIES.join(', ')})`,
      })
      .min(1, 'must list at least one capability'),
    screenshot_size: z.tuple([whole(1, 10_000, ' px'), whole(1, 10_000, ' px')], { error: 'must be [width, height] in pixels' }),
    entrance_line: z.tuple([point, point], { error: 'must be a line of two points [[x, y], [x, y]]' }).optional(),
    entrance_inside: z.enum(['left', 'right'], { error: 'must be "left" or "right"' }).optional(),
    entrance_counting: z.enum(COUNTING_MODES, { error: `must be one of ${COUNTING_MODES.join(', ')}` }).default(DEFAULT_ENTRANCE_COUNTING),
    entrance_margin_px: range(0, 500, ' px').default(DEFAULT_ENTRANCE_MARGIN_PX),
    entrance_door: z.union([z.literal('auto'), z.literal('none'), polygon], { error: 'must be "auto", "none" or a polygon [[x, y], ...]' }).optional(),
    target_fps: range(0.5, 60, ' fps').optional(),
    replay: z.enum(REPLAY_MODES, { error: `must be one of ${REPLAY_MODES.join(', ')}` }).default('realtime'),
    motion: motionOverrideSchema.optional(),
    ...polygonRuleShape(),
  },
  mapping,
);

const detectorSchema = z.strictObject(
  {
    model: text.default('models/detector.onnx'),
    format: z.enum(['yolov8', 'yolox'], { error: 'must be "yolov8" or "yolox"' }).default('yolov8'),
    input_size: whole(32, 1920, ' px')
      .refine((n) => n % 32 === 0, 'must be a multiple of 32')
      .default(640),
    // 0.4: best of a grid search on TUD-Campus (in/out exact, IDF1 76.2; 0.35 over-counted `in` by one), see npm run eval:edge.
    confidence: range(0.01, 0.99).default(0.3),
    nms_iou: range(0.1, 0.95).default(0.45),
    threads_per_camera: whole(1, 16).default(1),
    inference: z.enum(['shared', 'per_camera'], { error: 'must be "shared" or "per_camera"' }).default('shared'),
    threads: whole(1, 64).default(2),
    execution_provider: z.enum(EXECUTION_PROVIDERS, { error: `must be one of ${EXECUTION_PROVIDERS.join(', ')}` }).default('cpu'),
  },
  mapping,
);

const configSchema = z.strictObject({
  api_base: httpUrl,
  api_key: text.optional(),
  org_id: id,
  store_id: id,
  target_fps: range(0.5, 30, ' fps').default(5),
  heartbeat_interval_s: range(5, 3600, ' s').default(30),
  request_timeout_ms: whole(500, 120_000, ' ms').default(10_000),
  log_level: z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' }).default('info'),
  detector: detectorSchema.prefault({}),
  batch: z
    .strictObject(
      {
        max_events: whole(1, MAX_EVENTS_PER_BATCH).default(500),
        max_wait_ms: whole(0, 60_000, ' ms').default(2000),
      },
      mapping,
    )
    .prefault({}),
  buffer: z
    .strictObject(
      {
        dir: text.default('./buffers'),
        max_mb: range(1, 1_000_000, ' MB').default(512),
      },
      mapping,
    )
    .prefault({}),
  watchdog: z
    .strictObject(
      {
        stall_s: range(5, 3600, ' s').default(30),
        max_restart_delay_s: range(1, 3600, ' s').default(60),
      },
      mapping,
    )
    .prefault({}),
  motion: z
    .strictObject(
      {
        enabled: motionFields.enabled.default(DEFAULT_MOTION.enabled),
        threshold: motionFields.threshold.default(DEFAULT_MOTION.threshold),
        min_area: motionFields.min_area.default(DEFAULT_MOTION.min_area),
        refresh_s: motionFields.refresh_s.default(DEFAULT_MOTION.refresh_s),
      },
      mapping,
    )
    .prefault({}),
  local_ui: z
    .strictObject(
      {
        listen: text.refine((s) => isIP(s) !== 0, 'must be an IP address, e.g. 127.0.0.1 (this box only) or 0.0.0.0 (every interface)').default('127.0.0.1'),
        port: whole(1, 65_535).default(8780),
        // It can rewrite this file: a guessable password is refused.
        password: text.min(12, 'must be at least 12 characters (it guards a page that rewrites this file)'),
      },
      mapping,
    )
    .optional(),
  cameras: z.array(cameraSchema, { error: 'must be a list of cameras' }).min(1, 'must list at least one camera'),
});

// ---------------------------------------------------------------------------------------------

export function loadConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): EdgeConfig {
  return parseConfig(readConfigFile(path), env, path);
}

export function parseConfig(yamlText: string, env: Readonly<Record<string, string | undefined>>, source?: string): EdgeConfig {
  const { problems, parsed } = examine(yamlText, env, source, false);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems, source);
  const c = parsed.data;
  return {
    ...c,
    cameras: c.cameras.map(
      (cam): CameraConfig => ({
        ...cam,
        // crossFieldProblems guarantees one of the two is present.
        api_key: (cam.api_key ?? c.api_key)!,
        source: looksLikeUrl(cam.rtsp) ? 'rtsp' : 'file',
        target_fps: cam.target_fps ?? c.target_fps,
        motion: { ...c.motion, ...cam.motion },
      }),
    ),
  };
}

/** What `validate` says of a file by default: a shell (or another machine) may lack the service's secrets. */
export interface ConfigFileCheck {
  storeId: string;
  cameras: number;
  unsetEnv: string[];
}

/**
 * Every problem of the file itself (thrown as a ConfigError, as by loadConfig), while a ${VAR} not set in `env`
 * is returned in `unsetEnv` instead of failing: `run` and `test` need those values, a check of the file does not.
 */
export function checkConfigFile(path: string, env: Readonly<Record<string, string | undefined>> = process.env): ConfigFileCheck {
  const { problems, unset, substituted } = examine(readConfigFile(path), env, path, true);
  if (problems.length > 0) throw new ConfigError(problems, path);
  const cameras = substituted.cameras;
  return { storeId: String(substituted.store_id), cameras: Array.isArray(cameras) ? cameras.length : 0, unsetEnv: unset };
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`], path);
  }
}

/** The file's problems; with `lenient`, unset variables are listed apart in `unset` instead of among them. */
function examine(yamlText: string, env: Readonly<Record<string, string | undefined>>, source: string | undefined, lenient: boolean) {
  let raw: unknown;
  try {
    raw = load(yamlText, source ? { filename: source } : {});
  } catch (err) {
    throw new ConfigError([yamlProblem(err)], source);
  }
  if (!isRecord(raw)) throw new ConfigError(['(root): must be a mapping of keys (api_base, org_id, store_id, cameras, ...)'], source);

  const problems: string[] = [];
  const unset: string[] = [];
  const substituted = substituteEnv(raw, env, [], problems, lenient ? unset : problems) as Record<string, unknown>; // a mapping stays a mapping
  // A value whose variable is missing gets that one problem, not a second one about its leftover "${…}".
  const unresolved = new Set([...problems, ...unset].map((p) => p.slice(0, p.indexOf(': '))));
  const parsed = configSchema.safeParse(substituted, { reportInput: true });
  const later = parsed.success ? [] : parsed.error.issues.flatMap(describeConfigIssue);
  // Cross-field rules are checked on the raw tree too, so they are reported even when unrelated fields are wrong.
  later.push(...crossFieldProblems(substituted));
  problems.push(...later.filter((p) => !unresolved.has(p.slice(0, p.indexOf(': ')))));
  return { problems: unique(problems), unset, parsed, substituted };
}

// ---------------------------------------------------------------------------------------------
// ${VAR} / ${VAR:-default} substitution in string values ($$ is a literal $).

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{/g;
const REFERENCE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function substituteEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, path: PropertyKey[], problems: string[], unset: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, body: string | undefined) => {
      if (match === '$$') return '$';
      const ref = body === undefined ? null : REFERENCE_BODY.exec(body);
      if (!ref) {
        problems.push(`${formatPath(path)}: "${match}" is not a valid variable reference; write \${NAME} or \${NAME:-default}`);
        return match;
      }
      const [, name, fallback] = ref;
      const set = env[name];
      // Shell semantics: ":-" also replaces an empty value.
      if (set !== undefined && (set !== '' || fallback === undefined)) return set;
      if (fallback !== undefined) return fallback;
      unset.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i], problems, unset));
  if (isRecord(value)) {
    // A key left blank in YAML (`zones:`) is null: treat it as absent, so defaults and "is required" apply.
    const present = Object.entries(value).filter(([, v]) => v !== null);
    return Object.fromEntries(present.map(([k, v]) => [k, substituteEnv(v, env, [...path, k], problems, unset)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------

function describeConfigIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${formatPath([...path, k])}: unknown key`);
  if (issue.code === 'invalid_type' && issue.input === undefined) return [`${formatPath(path)}: is required`];
  return [`${formatPath(path)}: ${issue.message}`];
}

const GEOMETRY_FOR: Record<Capability, 'entrance_line' | PolygonKey> = {
  entrance: 'entrance_line',
  ...(Object.fromEntries(POLYGON_RULE_LIST.map(([capability, spec]) => [capability, spec.key])) as Record<Exclude<Capability, 'entrance'>, PolygonKey>),
};

/** Rules that span several keys. Works on the unvalidated tree, so it guards every shape it reads. */
function crossFieldProblems(root: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const cameras = Array.isArray(root.cameras) ? root.cameras : [];
  const firstUse = new Map<string, number>();
  const topLevelKey = typeof root.api_key === 'string' && root.api_key.trim() !== '';

  cameras.forEach((cam: unknown, i) => {
    if (!isRecord(cam)) return;
    const at = (...rest: PropertyKey[]) => formatPath(['cameras', i, ...rest]);

    if (typeof cam.camera_id === 'string') {
      const prev = firstUse.get(cam.camera_id);
      if (prev !== undefined) problems.push(`${at('camera_id')}: duplicate camera id "${cam.camera_id}" (also cameras[${prev}])`);
      else firstUse.set(cam.camera_id, i);
    }

    if (cam.replay === 'every_frame' && typeof cam.rtsp === 'string' && looksLikeUrl(cam.rtsp)) {
      problems.push(`${at('replay')}: "every_frame" is for video files; a live rtsp:// camera cannot wait for the detector`);
    }

    if (cam.api_key === undefined && !topLevelKey) problems.push(`${at('api_key')}: is required (there is no top-level api_key to fall back to)`);

    const caps = Array.isArray(cam.capabilities) ? cam.capabilities : [];
    const seen = new Set<unknown>();
    caps.forEach((cap, j) => {
      if (seen.has(cap)) problems.push(`${at('capabilities', j)}: "${String(cap)}" is listed twice`);
      seen.add(cap);
      if (!(CAPABILITIES as readonly unknown[]).includes(cap)) return;
      const key = GEOMETRY_FOR[cap as Capability];
      const geometry = cam[key];
      if (geometry === undefined || geometry === null) problems.push(`${at(key)}: is required by capability "${String(cap)}"`);
      else if (key !== 'entrance_line' && isRecord(geometry) && Object.keys(geometry).length === 0) {
        problems.push(`${at(key)}: capability "${String(cap)}" needs at least one polygon`);
      }
    });
    if (caps.includes('entrance') && cam.entrance_inside === undefined) {
      problems.push(`${at('entrance_inside')}: is required by capability "entrance" (left or right of the line, walking from its first point to its second)`);
    }
    if (cam.entrance_door !== undefined && cam.entrance_door !== 'none' && cam.entrance_counting === 'each_crossing') {
      problems.push(`${at('entrance_door')}: needs entrance_counting: late (a door region turns first and last sightings into one count per visit)`);
    }

    const size = cam.screenshot_size;
    if (!isPoint(size) || size[0] <= 0 || size[1] <= 0) return;
    const [w, h] = size;
    const checkPoint = (p: unknown, ...where: PropertyKey[]) => {
      if (isPoint(p) && (p[0] < 0 || p[1] < 0 || p[0] > w || p[1] > h)) {
        problems.push(`${at(...where)}: point (${p[0]}, ${p[1]}) is outside screenshot_size ${w}x${h}`);
      }
    };
    if (Array.isArray(cam.entrance_line)) {
      cam.entrance_line.forEach((p: unknown, j) => checkPoint(p, 'entrance_line', j));
      const [a, b] = cam.entrance_line as unknown[];
      if (isPoint(a) && isPoint(b) && a[0] === b[0] && a[1] === b[1]) problems.push(`${at('entrance_line')}: the two points must differ`);
    }
    for (const key of POLYGON_KEYS) {
      const named = cam[key];
      if (!isRecord(named)) continue;
      for (const [name, poly] of Object.entries(named)) {
        if (Array.isArray(poly)) poly.forEach((p: unknown, j) => checkPoint(p, key, name, j));
      }
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------

/** One line, with the position; js-yaml's own message adds a multi-line source snippet. */
function yamlProblem(err: unknown): string {
  if (err instanceof YAMLException) {
    const at = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    return `YAML syntax error${at}: ${err.reason}`;
  }
  return `YAML syntax error: ${err instanceof Error ? err.message : String(err)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPoint(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** "scheme://…" (two or more letters, so a path is never mistaken for a URL). */
function looksLikeUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(s);
}

function parseUrl(s: string, protocols: readonly string[]): URL | null {
  try {
    const url = new URL(s);
    return protocols.includes(url.protocol) && url.hostname !== '' && /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? url : null;
  } catch {
    return null;
  }
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}
