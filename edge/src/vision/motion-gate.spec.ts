import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import { seededRandom, withSensorNoise as withNoise } from '../eval/motion-eval.ts';
import { readLetterboxedImage } from './frame-source.ts';
import { changedShare, gateDecision, greyThumbnail, MotionGate, type GreyThumbnail, type MotionSettings } from './motion-gate.ts';

const ON: MotionSettings = { enabled: true, threshold: 10, min_area: 0.002, refresh_s: 2 };

function thumb(values: number[], cols = values.length): GreyThumbnail {
  return { cols, rows: values.length / cols, grey: Float32Array.from(values) };
}

describe('gateDecision', () => {
  it.each([
    ['first frame', ON, 0, null, true, 'first'],
    ['still, within refresh', ON, 0.001, 1000, false, 'still'],
    ['motion at min_area', ON, 0.002, 1000, true, 'motion'],
    ['still, refresh due', ON, 0, 2000, true, 'refresh'],
    ['gating off', { ...ON, enabled: false }, 0, 100, true, 'motion'],
  ] as const)('%s', (_name, settings, changed, since, detect, reason) => {
    expect(gateDecision(settings, changed, since)).toEqual({ detect, reason, changed });
  });
});

describe('changedShare', () => {
  it.each([
    ['identical', [10, 20, 30, 40], [10, 20, 30, 40], 5, 0],
    ['one cell over the threshold', [10, 20, 30, 40], [10, 20, 30, 46], 5, 0.25],
    ['a change of exactly the threshold is not motion', [10, 20, 30, 40], [15, 25, 35, 45], 5, 0],
    ['darker counts as brighter', [50, 50, 50, 50], [40, 40, 60, 50], 5, 0.75],
  ])('%s', (_name, a, b, threshold, share) => {
    expect(changedShare(thumb(a, 2), thumb(b, 2), threshold)).toBeCloseTo(share, 6);
  });

  it('takes a thumbnail of another geometry as all new', () => {
    expect(changedShare(thumb([1, 2, 3, 4], 2), thumb([1, 2, 3, 4], 4), 5)).toBe(1);
  });
});

describe('greyThumbnail', () => {
  it('averages cells of the picture, leaving the letterbox padding out', () => {
    // 16×16 input, picture 16 wide × 8 high centred (padY 4): two rows of 8 px cells, left half black, right white.
    const size = 16;
    const rgb = new Uint8Array(size * size * 3).fill(114);
    for (let y = 4; y < 12; y++) for (let x = 0; x < 16; x++) rgb.fill(x < 8 ? 0 : 255, (y * size + x) * 3, (y * size + x) * 3 + 3);
    const t = greyThumbnail({ rgb, letterbox: { scale: 1, padX: 0, padY: 4 }, width: 16, height: 8 }, size, 8);
    expect([t.cols, t.rows]).toEqual([2, 1]);
    expect(t.grey[0]).toBeCloseTo(0, 5);
    expect(t.grey[1]).toBeCloseTo(255, 0);
  });
});

describe('MotionGate', () => {
  it('holds a still scene, runs on motion, and refreshes every refresh_s of stream time', () => {
    const gate = new MotionGate(ON);
    const still = thumb(Array.from({ length: 100 }, (_, i) => i));
    const moved = thumb(Array.from({ length: 100 }, (_, i) => (i === 7 ? 200 : i)));
    const at = (ms: number, t: GreyThumbnail) => gate.decide(t, ms).reason;
    expect([at(0, still), at(200, still), at(400, still), at(600, moved), at(800, moved), at(2600, moved), at(2800, still)]).toEqual([
      'first',
      'still',
      'still',
      'motion', // 1 cell of 100 changed ≥ 0.002
      'still', // compared with the picture the detector last saw, which had the change
      'refresh',
      'motion', // back to the old picture: a change against the last detected one
    ]);
  });
});

describeIfShared(['images/street.jpg'], 'MotionGate on a real picture', () => {
  const SIZE = 640;

  it('skips the detector on a still street with sensor noise and runs it when a person moves', async () => {
    const street = await readLetterboxedImage(sharedFile('images/street.jpg'), SIZE);
    const random = seededRandom(7);
    const gate = new MotionGate({ enabled: true, threshold: 6, min_area: 0.001, refresh_s: 5 });
    // 20 s at 5 fps of the same view, with ±8 levels of noise (more than a CCTV sensor's), 4 noise patterns in turn.
    const noisy = Array.from({ length: 4 }, () => withNoise(street, 8, random));
    const reasons = Array.from({ length: 100 }, (_, i) => gate.decideFrame(noisy[i % 4]!, SIZE, i * 200).reason);
    expect(reasons.filter((r) => r === 'still')).toHaveLength(96);
    expect(reasons.filter((r) => r !== 'still')).toEqual(['first', 'refresh', 'refresh', 'refresh']);

    // A person-sized block (24×64 px) shifted 10 px sideways, as someone taking a step.
    const moved = { ...noisy[0]!, rgb: noisy[0]!.rgb.slice() };
    const { padY } = street.letterbox;
    const [bx, by, bw, bh] = [300, Math.round(padY) + 150, 24, 64];
    for (let y = by; y < by + bh; y++) moved.rgb.copyWithin((y * SIZE + bx + 10) * 3, (y * SIZE + bx) * 3, (y * SIZE + bx + bw) * 3);
    expect(gate.decideFrame(moved, SIZE, 100 * 200).reason).toBe('motion');
  });
});
