// wink-edge audit: its input checks (no ../shared needed), and the proofs on a shared sequence — the audit with
// ground-truth tracks gives eval:edge's counts for the same geometry, and a hand count with a deliberate mistake
// shows that crossing. Detections come from eval:edge's cache ($TMPDIR/wink-eval-cache): free when eval:edge or
// this test ran before, one detection pass of TUD-Campus (71 frames) otherwise.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, repoRoot, sharedFile } from '../../test/shared-material.ts';
import {
  DEFAULT_EVAL_SETTINGS,
  detectSequence,
  evalCamera,
  loadSequence,
  pipelineTrackerOptions,
  replayRules,
  trackFeet,
  truthCamera,
  truthCounts,
} from '../eval/sequence-eval.ts';
import { entranceDoorRegion } from '../vision/camera-vision-pipeline.ts';
import { auditCommand, type AuditReport } from './audit-command.ts';

const EVAL_CACHE = path.join(os.tmpdir(), 'wink-eval-cache');

async function audit(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await auditCommand(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) }, {});
  return { code, stdout, stderr };
}

function tmpDir() {
  return mkdtempSync(path.join(os.tmpdir(), 'wink-audit-'));
}

/** A store config with one camera per counting line, each with the sequence's zones. `${WINK_KEY}` is never set. */
function configFor(
  dir: string,
  model: string,
  cameras: Array<{ id: string; line: readonly [readonly number[], readonly number[]]; inside: string; door: boolean }>,
  zones: Record<string, unknown>,
) {
  const file = path.join(dir, 'config.yaml');
  const cams = cameras
    .map(
      (c) => `  - camera_id: ${c.id}
    rtsp: rtsp://admin:\${WINK_CAM_PASSWORD}@10.0.0.5/stream1
    api_key: \${WINK_KEY}
    capabilities: [entrance, zones]
    screenshot_size: [640, 480]
    entrance_line: ${JSON.stringify(c.line)}
    entrance_inside: ${c.inside}
${c.door ? '    entrance_door: auto\n' : ''}    target_fps: 25
    zones: ${JSON.stringify(zones)}`,
    )
    .join('\n');
  writeFileSync(file, `api_base: https://api.wink.example.com\norg_id: org_demo\nstore_id: store_demo_001\ndetector:\n  model: ${model}\ncameras:\n${cams}\n`);
  return file;
}

describe('wink-edge audit: bad input exits 1 before any analysis', () => {
  const dir = tmpDir();
  // Empty stand-ins: every check below fails before the clip is decoded or the model loaded.
  const model = path.join(dir, 'model.onnx');
  const clip = path.join(dir, 'clip.mp4');
  writeFileSync(model, '');
  writeFileSync(clip, '');
  const config = configFor(
    dir,
    model,
    [
      {
        id: 'cam_door',
        line: [
          [300, 0],
          [300, 480],
        ],
        inside: 'left',
        door: false,
      },
    ],
    {
      middle: [
        [0, 0],
        [10, 0],
        [10, 10],
      ],
    },
  );
  const csv = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it.each<[string, () => string[], RegExp]>([
    [
      'a hand count with a bad row, naming row and field',
      () => ['--config', config, '--camera', 'cam_door', clip, '--truth', csv('bad.csv', 'time,direction\n0:03,in\n0:07,sideways\n')],
      /bad\.csv: invalid hand count\nrow 3, direction: "sideways" must be in or out/,
    ],
    [
      'a hand count time that is no time',
      () => ['--config', config, '--camera', 'cam_door', clip, '--truth', csv('bad-time.csv', 'time,direction\n1:75,in\n')],
      /row 2, time: "1:75" is not a clip time/,
    ],
    [
      'an unknown camera, listing the cameras',
      () => ['--config', config, '--camera', 'cam_x', clip],
      /--camera cam_x: no such camera in .*config\.yaml \(cameras: cam_door\)/,
    ],
    [
      'a config that fails start-up validation',
      () => ['--config', csv('config-bad.yaml', 'org_id: 1\n'), '--camera', 'cam_door', clip],
      /invalid configuration/,
    ],
    ['a missing clip', () => ['--config', config, '--camera', 'cam_door', path.join(dir, 'nope.mp4')], /nope\.mp4: no such clip file/],
    ['two truths at once', () => ['--config', config, '--camera', 'cam_door', clip, '--truth', 'a.csv', '--mot', 'gt.txt'], /give one truth, not both/],
    [
      'a bad --tolerance',
      () => ['--config', config, '--camera', 'cam_door', clip, '--tolerance', 'soon'],
      /--tolerance: must be a non-negative number, got "soon"/,
    ],
    ['a missing --camera', () => ['--config', config, clip], /--camera <camera_id> is required/],
  ])('%s', async (_name, args, message) => {
    const r = await audit(args());
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('a clip that is not a video is bad input too', async () => {
    const r = await audit(['--config', config, '--camera', 'cam_door', clip]);
    expect(r.stderr).toMatch(/clip\.mp4: not a readable video/);
    expect(r.code).toBe(1);
  });

  const deno = path.join(repoRoot, 'node_modules', '.bin', 'deno');
  (existsSync(deno) ? it : it.skip)(
    'the CLI under Deno exits 1 on a bad hand-count row, naming row and field',
    async () => {
      const bad = csv('cli.csv', 'time,direction\n2.5,in\nabc,out\n');
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(
          deno,
          ['run', '--allow-all', path.join(repoRoot, 'edge/src/main.ts'), 'audit', '--config', config, '--camera', 'cam_door', clip, '--truth', bad],
          {
            env: { ...process.env, NO_COLOR: '1' },
          },
        );
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stderr }));
      });
      expect(r.stderr).toContain('row 3, time: "abc" is not a clip time');
      expect(r.code).toBe(1);
    },
    60_000,
  );
});

const MODEL = 'models/yolov8n_int8.onnx';
const SEQUENCE = 'sequences/TUD-Campus';

describeIfShared([MODEL, `${SEQUENCE}/gt/gt.txt`, `${SEQUENCE}/seqinfo.ini`, `${SEQUENCE}.mp4`], 'wink-edge audit on TUD-Campus (eval cache)', () => {
  const seq = loadSequence(sharedFile(SEQUENCE));
  const model = sharedFile(MODEL);
  const settings = { ...DEFAULT_EVAL_SETTINGS, model };
  const fps = seq.info.fps; // the source rate: 71 frames
  const dir = tmpDir();
  const cameraId = (lineId: string) => `cam_${lineId}`;
  const config = configFor(
    dir,
    model,
    seq.lines.map((l) => ({ id: cameraId(l.id), line: l.line, inside: l.insideSide, door: l.door })),
    seq.geometry.zones,
  );
  const reports = new Map<string, AuditReport>();
  const realFetch = globalThis.fetch;
  let fetchCalls = 0;

  beforeAll(async () => {
    acceptCrossRealmTypedArrays();
    // eval:edge's detection pass (cached): the audit below must find and reuse it.
    await detectSequence(seq, settings, { fps, cacheDir: EVAL_CACHE });
    globalThis.fetch = (async () => {
      fetchCalls++;
      throw new Error('the audit must not use the network');
    }) as typeof fetch;
    try {
      for (const line of seq.lines) {
        const r = await audit([
          '--config',
          config,
          '--camera',
          cameraId(line.id),
          seq.video,
          '--mot',
          path.join(seq.dir, 'gt', 'gt.txt'),
          '--json',
          '--cache-dir',
          EVAL_CACHE,
        ]);
        if (r.code !== 0) throw new Error(`audit exited ${r.code}: ${r.stderr}`);
        reports.set(line.id, JSON.parse(r.stdout) as AuditReport);
      }
    } finally {
      globalThis.fetch = realFetch;
    }
  }, 180_000);

  it('sends nothing (no fetch at all)', () => {
    expect(fetchCalls).toBe(0);
  });

  it("--mot gives eval:edge's counted and true in/out on every line (door band on door lines) and its zone visits", async () => {
    const detections = await detectSequence(seq, settings, { fps, cacheDir: EVAL_CACHE });
    const frameSize: [number, number] = [seq.info.width, seq.info.height];
    for (const line of seq.lines) {
      // What edge.eval.ts computes for the "late +door (door lines)" setting and for the truth.
      const s = { ...settings, countingMode: 'late' as const, marginPx: 0, ...(line.door ? { door: 'auto' as const } : {}) };
      const camera = evalCamera(seq, s, fps, line);
      const { tracked } = trackFeet(detections, pipelineTrackerOptions(s, fps, entranceDoorRegion(camera, frameSize)));
      const counted = replayRules(tracked, camera, s, frameSize);
      const truth = truthCounts(seq, truthCamera(seq, line, s), s);
      const report = reports.get(line.id)!;
      const figure = (name: string) => report.truth!.comparison.figures.find((f) => f.figure === name)!;
      expect({ line: line.id, in: report.figures.lines.entrance.in, out: report.figures.lines.entrance.out }).toEqual({
        line: line.id,
        in: counted.in,
        out: counted.out,
      });
      expect({ line: line.id, in: figure('entrance in').truth, out: figure('entrance out').truth }).toEqual({ line: line.id, in: truth.in, out: truth.out });
      for (const zone of Object.keys(seq.geometry.zones)) {
        expect(report.figures.zones[zone].visits).toBe(counted.visits.filter((v) => v.zoneId === zone).length);
        expect(figure(`zone ${zone} visits`).truth).toBe(truth.visits.filter((v) => v.zoneId === zone).length);
      }
    }
  });

  it("matches README section 10's eval:edge table: TUD-Campus at 25 fps, late + door on door lines, in 5/6 out 4/4", () => {
    const sum = (pick: (r: AuditReport) => number) => [...reports.values()].reduce((s, r) => s + pick(r), 0);
    const truthOf = (r: AuditReport, name: string) => r.truth!.comparison.figures.find((f) => f.figure === name)!.truth;
    expect({ trueIn: sum((r) => truthOf(r, 'entrance in')), in: sum((r) => r.figures.lines.entrance.in) }).toEqual({ trueIn: 5, in: 6 });
    expect({ trueOut: sum((r) => truthOf(r, 'entrance out')), out: sum((r) => r.figures.lines.entrance.out) }).toEqual({ trueOut: 4, out: 4 });
  });

  it('a hand count with one crossing left out and one typed 5 s late shows those crossings, with their clip times', async () => {
    const line = seq.lines[0];
    const counted = reports.get(line.id)!.figures.lines.entrance.crossings;
    expect(counted.length).toBeGreaterThanOrEqual(3);
    const [kept, removed, shifted, ...rest] = counted;
    const rows = [kept, { ...shifted, atS: shifted.atS + 5 }, ...rest].map((c, i) =>
      // One row as m:ss, the rest as seconds, as people write them.
      i === 0 ? `0:${c.atS.toFixed(2).padStart(5, '0')},${c.direction}` : `${c.atS.toFixed(2)},${c.direction}`,
    );
    const csv = path.join(dir, 'hand-count.csv');
    writeFileSync(csv, `time,direction\n${rows.join('\n')}\n`);
    const args = ['--config', config, '--camera', cameraId(line.id), seq.video, '--truth', csv, '--tolerance', '0.1', '--cache-dir', EVAL_CACHE];
    const json = await audit([...args, '--json']);
    expect(json.code).toBe(0);
    const m = (JSON.parse(json.stdout) as AuditReport).truth!.comparison.crossings;
    expect(m.missed.map((x) => [x.direction, Number(x.atS.toFixed(2))])).toEqual([[shifted.direction, Number((shifted.atS + 5).toFixed(2))]]);
    expect(m.added.map((x) => [x.direction, x.atS]).sort()).toEqual([removed, shifted].map((x) => [x.direction, x.atS]).sort());
    expect(m.matched).toHaveLength(counted.length - 2);
    const text = await audit(args);
    expect(text.stdout).toContain(`Crossings within ±0.1 s: ${counted.length - 2} matched, 1 missed, 2 added`);
    expect(text.stdout).toMatch(new RegExp(`missed  ${shifted.direction} +at 0:0${(shifted.atS + 5).toFixed(1).replace('.', '\\.')} .*hand-count\\.csv row 3`));
    expect(readFileSync(csv, 'utf8').split('\n')).toHaveLength(counted.length + 1);
  });
});
