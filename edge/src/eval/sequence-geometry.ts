// Where counting happens on an evaluation sequence: lines and zones, one JSON file per sequence.
//
// Lookup, first found wins:
//   1. <sequence dir>/wink-geometry.json   — a sequence a user brings carries its own geometry;
//   2. bench/sequences/<name>.json          — the geometry of the shared sequences, kept in the repository.
// A sequence with neither is skipped by the evaluation with a message saying where the file was looked for
// (no silent default line). A file is validated when loaded; every problem names the field, e.g.
// `bench/sequences/X.json: lines[1].inside: must be "left" or "right"`.
//
// File format (pixels of the sequence's frames):
//   {
//     "frame_size": [640, 480],                       // must match seqinfo.ini (catches a file for another video)
//     "lines": [                                      // at least one; ids unique
//       { "id": "left_door", "line": [[25, 0], [25, 480]], "inside": "left", "door": true, "note": "..." }
//     ],
//     "zones": { "middle": [[200, 0], [400, 0], [400, 480], [200, 480]] }   // optional, ≥ 3 points each
//   }
// `inside`: the side of the line that is the shop floor, for someone walking from its first point to its second
// (as in the edge config's entrance_inside). `door: true`: a doorway-like line at the edge of the view, where people
// appear and vanish; the ground truth then counts a person first or last seen within the auto door band of the line
// as having come or gone through it (they did: they entered or left the picture there).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Point, Polygon, Segment, Size } from '../vision/geometry.ts';

export interface CountingLine {
  id: string;
  line: Segment;
  insideSide: 'left' | 'right';
  /** A door-like line at the edge of the view (people appear/vanish there). */
  door: boolean;
}

export interface SequenceGeometryFile {
  frameSize: Size;
  lines: CountingLine[];
  zones: Record<string, Polygon>;
}

/** Name of the geometry file a user-brought sequence may carry in its own directory. */
export const SEQUENCE_GEOMETRY_FILE = 'wink-geometry.json';

export class GeometryFileError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Parses and validates a geometry file's text. `source` prefixes every message; `expectedSize` (from
 * seqinfo.ini) must equal frame_size when given. All problems are reported at once.
 */
export function parseSequenceGeometry(text: string, source: string, expectedSize?: Size): SequenceGeometryFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new GeometryFileError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const problems: string[] = [];
  if (!isRecord(raw)) throw new GeometryFileError(`${source}: must be a JSON object with frame_size, lines and zones`);
  const known = new Set(['frame_size', 'lines', 'zones', 'note']);
  for (const k of Object.keys(raw)) if (!known.has(k)) problems.push(`${k}: unknown key (allowed: ${[...known].join(', ')})`);

  const fs = raw.frame_size;
  let size: Size = [0, 0];
  if (!Array.isArray(fs) || fs.length !== 2 || !fs.every((v) => isNum(v) && v > 0)) problems.push('frame_size: must be [width, height] in pixels');
  else {
    size = [fs[0], fs[1]];
    if (expectedSize && (size[0] !== expectedSize[0] || size[1] !== expectedSize[1])) {
      problems.push(`frame_size: is ${size[0]}x${size[1]} but the sequence is ${expectedSize[0]}x${expectedSize[1]}`);
    }
  }
  const point = (p: unknown, at: string): Point | null => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every(isNum)) {
      problems.push(`${at}: must be a point [x, y]`);
      return null;
    }
    // A point may sit on the frame's edge or a little beyond it (a line along the border), not far outside.
    if (size[0] > 0 && (p[0] < -size[0] * 0.1 || p[0] > size[0] * 1.1 || p[1] < -size[1] * 0.1 || p[1] > size[1] * 1.1)) {
      problems.push(`${at}: [${p[0]}, ${p[1]}] is outside the ${size[0]}x${size[1]} frame`);
    }
    return [p[0], p[1]];
  };

  const lines: CountingLine[] = [];
  if (!Array.isArray(raw.lines) || raw.lines.length === 0) problems.push('lines: must be a non-empty list of {id, line, inside, door}');
  else {
    const ids = new Set<string>();
    raw.lines.forEach((l: unknown, i: number) => {
      const at = `lines[${i}]`;
      if (!isRecord(l)) return problems.push(`${at}: must be an object {id, line, inside, door}`);
      for (const k of Object.keys(l)) if (!['id', 'line', 'inside', 'door', 'note'].includes(k)) problems.push(`${at}.${k}: unknown key`);
      if (typeof l.id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(l.id)) problems.push(`${at}.id: must be a name of letters, digits, _ . -`);
      else if (ids.has(l.id)) problems.push(`${at}.id: "${l.id}" is used twice`);
      else ids.add(l.id);
      let seg: Segment | null = null;
      if (!Array.isArray(l.line) || l.line.length !== 2) problems.push(`${at}.line: must be two points [[x, y], [x, y]]`);
      else {
        const a = point(l.line[0], `${at}.line[0]`);
        const b = point(l.line[1], `${at}.line[1]`);
        if (a && b && a[0] === b[0] && a[1] === b[1]) problems.push(`${at}.line: the two points must differ`);
        if (a && b) seg = [a, b];
      }
      if (l.inside !== 'left' && l.inside !== 'right') problems.push(`${at}.inside: must be "left" or "right"`);
      if (l.door !== undefined && typeof l.door !== 'boolean') problems.push(`${at}.door: must be true or false`);
      if (seg && typeof l.id === 'string' && (l.inside === 'left' || l.inside === 'right')) {
        lines.push({ id: l.id, line: seg, insideSide: l.inside, door: l.door === true });
      }
    });
  }

  const zones: Record<string, Polygon> = {};
  if (raw.zones !== undefined) {
    if (!isRecord(raw.zones)) problems.push('zones: must be an object of name → polygon');
    else {
      for (const [name, poly] of Object.entries(raw.zones)) {
        const at = `zones.${name}`;
        if (!Array.isArray(poly) || poly.length < 3) {
          problems.push(`${at}: polygon needs at least 3 points`);
          continue;
        }
        const pts = poly.map((p, j) => point(p, `${at}[${j}]`));
        if (pts.every((p): p is Point => p !== null)) zones[name] = pts;
      }
    }
  }
  if (problems.length) throw new GeometryFileError(`${source}: ${problems.join('; ')}`);
  return { frameSize: size, lines, zones };
}

/** Where the geometry for a sequence is looked for, in order. */
export function geometryCandidates(seqDir: string, name: string, repoGeometryDir: string): string[] {
  return [path.join(seqDir, SEQUENCE_GEOMETRY_FILE), path.join(repoGeometryDir, `${name}.json`)];
}

export type GeometryLookup = { file: string; geometry: SequenceGeometryFile } | { skip: string };

/**
 * The geometry of a sequence, or why it has none (`skip`). A file that exists but is invalid throws a
 * GeometryFileError: a broken file is a mistake to fix, not a sequence to skip quietly.
 */
export function findSequenceGeometry(seqDir: string, name: string, repoGeometryDir: string, expectedSize?: Size): GeometryLookup {
  const candidates = geometryCandidates(seqDir, name, repoGeometryDir);
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    return {
      skip: `${name}: skipped, no counting geometry (looked for ${candidates.join(' and ')}; draw its lines and zones there, see edge/src/eval/sequence-geometry.ts)`,
    };
  }
  return { file, geometry: parseSequenceGeometry(readFileSync(file, 'utf8'), file, expectedSize) };
}

/**
 * Sequence directories under `dir` (those holding gt/gt.txt), symlinked directories included: a user may
 * link their own footage in. Sorted by name.
 */
export function listSequenceDirs(dir: string): string[] {
  return readdirSync(dir)
    .map((n) => path.join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isDirectory() && existsSync(path.join(p, 'gt', 'gt.txt')); // statSync follows symlinks
      } catch {
        return false; // a dangling link
      }
    })
    .sort();
}
