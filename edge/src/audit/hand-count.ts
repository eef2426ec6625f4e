// A hand count of an entrance, as a store technician writes it while watching a recorded clip:
//
//   time,direction[,line]
//   0:07,in
//   12.5,out,entrance
//
// time: seconds from the clip's start (`12.5`) or minutes:seconds (`1:07`, `1:07.5`); direction: in or out;
// line: optional, which counting line (a camera's entrance line is called `entrance`). Every problem is reported
// at once, naming the row (as a spreadsheet numbers it, header = row 1) and the field, so the file is fixed in
// one pass.

export type Direction = 'in' | 'out';

/** One crossing a person counted by hand, at `atS` seconds of clip time. */
export interface HandCountCrossing {
  line: string;
  direction: Direction;
  atS: number;
  /** Spreadsheet row of the CSV (header = 1), so a report can point back to the file. */
  row: number;
}

export class HandCountError extends Error {
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`${source}: invalid hand count\n${problems.join('\n')}`);
    this.name = 'HandCountError';
  }
}

/** Seconds of clip time from `12.5` or `m:ss(.s)`; null when the text is neither. */
export function parseClipTime(text: string): number | null {
  const t = text.trim();
  const seconds = /^\d+(\.\d+)?$/.exec(t);
  if (seconds) return Number(t);
  const mmss = /^(\d+):([0-5]\d)(\.\d+)?$/.exec(t);
  if (mmss) return Number(mmss[1]) * 60 + Number(`${mmss[2]}${mmss[3] ?? ''}`);
  return null;
}

/** `75.5` → `1:15.5`: how clip times are shown, so they can be typed into a player. */
export function formatClipTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  const ss = s.toFixed(1).padStart(4, '0');
  return `${m}:${ss}`;
}

/**
 * Parses and validates a hand-count CSV. `lines` are the line names the camera has; the first is used for rows
 * without a line column. A blank line is ignored; anything else that is not a valid row is a problem.
 */
export function parseHandCount(text: string, source: string, lines: readonly string[]): HandCountCrossing[] {
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = rows[0]?.split(',').map((h) => h.trim().toLowerCase()) ?? [];
  const expected = 'time,direction[,line]';
  if (!(header.length === 2 || header.length === 3) || header[0] !== 'time' || header[1] !== 'direction' || (header.length === 3 && header[2] !== 'line')) {
    throw new HandCountError([`row 1: the header must be ${expected}, got "${rows[0] ?? ''}"`], source);
  }
  const problems: string[] = [];
  const crossings: HandCountCrossing[] = [];
  rows.slice(1).forEach((raw, i) => {
    const row = i + 2;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      problems.push(`row ${row}: expected ${header.length} fields (${header.join(',')}), got ${cells.length}: "${raw}"`);
      return;
    }
    const atS = parseClipTime(cells[0]);
    if (atS === null) problems.push(`row ${row}, time: "${cells[0]}" is not a clip time (seconds like 12.5, or m:ss like 1:07)`);
    const direction = cells[1].toLowerCase();
    if (direction !== 'in' && direction !== 'out') problems.push(`row ${row}, direction: "${cells[1]}" must be in or out`);
    const line = header.length === 3 ? cells[2] : lines[0];
    if (!lines.includes(line)) problems.push(`row ${row}, line: "${line}" is not a counting line of this camera (it has: ${lines.join(', ')})`);
    if (atS !== null && (direction === 'in' || direction === 'out') && lines.includes(line)) crossings.push({ line, direction, atS, row });
  });
  if (problems.length) throw new HandCountError(problems, source);
  if (crossings.length === 0) throw new HandCountError(['no crossings: the file has a header but no rows'], source);
  return crossings.sort((a, b) => a.atS - b.atS);
}
