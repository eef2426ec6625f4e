import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { parseConfig } from '../runtime/config.ts';
import { patchCameraGeometry, type CameraGeometry } from './config-patch.ts';

const EXAMPLE = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');
const ENV = { WINK_CAM_PASSWORD: 'pw', WINK_KEY_CAM_ENTRANCE_01: 'k1', WINK_KEY_CAM_ZONE_01: 'k2', WINK_KEY_CAM_CHECKOUT_01: 'k3' };
const camera = (text: string, i: number) => (load(text) as { cameras: Record<string, unknown>[] }).cameras[i];
const changedLines = (before: string, after: string) => {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
};

describe('patchCameraGeometry', () => {
  it('leaves the file byte for byte as it was when nothing changed', () => {
    const c0 = camera(EXAMPLE, 0);
    const c1 = camera(EXAMPLE, 1);
    expect(patchCameraGeometry(EXAMPLE, 0, c0 as CameraGeometry)).toBe(EXAMPLE);
    expect(patchCameraGeometry(EXAMPLE, 1, { zones: c1.zones, shelves: c1.shelves } as CameraGeometry)).toBe(EXAMPLE);
  });

  const cases: { name: string; index: number; geometry: CameraGeometry; removed: string[]; added: string[] }[] = [
    {
      name: 'moves an entrance line point, keeping the comment-free line otherwise',
      index: 0,
      geometry: {
        entrance_line: [
          [230, 510],
          [1060, 520],
        ],
      },
      removed: ['    entrance_line: [[220, 520], [1060, 520]]'],
      added: ['    entrance_line: [[230, 510], [1060, 520]]'],
    },
    {
      name: 'flips the inside side',
      index: 0,
      geometry: { entrance_inside: 'right' },
      removed: ['    entrance_inside: left'],
      added: ['    entrance_inside: right'],
    },
    {
      name: 'moves a zone point with a fractional coordinate rounded to one decimal',
      index: 1,
      geometry: {
        zones: {
          electronics: [
            [0, 200],
            [640.04, 210.26],
            [640, 720],
            [0, 720],
          ],
          accessories: [
            [640, 200],
            [1280, 200],
            [1280, 720],
            [640, 720],
          ],
        },
      },
      removed: ['      electronics: [[0, 200], [640, 200], [640, 720], [0, 720]]'],
      added: ['      electronics: [[0, 200], [640, 210.3], [640, 720], [0, 720]]'],
    },
    {
      name: 'deletes one polygon and adds another under the same indentation',
      index: 1,
      geometry: {
        zones: {
          electronics: [
            [0, 200],
            [640, 200],
            [640, 720],
            [0, 720],
          ],
          'new zone': [
            [10, 10],
            [20, 10],
            [20, 20],
          ],
        },
      },
      removed: ['      accessories: [[640, 200], [1280, 200], [1280, 720], [640, 720]]'],
      added: ['      "new zone": [[10, 10], [20, 10], [20, 20]]'],
    },
    {
      name: 'adds a polygon key the camera did not have, after its last key',
      index: 2,
      geometry: {
        zones: {
          waiting: [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        },
      },
      removed: [],
      added: ['    zones: {waiting: [[1, 2], [3, 4], [5, 6]]}'],
    },
  ];
  it.each(cases)('$name', ({ index, geometry, removed, added }) => {
    const patched = patchCameraGeometry(EXAMPLE, index, geometry);
    expect(changedLines(EXAMPLE, patched)).toEqual({ removed, added });
    // Every comment survives, and the result means what was asked.
    for (const line of EXAMPLE.split('\n').filter((l) => l.trim().startsWith('#'))) expect(patched).toContain(line);
    const after = camera(patched, index);
    const tenths = (v: unknown) => JSON.parse(JSON.stringify(v, (_, n) => (typeof n === 'number' ? Math.round(n * 10) / 10 : n)));
    for (const [key, value] of Object.entries(geometry)) expect(after[key]).toEqual(tenths(value));
    // The other cameras are untouched.
    for (const other of [0, 1, 2].filter((i) => i !== index)) expect(camera(patched, other)).toEqual(camera(EXAMPLE, other));
  });

  it('keeps a patched example valid under the start-up rules', () => {
    const patched = patchCameraGeometry(EXAMPLE, 0, {
      entrance_line: [
        [100, 100],
        [200, 300],
      ],
      zones: {
        promo_table: [
          [1, 1],
          [9, 1],
          [9, 9],
        ],
      },
    });
    expect(parseConfig(patched, ENV).cameras[0].entrance_line).toEqual([
      [100, 100],
      [200, 300],
    ]);
  });

  it('writes a polygon map emptied by the page as {}, which start-up then refuses for a zones camera', () => {
    const patched = patchCameraGeometry(EXAMPLE, 0, { zones: {} });
    expect(camera(patched, 0).zones).toEqual({});
    expect(() => parseConfig(patched, ENV)).toThrow(/cameras\[0\]\.zones: capability "zones" needs at least one polygon/);
  });

  it('handles a block-list polygon, an empty key and a file without a final newline', () => {
    const text =
      'cameras:\n  - camera_id: a # the door\n    zones:\n      p:\n        - [1, 2]\n        - [3, 4]\n        - [5, 6]\n    shelves:\n    entrance_inside: left';
    const geometry: CameraGeometry = {
      zones: {
        p: [
          [1, 2],
          [3, 4],
          [5, 7],
        ],
      },
      shelves: {
        s: [
          [0, 0],
          [1, 0],
          [1, 1],
        ],
      },
      entrance_inside: 'right',
    };
    const patched = patchCameraGeometry(text, 0, geometry);
    expect(load(patched)).toEqual({ cameras: [{ camera_id: 'a', ...geometry }] });
    expect(patched).toContain('# the door');
  });

  it('refuses a camera index the file does not have', () => {
    expect(() => patchCameraGeometry(EXAMPLE, 7, {})).toThrow(/cameras\[7\]/);
  });
});
