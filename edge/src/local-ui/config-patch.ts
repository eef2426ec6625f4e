// Writes a camera's geometry (entrance line, its inside side, named polygons) back into the store's config.yaml
// as the calibration page saved it, touching only the values that changed: every other byte of the file (comments,
// alignment, blank lines, ${VAR} secrets) stays as the installer wrote it. The `yaml` package's parser gives each
// node's source range; the text is patched in those ranges instead of re-serialised, because re-serialising (its
// Document API, or js-yaml's dump, which also drops comments) re-indents and re-aligns a hand-written file.
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import type { EntranceLine, EntranceSide } from '../runtime/config.ts';
import type { PolygonKey } from '../rules/polygon-rules.ts';
import type { Point, Polygon } from '../vision/geometry.ts';

/** What the calibration page edits on one camera; a key left out is left as it is in the file. */
export type CameraGeometry = {
  entrance_line?: EntranceLine;
  entrance_inside?: EntranceSide;
} & { [K in PolygonKey]?: Readonly<Record<string, Polygon>> };

export class ConfigPatchError extends Error {
  override name = 'ConfigPatchError';
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** `text` with the geometry of the camera at `cameraIndex` (in `cameras:`) replaced by `geometry`. */
export function patchCameraGeometry(text: string, cameraIndex: number, geometry: CameraGeometry): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new ConfigPatchError(`the config file does not parse as YAML: ${doc.errors[0].message}`);
  const cameras = doc.get('cameras', true);
  if (!isSeq(cameras) || !isMap(cameras.items[cameraIndex])) throw new ConfigPatchError(`cameras[${cameraIndex}] is not a camera mapping in the file`);
  const camera = cameras.items[cameraIndex] as YAMLMap;
  const edits: Edit[] = [];
  const keyIndent = indentAt(text, rangeOf(text, camera.items[0]?.key as Node)[0]);

  const setValue = (key: string, value: unknown, flow: string) => {
    const pair = pairOf(camera, key);
    if (!pair) {
      edits.push(appendAfterLine(text, rangeOf(text, camera)[1], `${keyIndent}${key}: ${flow}`));
      return;
    }
    if (sameValue(toJs(pair.value), value)) return;
    edits.push(replaceValue(text, pair, flow));
  };

  if (geometry.entrance_line) setValue('entrance_line', geometry.entrance_line, flowPoints(geometry.entrance_line));
  if (geometry.entrance_inside) setValue('entrance_inside', geometry.entrance_inside, geometry.entrance_inside);

  for (const [key, polygons] of Object.entries(geometry) as [string, Readonly<Record<string, Polygon>> | undefined][]) {
    if (key === 'entrance_line' || key === 'entrance_inside' || polygons === undefined) continue;
    const pair = pairOf(camera, key);
    const names = Object.keys(polygons);
    const map = pair?.value;
    // Block maps are patched entry by entry (their comments stay); anything else is rewritten as one flow map.
    if (!pair || !isMap(map) || map.flow || map.items.length === 0 || names.length === 0) {
      if (pair && sameValue(toJs(pair.value), polygons)) continue;
      if (!pair && names.length === 0) continue;
      setValue(key, polygons, flowMap(polygons));
      continue;
    }
    const entryIndent = indentAt(text, rangeOf(text, map.items[0].key as Node)[0]);
    for (const item of map.items) {
      const name = String(toJs(item.key));
      if (!(name in polygons)) edits.push(deleteLines(text, rangeOf(text, item.key as Node)[0], rangeOf(text, item.value as Node)[1]));
      else if (!sameValue(toJs(item.value), polygons[name])) edits.push(replaceValue(text, item, flowPoints(polygons[name])));
    }
    const existing = new Set(map.items.map((item) => String(toJs(item.key))));
    const lastEnd = rangeOf(text, map.items[map.items.length - 1].value as Node)[1];
    const added = names.filter((n) => !existing.has(n)).map((n) => `${entryIndent}${yamlKey(n)}: ${flowPoints(polygons[n])}`);
    if (added.length) edits.push(appendAfterLine(text, lastEnd, added.join('\n')));
  }
  return applyEdits(text, edits);
}

/** `[[x, y], [x, y], …]`, coordinates as the page sends them (whole pixels, or one decimal). */
export function flowPoints(points: readonly Point[]): string {
  return `[${points.map(([x, y]) => `[${num(x)}, ${num(y)}]`).join(', ')}]`;
}

function flowMap(polygons: Readonly<Record<string, Polygon>>): string {
  return `{${Object.entries(polygons)
    .map(([name, poly]) => `${yamlKey(name)}: ${flowPoints(poly)}`)
    .join(', ')}}`;
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** A name as a YAML key: plain when it is safe to, else double-quoted (a JSON string is a valid YAML one). */
function yamlKey(name: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && !/^(true|false|null|yes|no|on|off|~|[0-9.e+-]+)$/i.test(name) ? name : JSON.stringify(name);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => isScalar(item.key) && item.key.value === key);
}

/** Where a node's text starts and ends; a block collection's range runs on to the next token, so it is trimmed back. */
function rangeOf(text: string, node: Node | null | undefined): [number, number] {
  if (!node?.range) throw new ConfigPatchError('a node of the config file has no source position');
  let end = node.range[1];
  while (end > node.range[0] && /\s/.test(text[end - 1])) end--;
  return [node.range[0], end];
}

function toJs(node: unknown): unknown {
  return node && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The value of `pair` replaced by `flow`; an empty value (`key:`) gets a space after its colon. */
function replaceValue(text: string, pair: Pair, flow: string): Edit {
  const value = pair.value as Node | null;
  if (value?.range) {
    const [start, end] = rangeOf(text, value);
    return { start, end, text: text[start - 1] === ':' ? ` ${flow}` : flow };
  }
  const keyEnd = rangeOf(text, pair.key as Node)[1];
  const colon = text.indexOf(':', keyEnd);
  return { start: colon + 1, end: colon + 1, text: ` ${flow}` };
}

/** A new line after the line holding `offset`. */
function appendAfterLine(text: string, offset: number, line: string): Edit {
  const lineEnd = text.indexOf('\n', Math.max(0, offset - 1));
  if (lineEnd === -1) return { start: text.length, end: text.length, text: `\n${line}` };
  return { start: lineEnd + 1, end: lineEnd + 1, text: `${line}\n` };
}

/** The whole lines from the one holding `from` to the one holding `to`. */
function deleteLines(text: string, from: number, to: number): Edit {
  const start = text.lastIndexOf('\n', from - 1) + 1;
  const newline = text.indexOf('\n', Math.max(from, to - 1));
  return { start, end: newline === -1 ? text.length : newline + 1, text: '' };
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return ' '.repeat(offset - lineStart);
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
