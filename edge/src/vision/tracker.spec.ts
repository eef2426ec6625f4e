import type { Box, Polygon } from './geometry.ts';
import { APPEARANCE_BINS } from './appearance.ts';
import { ByteTracker, usesAppearance, type Detection, type TrackSnapshot } from './tracker.ts';

const FRAME_MS = 1000 / 30;

/** A standing person whose feet are at (footX, footY). */
function person(footX: number, footY: number, score = 0.9, width = 60, height = 180): Detection {
  const box: Box = [footX - width / 2, footY - height, footX + width / 2, footY];
  return { box, score };
}

function centreX(t: TrackSnapshot): number {
  return (t.box[0] + t.box[2]) / 2;
}

/** Runs frames through a tracker, returning what it reported per frame. */
function run(tracker: ByteTracker, frames: Detection[][], startFrame = 0, frameMs = FRAME_MS): TrackSnapshot[][] {
  return frames.map((dets, i) => tracker.update(dets, (startFrame + i) * frameMs));
}

describe('ByteTracker', () => {
  it('confirms a track on its second consecutive detection, with id 1', () => {
    const tracker = new ByteTracker();
    const out = run(tracker, [[person(100, 400)], [person(103, 400)], [person(106, 400)]]);
    expect(out[0]).toEqual([]);
    expect(out[1]).toHaveLength(1);
    expect(out[1][0]).toMatchObject({ id: 1, state: 'tracked', hits: 2, ageFrames: 2 });
    expect(out[2][0]).toMatchObject({ id: 1, hits: 3, ageFrames: 3 });
  });

  it('never confirms a spurious one-frame detection, nor spends an id on it', () => {
    const tracker = new ByteTracker();
    const frames: Detection[][] = [[person(500, 300, 0.95)], ...Array.from({ length: 40 }, () => [])];
    const out = run(tracker, frames);
    expect(out.every((f) => f.length === 0)).toBe(true);
    expect(tracker.confirmedTracks()).toEqual([]);
    expect(tracker.removedSinceLastUpdate()).toEqual([]);
    // The next real person is still id 1.
    const later = run(tracker, [[person(100, 400)], [person(103, 400)]], 41);
    expect(later[1][0].id).toBe(1);
  });

  it('does not confirm a ghost that appears on the very first frame only', () => {
    const tracker = new ByteTracker();
    const out = run(tracker, [[person(500, 300, 0.99), person(100, 400)], [person(103, 400)]]);
    expect(out[1].map((t) => t.id)).toEqual([1]);
  });

  it('keeps one id through a 10-frame occlusion at constant velocity', () => {
    const tracker = new ByteTracker();
    const speed = 6; // px per frame
    const frames: Detection[][] = [];
    for (let f = 0; f < 45; f++) {
      const occluded = f >= 20 && f < 30;
      frames.push(occluded ? [] : [person(100 + speed * f, 400)]);
    }
    const out = run(tracker, frames);
    const ids = new Set(out.flat().map((t) => t.id));
    expect(ids).toEqual(new Set([1]));
    // Hidden frames report nothing; the track is lost, not removed, during the gap.
    for (let f = 20; f < 30; f++) expect(out[f]).toEqual([]);
    expect(out[30]).toHaveLength(1);
    expect(out[44][0].state).toBe('tracked');
    expect(centreX(out[44][0])).toBeCloseTo(100 + speed * 44, -1);
  });

  it('reports a lost track via confirmedTracks() during the gap, with a predicted box', () => {
    const tracker = new ByteTracker();
    run(
      tracker,
      Array.from({ length: 20 }, (_, f) => [person(100 + 6 * f, 400)]),
    );
    tracker.update([], 20 * FRAME_MS);
    const [lost] = tracker.confirmedTracks();
    expect(lost).toMatchObject({ id: 1, state: 'lost' });
    // The filter has learnt the walking speed, so the predicted box keeps moving.
    expect(centreX(lost)).toBeGreaterThan(100 + 6 * 19 + 2);
  });

  it('keeps the ids of two people crossing paths', () => {
    const tracker = new ByteTracker();
    // A walks right, B walks left slightly nearer the camera (lower and bigger); they overlap
    // heavily around frame 30.
    const a = (f: number) => person(100 + 8 * f, 400, 0.9, 60, 180);
    const b = (f: number) => person(580 - 8 * f, 420, 0.85, 66, 198);
    const frames = Array.from({ length: 60 }, (_, f) => [a(f), b(f)]);
    const out = run(tracker, frames);

    const idOf = (f: number, expectedX: number) => {
      const t = out[f].reduce((best, t) => (Math.abs(centreX(t) - expectedX) < Math.abs(centreX(best) - expectedX) ? t : best));
      return t.id;
    };
    const idA = idOf(5, 140);
    const idB = idOf(5, 540);
    expect(idA).not.toBe(idB);
    for (let f = 1; f < 60; f++) {
      if (Math.abs(100 + 8 * f - (580 - 8 * f)) < 10) continue; // same centre x: ambiguous by position alone
      expect(out[f]).toHaveLength(2);
      expect(idOf(f, 100 + 8 * f)).toBe(idA);
      expect(idOf(f, 580 - 8 * f)).toBe(idB);
    }
    expect(new Set(out.flat().map((t) => t.id))).toEqual(new Set([idA, idB]));
  });

  it('keeps the ids when the person behind is hidden while they cross', () => {
    const tracker = new ByteTracker();
    const a = (f: number) => person(100 + 8 * f, 400, 0.9, 60, 180);
    const b = (f: number) => person(580 - 8 * f, 420, 0.85, 66, 198);
    // A (further away) is fully behind B for frames 27..33.
    const frames = Array.from({ length: 60 }, (_, f) => (f >= 27 && f <= 33 ? [b(f)] : [a(f), b(f)]));
    const out = run(tracker, frames);
    const byId = (f: number) => new Map(out[f].map((t) => [t.id, centreX(t)]));
    const before = byId(20);
    const idA = [...before].find(([, x]) => Math.abs(x - (100 + 160)) < 10)![0];
    const idB = [...before].find(([, x]) => Math.abs(x - (580 - 160)) < 10)![0];
    const after = byId(45);
    expect(after.get(idA)).toBeCloseTo(100 + 8 * 45, -1);
    expect(after.get(idB)).toBeCloseTo(580 - 8 * 45, -1);
  });

  it('lets a low-score detection keep a track alive (second stage)', () => {
    const tracker = new ByteTracker();
    const frames: Detection[][] = Array.from({ length: 20 }, (_, f) => [person(100 + 4 * f, 400, f < 10 ? 0.9 : 0.3)]);
    const out = run(tracker, frames);
    for (let f = 10; f < 20; f++) {
      expect(out[f]).toHaveLength(1);
      expect(out[f][0]).toMatchObject({ id: 1, state: 'tracked', score: 0.3 });
    }
  });

  it.each([
    ['a low-score detection (0.3)', 0.3],
    ['a detection between track and new-track thresholds (0.55)', 0.55],
    ['a detection below the low threshold (0.05)', 0.05],
  ])('never starts a track from %s', (_name, score) => {
    const tracker = new ByteTracker();
    const out = run(
      tracker,
      Array.from({ length: 20 }, (_, f) => [person(100 + 4 * f, 400, score)]),
    );
    expect(out.flat()).toEqual([]);
    expect(tracker.confirmedTracks()).toEqual([]);
  });

  it('does not re-find a lost track from a low-score detection', () => {
    const tracker = new ByteTracker();
    const frames: Detection[][] = [...Array.from({ length: 10 }, (_, f) => [person(100, 400)]), [], [person(100, 400, 0.3)]];
    const out = run(tracker, frames);
    expect(out[11]).toEqual([]);
    expect(tracker.confirmedTracks()[0]).toMatchObject({ id: 1, state: 'lost' });
  });

  it('removes a track after the lost buffer and reports its id exactly once', () => {
    const tracker = new ByteTracker({ lostBufferFrames: 30 });
    run(
      tracker,
      Array.from({ length: 10 }, () => [person(100, 400)]),
    );
    const removedAt: number[] = [];
    for (let f = 10; f < 60; f++) {
      tracker.update([], f * FRAME_MS);
      if (tracker.removedSinceLastUpdate().length) {
        expect(tracker.removedSinceLastUpdate()).toEqual([1]);
        removedAt.push(f);
      }
    }
    // Last seen at frame 9; gone once more than 30 frames (1 s at 30 fps) have passed.
    expect(removedAt).toEqual([40]);
    expect(tracker.confirmedTracks()).toEqual([]);
  });

  it('measures the lost buffer in time, so a slow processing rate does not stretch it', () => {
    // Processing every 3rd frame of a 30 fps stream: 30 nominal frames is still 1 s.
    const tracker = new ByteTracker({ fps: 30, lostBufferFrames: 30 });
    run(
      tracker,
      Array.from({ length: 5 }, () => [person(100, 400)]),
      0,
      100,
    );
    let removedAtMs = -1;
    for (let t = 500; t < 3000 && removedAtMs < 0; t += 100) {
      tracker.update([], t);
      if (tracker.removedSinceLastUpdate().length) removedAtMs = t;
    }
    expect(removedAtMs).toBe(1500); // last seen at 400 ms
  });

  it('honours lostBufferMs over lostBufferFrames', () => {
    const tracker = new ByteTracker({ lostBufferFrames: 30, lostBufferMs: 200 });
    run(
      tracker,
      Array.from({ length: 5 }, () => [person(100, 400)]),
    );
    const removed: number[] = [];
    for (let f = 5; f < 20; f++) {
      tracker.update([], f * FRAME_MS);
      removed.push(...tracker.removedSinceLastUpdate());
    }
    expect(removed).toEqual([1]);
  });

  it('tracks through an occlusion when frames arrive at an uneven, lower rate', () => {
    const tracker = new ByteTracker({ fps: 30 });
    const speedPerMs = 0.15; // 4.5 px per nominal frame
    const times = [0, 100, 200, 333, 400, 533, 600, 700, 800, 933, 1000, 1100, 1200, 1333, 1400, 1500];
    const out: TrackSnapshot[][] = [];
    for (const t of times) {
      const hidden = t >= 800 && t < 1200;
      out.push(tracker.update(hidden ? [] : [person(100 + speedPerMs * t, 400)], t));
    }
    expect(new Set(out.flat().map((t) => t.id))).toEqual(new Set([1]));
    expect(out.at(-1)).toHaveLength(1);
  });

  it('hands out increasing ids in order of confirmation', () => {
    const tracker = new ByteTracker();
    const frames: Detection[][] = [
      [person(100, 400)],
      [person(100, 400), person(400, 400)],
      [person(100, 400), person(400, 400), person(700, 400)],
      [person(100, 400), person(400, 400), person(700, 400)],
    ];
    const out = run(tracker, frames);
    expect(out[3].map((t) => t.id).sort()).toEqual([1, 2, 3]);
    const byX = new Map(out[3].map((t) => [Math.round(centreX(t)), t.id]));
    expect(byX.get(100)).toBe(1);
    expect(byX.get(400)).toBe(2);
    expect(byX.get(700)).toBe(3);
  });

  describe('birth regions (a door band may start tracks from weaker boxes)', () => {
    // A door band at the left edge of the picture: feet with x < 80.
    const door: Polygon = [
      [0, 0],
      [80, 0],
      [80, 480],
      [0, 480],
    ];
    const options = { trackThresh: 0.4, newTrackThresh: 0.5, birthRegions: [door], birthThreshLow: 0.3 };
    /** A person walking in from x0, 3 px per frame, every box with this score. */
    const walkIn = (x0: number, score: number) => Array.from({ length: 8 }, (_, f) => [person(x0 + 3 * f, 400, score)]);

    it.each([
      ['at the door, score 0.45 (between track and new-track thresholds)', 30, 0.45, { birthRegions: [door] }, true],
      ['elsewhere, score 0.45', 300, 0.45, { birthRegions: [door] }, false],
      ['at the door without a birth region, score 0.45', 30, 0.45, { birthRegions: [] }, false],
      ['at the door, low-score 0.35 (second-stage box)', 30, 0.35, { birthRegions: [door] }, true],
      ['elsewhere, low-score 0.35', 300, 0.35, { birthRegions: [door] }, false],
      ['at the door, 0.25 (below birthThreshLow)', 30, 0.25, { birthRegions: [door] }, false],
      ['elsewhere, 0.6 (a confident box starts a track anywhere)', 300, 0.6, { birthRegions: [door] }, true],
    ])('a person %s gets a track: %s', (_name, x0, score, regions, tracked) => {
      const tracker = new ByteTracker({ ...options, ...regions });
      const out = run(tracker, walkIn(x0, score));
      if (tracked) {
        expect(out[1]).toHaveLength(1);
        expect(out[7][0]).toMatchObject({ id: 1, state: 'tracked', score });
      } else {
        expect(out.flat()).toEqual([]);
      }
    });

    it('does not start a second track from a weak duplicate box of someone already tracked at the door', () => {
      const tracker = new ByteTracker(options);
      const frames = Array.from({ length: 8 }, (_, f) => {
        const p = person(40 + 2 * f, 400, 0.9);
        const dup: Detection = { box: [p.box[0] + 6, p.box[1] + 20, p.box[2] + 6, p.box[3]], score: 0.35 };
        return [p, dup];
      });
      const out = run(tracker, frames);
      expect(out[7].map((t) => t.id)).toEqual([1]);
    });
  });

  describe('the first frame (reference ByteTrack confirms its tracks at once; here an option, off by default)', () => {
    it.each([
      ['off (default): a person seen from the first frame is reported from the second', {}, [0, 1, 1]],
      ['on: reported from the first frame', { confirmFirstFrame: true }, [1, 1, 1]],
    ])('%s', (_name, opts, counts) => {
      const out = run(new ByteTracker(opts), [[person(100, 400)], [person(103, 400)], [person(106, 400)]]);
      expect(out.map((f) => f.length)).toEqual(counts);
      expect(out[2][0]).toMatchObject({ id: 1, hits: 3 });
    });

    it('on: only the first frame confirms at once; a person arriving later still needs a second sighting', () => {
      const tracker = new ByteTracker({ confirmFirstFrame: true });
      const out = run(tracker, [[person(100, 400)], [person(103, 400), person(500, 400)], [person(106, 400), person(503, 400)]]);
      expect(out[1].map((t) => t.id)).toEqual([1]);
      expect(out[2].map((t) => t.id).sort()).toEqual([1, 2]);
    });

    it('on: a ghost on the first frame gets an id, is lost on the next and removed after the lost buffer', () => {
      const tracker = new ByteTracker({ confirmFirstFrame: true, lostBufferFrames: 5 });
      const out = run(tracker, [[person(500, 300, 0.95)], ...Array.from({ length: 7 }, () => [])]);
      expect(out[0].map((t) => t.id)).toEqual([1]);
      expect(out[1]).toEqual([]);
      expect(tracker.confirmedTracks()).toEqual([]);
      expect(out.slice(1).flat()).toEqual([]);
    });
  });

  describe('birthMaxContainment (a box that is part of a visible person starts no track)', () => {
    /** The upper body of a person standing at (footX, footY): the detector's box when their legs are hidden. */
    const upperBody = (footX: number, footY: number, score: number): Detection => ({ box: [footX - 20, footY - 185, footX + 20, footY - 100], score });
    /** A person walking right 3 px per frame; from frame 2 the detector also returns a second box on them. */
    const withSecondBox = (second: (x: number) => Detection) =>
      Array.from({ length: 8 }, (_, f) => (f < 2 ? [person(100 + 3 * f, 400)] : [person(100 + 3 * f, 400), second(100 + 3 * f)]));

    it.each([
      ['unset: an upper-body box inside the whole person starts a second track', {}, (x: number) => upperBody(x, 400, 0.8), [1, 2]],
      ['0.8: the upper-body box (all of it inside) starts none', { birthMaxContainment: 0.8 }, (x: number) => upperBody(x, 400, 0.8)],
      ['0.8: someone beside them (half the box inside) is tracked', { birthMaxContainment: 0.8 }, (x: number) => person(x + 30, 400, 0.8), [1, 2]],
      ['0.8: someone further back (smaller, 70 % inside) is tracked', { birthMaxContainment: 0.8 }, (x: number) => person(x + 19, 330, 0.8, 40, 120), [1, 2]],
    ])('%s', (_name, opts, second, ids = [1]) => {
      const out = run(new ByteTracker(opts), withSecondBox(second));
      expect(out[7].map((t) => t.id).sort()).toEqual(ids);
    });
  });

  describe('OC-SORT additions', () => {
    /** Walks right 8 px per frame for 10 frames, hidden 10 frames while stopping, then stands where it stopped. */
    const stopsWhileHidden = (): Detection[][] => {
      const frames: Detection[][] = [];
      for (let f = 0; f < 30; f++) frames.push(f < 10 ? [person(100 + 8 * f, 400)] : f < 20 ? [] : [person(100 + 8 * 9 + 4, 400)]);
      return frames;
    };

    it.each([
      ['without OCR, the prediction has walked on: a new id', {}, [2]],
      ['with OCR, the box where it was last seen re-finds it: the same id', { recoveryMatchThresh: 0.7 }, [1]],
    ])('a person who stops while hidden: %s', (_name, opts, ids) => {
      const tracker = new ByteTracker(opts);
      const out = run(tracker, stopsWhileHidden());
      expect(out[29].map((t) => t.id)).toEqual(ids);
    });

    it.each([
      ['plain', {}],
      ['with ORU', { observationCentricReupdate: true }],
      ['with OCM', { directionWeight: 0.2 }],
      ['with ORU, OCM and OCR', { observationCentricReupdate: true, directionWeight: 0.2, recoveryMatchThresh: 0.7 }],
    ])('keeps the ids of two people crossing while the one behind is hidden (%s)', (_name, opts) => {
      const tracker = new ByteTracker(opts);
      const a = (f: number) => person(100 + 8 * f, 400, 0.9, 60, 180);
      const b = (f: number) => person(580 - 8 * f, 420, 0.85, 66, 198);
      const out = run(
        tracker,
        Array.from({ length: 60 }, (_, f) => (f >= 27 && f <= 33 ? [b(f)] : [a(f), b(f)])),
      );
      const idAt = (f: number, x: number) => out[f].find((t) => Math.abs(centreX(t) - x) < 10)?.id;
      expect(idAt(20, 100 + 8 * 20)).toBe(1);
      expect(idAt(20, 580 - 8 * 20)).toBe(2);
      expect(idAt(45, 100 + 8 * 45)).toBe(1);
      expect(idAt(45, 580 - 8 * 45)).toBe(2);
    });

    it('ORU: the box of a track re-found after a gap is no worse than without (measured: barely better)', () => {
      // 6 px per frame, then hidden 6 frames while slowing to 1 px per frame, then seen again at 1 px per frame.
      const frames: Detection[][] = [];
      const xs: number[] = [];
      let x = 100;
      for (let f = 0; f < 23; f++) {
        x += f < 15 ? 6 : 1;
        xs.push(x);
        frames.push(f >= 15 && f < 21 ? [] : [person(x, 400)]);
      }
      const errorOnRefind = (opts: object) => Math.abs(centreX(run(new ByteTracker(opts), frames)[22][0]) - xs[22]);
      const withOru = errorOnRefind({ observationCentricReupdate: true });
      const without = errorOnRefind({});
      expect(withOru).toBeLessThanOrEqual(without);
      // ByteTrack's noise model already lets one update re-learn the pace (1.3 vs 1.8 px here), which is why
      // ORU changed nothing on the shared sequences and is off in the product.
      expect(without).toBeLessThan(3);
    });
  });
});

describe('ByteTracker appearance cue (colours of upper body and legs, appearance.ts)', () => {
  // Two descriptors with nothing in common (distance 1) and a person wearing each.
  const RED = Array.from({ length: APPEARANCE_BINS }, (_, i) => (i === 0 || i === APPEARANCE_BINS / 2 ? 1 : 0));
  const BLUE = Array.from({ length: APPEARANCE_BINS }, (_, i) => (i === 10 || i === APPEARANCE_BINS / 2 + 10 ? 1 : 0));
  const wearing = (d: Detection, appearance: number[]): Detection => ({ ...d, appearance });
  /**
   * Red stands at x 100, blue at 140 for 10 frames; then they have passed each other and stand there: red at 125,
   * blue at 115. By overlap alone each track's nearest box is now the other person's.
   */
  const passing = (): Detection[][] => [
    ...Array.from({ length: 10 }, () => [wearing(person(100, 400), RED), wearing(person(140, 400), BLUE)]),
    ...Array.from({ length: 10 }, () => [wearing(person(125, 400), RED), wearing(person(115, 400), BLUE)]),
  ];
  /** The id of the track standing where red stands at the end (red was confirmed first: id 1). */
  const redId = (out: TrackSnapshot[][]) => out[19].find((t) => Math.abs(centreX(t) - 125) < 3)?.id;

  it.each<[string, object, number]>([
    ['off: overlap alone swaps them', {}, 2],
    ['a cost weight keeps them', { appearanceWeight: 1 }, 1],
    ['a veto keeps them', { appearanceGate: 0.5 }, 1],
  ])('%s', (_name, opts, id) => {
    const out = run(new ByteTracker({ matchThresh: 0.95, ...opts }), passing());
    expect(redId(out)).toBe(id);
  });

  it('the veto leaves a lookalike free to match, and boxes without colours match as before', () => {
    const frames = passing().map((f) => f.map((d) => ({ ...d, appearance: RED })));
    expect(redId(run(new ByteTracker({ matchThresh: 0.95, appearanceGate: 0.5 }), frames))).toBe(2);
    const plain = passing().map((f) => f.map(({ box, score }) => ({ box, score })));
    expect(redId(run(new ByteTracker({ matchThresh: 0.95, appearanceGate: 0.5, appearanceWeight: 1 }), plain))).toBe(2);
  });

  it('usesAppearance: on when a weight, a gate or re-identification is set', () => {
    expect([{}, { appearanceWeight: 0 }, { appearanceWeight: 0.5 }, { appearanceGate: 0.4 }, { reidGate: 0.3 }].map(usesAppearance)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  describe('re-identification of a lost track beyond overlap (reidGate)', () => {
    // Red walks right 8 px a frame (30 fps) from x 100 for 10 frames, is hidden for 15 frames (0.5 s) while he
    // stops, and is seen again standing at `againX`: the track's prediction walked on to ~290, a 60 px box at
    // 190 does not overlap it.
    const hiddenAndFound = (againX: number, look: number[], height = 180): Detection[][] => [
      ...Array.from({ length: 10 }, (_, i) => [wearing(person(100 + 8 * i, 400), RED)]),
      ...Array.from({ length: 15 }, () => []),
      ...Array.from({ length: 5 }, () => [wearing(person(againX, 400, 0.9, 60, height), look)]),
    ];
    const lastId = (out: TrackSnapshot[][]) => out[out.length - 1].map((t) => t.id);
    const DOOR: Polygon = [
      [160, 300],
      [200, 300],
      [200, 500],
      [160, 500],
    ];
    const FAR_DOOR: Polygon = DOOR.map(([x, y]) => [x + 400, y]);

    it.each<[string, object, Detection[][], number]>([
      ['off: he comes back as a new track', {}, hiddenAndFound(190, RED), 2],
      ['on: the same colours, within reach, continue his track', { reidGate: 0.3 }, hiddenAndFound(190, RED), 1],
      ['on: someone else in other colours is someone else', { reidGate: 0.3 }, hiddenAndFound(190, BLUE), 2],
      // Reach: 1 height (180 px) + 1 height per second lost (0.5 s) = 270 px from his last centre (172).
      ['on: too far to have walked there', { reidGate: 0.3 }, hiddenAndFound(172 + 300, RED), 2],
      ['on: he turned back 120 px', { reidGate: 0.3 }, hiddenAndFound(172 - 120, RED), 1],
      ['on: a smaller reach (0.5 s × 1 height = 90 px) refuses that', { reidGate: 0.3, reidReach: 0 }, hiddenAndFound(172 - 120, RED), 2],
      ['on: a box twice his height is not him', { reidGate: 0.3 }, hiddenAndFound(190, RED, 360), 2],
      // He was last seen with his foot in a door (x 160–200): he may have gone through it; who comes is new.
      ['on: not after he vanished in a door', { reidGate: 0.3, reidDoorRegions: [DOOR] }, hiddenAndFound(190, RED), 2],
      ['on: a door elsewhere changes nothing', { reidGate: 0.3, reidDoorRegions: [FAR_DOOR] }, hiddenAndFound(190, RED), 1],
    ])('%s', (_name, opts, frames, id) => {
      const out = run(new ByteTracker({ matchThresh: 0.95, lostBufferMs: 6000, ...opts }), frames);
      expect(lastId(out)).toEqual([id]);
    });
  });
});

describe('ByteTracker.hold (a frame the motion gate kept from the detector)', () => {
  it('keeps a standing person visible, in place, for longer than the lost buffer', () => {
    const tracker = new ByteTracker({ fps: 5, lostBufferMs: 6000 });
    run(tracker, [[person(100, 400)], [person(104, 400)], [person(108, 400)]], 0, 200);
    const held: TrackSnapshot[][] = [];
    for (let i = 3; i < 3 + 100; i++) held.push(tracker.hold(i * 200)); // 20 s without a detector run
    expect(held.every((f) => f.length === 1 && f[0].id === 1 && f[0].state === 'tracked')).toBe(true);
    // At rest where last seen, not drifting on with the walk's velocity.
    expect(centreX(held.at(-1)![0])).toBeCloseTo(108, 0);
    expect(tracker.removedSinceLastUpdate()).toEqual([]);
    // The next detection of the same person continues the same track.
    expect(tracker.update([person(109, 400)], 103 * 200)[0].id).toBe(1);
  });

  it('lets a lost track expire on time and never confirms a tentative one', () => {
    const tracker = new ByteTracker({ fps: 5, lostBufferMs: 1000 });
    run(tracker, [[person(100, 400)], [person(100, 400)], [person(400, 400)]], 0, 200); // id 1 lost, a tentative at 400
    const removed: number[] = [];
    for (let i = 3; i < 12; i++) {
      expect(tracker.hold(i * 200)).toEqual([]);
      removed.push(...tracker.removedSinceLastUpdate());
    }
    expect(removed).toEqual([1]);
    expect(tracker.confirmedTracks()).toEqual([]);
  });
});
