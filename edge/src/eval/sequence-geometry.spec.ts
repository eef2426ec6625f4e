import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MissingGeometryError, REPO_GEOMETRY_DIR, loadSequence } from './sequence-eval.ts';
import { GeometryFileError, SEQUENCE_GEOMETRY_FILE, findSequenceGeometry, listSequenceDirs, parseSequenceGeometry } from './sequence-geometry.ts';

const GOOD = {
  frame_size: [640, 480],
  lines: [
    {
      id: 'middle',
      line: [
        [300, 0],
        [300, 480],
      ],
      inside: 'left',
    },
    {
      id: 'left_door',
      line: [
        [25, 0],
        [25, 480],
      ],
      inside: 'left',
      door: true,
    },
  ],
  zones: {
    middle: [
      [200, 0],
      [400, 0],
      [400, 480],
      [200, 480],
    ],
  },
};
const withChange = (change: (g: any) => void): string => {
  const g = JSON.parse(JSON.stringify(GOOD));
  change(g);
  return JSON.stringify(g);
};

describe('parseSequenceGeometry', () => {
  it('reads lines (door false unless set), zones and the frame size', () => {
    const g = parseSequenceGeometry(JSON.stringify(GOOD), 'x.json', [640, 480]);
    expect(g.frameSize).toEqual([640, 480]);
    expect(g.lines).toEqual([
      {
        id: 'middle',
        line: [
          [300, 0],
          [300, 480],
        ],
        insideSide: 'left',
        door: false,
      },
      {
        id: 'left_door',
        line: [
          [25, 0],
          [25, 480],
        ],
        insideSide: 'left',
        door: true,
      },
    ]);
    expect(Object.keys(g.zones)).toEqual(['middle']);
  });

  it.each([
    ['not JSON', '{lines: ', /^x\.json: not valid JSON/],
    ['not an object', '[]', /^x\.json: must be a JSON object/],
    ['no lines', withChange((g) => delete g.lines), /lines: must be a non-empty list/],
    ['empty lines', withChange((g) => (g.lines = [])), /lines: must be a non-empty list/],
    ['bad inside', withChange((g) => (g.lines[1].inside = 'inside')), /lines\[1\]\.inside: must be "left" or "right"/],
    ['missing id', withChange((g) => delete g.lines[0].id), /lines\[0\]\.id: must be a name/],
    ['duplicate id', withChange((g) => (g.lines[1].id = 'middle')), /lines\[1\]\.id: "middle" is used twice/],
    ['one point', withChange((g) => (g.lines[0].line = [[1, 2]])), /lines\[0\]\.line: must be two points/],
    [
      'equal points',
      withChange(
        (g) =>
          (g.lines[0].line = [
            [1, 2],
            [1, 2],
          ]),
      ),
      /lines\[0\]\.line: the two points must differ/,
    ],
    ['point not numbers', withChange((g) => (g.lines[0].line[1] = ['a', 2])), /lines\[0\]\.line\[1\]: must be a point/],
    ['point far outside', withChange((g) => (g.lines[0].line[1] = [300, 4800])), /lines\[0\]\.line\[1\]: \[300, 4800\] is outside the 640x480 frame/],
    ['door not boolean', withChange((g) => (g.lines[1].door = 'yes')), /lines\[1\]\.door: must be true or false/],
    ['unknown line key', withChange((g) => (g.lines[0].inside_side = 'left')), /lines\[0\]\.inside_side: unknown key/],
    [
      'zone of 2 points',
      withChange(
        (g) =>
          (g.zones.middle = [
            [0, 0],
            [1, 1],
          ]),
      ),
      /zones\.middle: polygon needs at least 3 points/,
    ],
    ['zones not an object', withChange((g) => (g.zones = [])), /zones: must be an object/],
    ['frame size missing', withChange((g) => delete g.frame_size), /frame_size: must be \[width, height\]/],
    ['frame size of another video', withChange((g) => (g.frame_size = [480, 360])), /frame_size: is 480x360 but the sequence is 640x480/],
    [
      'unknown top-level key',
      withChange(
        (g) =>
          (g.line = [
            [0, 0],
            [1, 1],
          ]),
      ),
      /line: unknown key/,
    ],
  ])('%s → an error naming the field', (_name, text, message) => {
    expect(() => parseSequenceGeometry(text, 'x.json', [640, 480])).toThrow(GeometryFileError);
    expect(() => parseSequenceGeometry(text, 'x.json', [640, 480])).toThrow(message);
  });

  it('reports every problem at once', () => {
    const text = withChange((g) => {
      g.lines[0].inside = 'up';
      g.zones.middle = [];
    });
    expect(() => parseSequenceGeometry(text, 'x.json')).toThrow(/lines\[0\]\.inside: .*; zones\.middle: polygon needs/);
  });

  it.each(readdirSync(REPO_GEOMETRY_DIR).filter((f) => f.endsWith('.json')))('the repository file %s is valid, with several lines and zones', (file) => {
    const g = parseSequenceGeometry(readFileSync(path.join(REPO_GEOMETRY_DIR, file), 'utf8'), file);
    expect(g.lines.length).toBeGreaterThanOrEqual(3);
    expect(g.lines.some((l) => l.door)).toBe(true);
    expect(Object.keys(g.zones).length).toBeGreaterThanOrEqual(2);
  });
});

describe('finding a sequence and its geometry', () => {
  let root: string;
  let sequences: string;
  let repo: string;
  const makeSequence = (dir: string, name: string) => {
    mkdirSync(path.join(dir, 'gt'), { recursive: true });
    writeFileSync(path.join(dir, 'gt', 'gt.txt'), '1,1,10,10,20,50,1,1,1\n');
    writeFileSync(path.join(dir, 'seqinfo.ini'), `[Sequence]\nname=${name}\nframeRate=10\nseqLength=1\nimWidth=640\nimHeight=480\n`);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'wink-geometry-'));
    sequences = path.join(root, 'sequences');
    repo = path.join(root, 'repo-geometry');
    mkdirSync(sequences);
    mkdirSync(repo);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('a sequence without a geometry file is skipped with a message naming where it looked (no default line)', () => {
    makeSequence(path.join(sequences, 'Mine'), 'Mine');
    const found = findSequenceGeometry(path.join(sequences, 'Mine'), 'Mine', repo);
    expect(found).toEqual({ skip: expect.stringMatching(/^Mine: skipped, no counting geometry/) });
    expect((found as { skip: string }).skip).toContain(path.join(sequences, 'Mine', SEQUENCE_GEOMETRY_FILE));
    expect((found as { skip: string }).skip).toContain(path.join(repo, 'Mine.json'));
    expect(() => loadSequence(path.join(sequences, 'Mine'), undefined, repo)).toThrow(MissingGeometryError);
  });

  it('uses the repository file by sequence name, and a file beside the sequence before it', () => {
    makeSequence(path.join(sequences, 'Mine'), 'Mine');
    writeFileSync(path.join(repo, 'Mine.json'), JSON.stringify(GOOD));
    expect(loadSequence(path.join(sequences, 'Mine'), undefined, repo)).toMatchObject({
      geometrySource: path.join(repo, 'Mine.json'),
      geometry: {
        line: [
          [300, 0],
          [300, 480],
        ],
        insideSide: 'left',
      },
    });
    writeFileSync(
      path.join(sequences, 'Mine', SEQUENCE_GEOMETRY_FILE),
      withChange((g) => (g.lines = [g.lines[1]])),
    );
    const seq = loadSequence(path.join(sequences, 'Mine'), undefined, repo);
    expect(seq.geometrySource).toBe(path.join(sequences, 'Mine', SEQUENCE_GEOMETRY_FILE));
    expect(seq.lines.map((l) => l.id)).toEqual(['left_door']);
  });

  it('an invalid file is an error naming the file and the field, not a skip', () => {
    makeSequence(path.join(sequences, 'Mine'), 'Mine');
    writeFileSync(
      path.join(repo, 'Mine.json'),
      withChange((g) => (g.frame_size = [320, 240])),
    );
    expect(() => loadSequence(path.join(sequences, 'Mine'), undefined, repo)).toThrow(
      `${path.join(repo, 'Mine.json')}: frame_size: is 320x240 but the sequence is 640x480`,
    );
  });

  it('lists sequence directories, following symlinks and ignoring dangling ones and folders without gt', () => {
    makeSequence(path.join(sequences, 'Real'), 'Real');
    const elsewhere = path.join(root, 'elsewhere', 'Linked');
    makeSequence(elsewhere, 'Linked');
    symlinkSync(elsewhere, path.join(sequences, 'Linked'));
    symlinkSync(path.join(root, 'missing'), path.join(sequences, 'Dangling'));
    mkdirSync(path.join(sequences, 'NoGt'));
    writeFileSync(path.join(sequences, 'Real.mp4'), '');
    expect(listSequenceDirs(sequences).map((d) => path.basename(d))).toEqual(['Linked', 'Real']);
    writeFileSync(path.join(repo, 'Linked.json'), JSON.stringify(GOOD));
    expect(loadSequence(path.join(sequences, 'Linked'), undefined, repo).info.name).toBe('Linked');
  });
});
