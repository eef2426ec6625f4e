import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import { cameraEvents, trackFeet, type DetectedFrame } from '../audit/clip-audit.ts';
import type { CameraConfig } from '../runtime/config.ts';
import { trackerOptionsFor } from '../vision/camera-vision-pipeline.ts';
import { readLetterboxedImage } from '../vision/frame-source.ts';
import { DEFAULT_MOTION, greyThumbnail, MOTION_OFF } from '../vision/motion-gate.ts';
import { PersonDetector } from '../vision/person-detector.ts';
import { seededRandom, withSensorNoise } from './motion-eval.ts';

const MODEL = 'models/yolov8n_int8.onnx';
const STREET = 'images/street.jpg';

describe('trackFeet with motion gating (the pipeline loop over cached detections)', () => {
  const thumb = (v: number) => ({ cols: 2, rows: 1, grey: Float32Array.of(v, v) });
  const person = { box: [100, 100, 140, 220] as const, score: 0.9 };
  const frames: DetectedFrame[] = [0, 1, 2, 3, 4, 5].map((i) => ({ frame: i + 1, timestampMs: i * 200, detections: [person] }));

  it.each([
    ['off: every frame detected', MOTION_OFF, [10, 10, 10, 10, 10, 10], 0],
    ['still: the first frame and the confirming one detected, then held', DEFAULT_MOTION, [10, 10, 10, 10, 10, 10], 4],
    ['a change runs the detector', DEFAULT_MOTION, [10, 10, 10, 90, 90, 90], 3],
  ] as const)('%s', (_name, settings, values, skipped) => {
    const out = trackFeet(frames, trackerOptionsFor(0.3, 5), { thumbnails: values.map(thumb), settings });
    expect(out.skipped).toBe(skipped);
    // The person is visible from the confirming frame on, detected or held.
    expect(out.tracked.map((f) => f.feet.map((x) => x.id))).toEqual([[], [1], [1], [1], [1], [1]]);
  });
});

describeIfShared([MODEL, STREET], 'motion gating with the real detector', () => {
  beforeAll(() => acceptCrossRealmTypedArrays());

  it('keeps people standing still in a zone dwelling while the detector is skipped', async () => {
    const detector = await PersonDetector.load(sharedFile(MODEL), { intraOpThreads: 2, confidence: 0.1 });
    const street = await readLetterboxedImage(sharedFile(STREET), detector.inputSize);
    const random = seededRandom(3);
    // 60 s of a still street at 5 fps with sensor noise (±4 levels); 4 noise patterns in turn, each detected once
    // for real: what the detector returns on every frame with gating off.
    const patterns = Array.from({ length: 4 }, () => withSensorNoise(street, 4, random));
    const detected: DetectedFrame['detections'][] = [];
    for (const p of patterns) detected.push(await detector.detect(p));
    await detector.release();
    const frames: DetectedFrame[] = Array.from({ length: 300 }, (_, i) => ({ frame: i + 1, timestampMs: i * 200, detections: detected[i % 4]! }));
    const thumbnails = Array.from({ length: 300 }, (_, i) => greyThumbnail(patterns[i % 4]!, detector.inputSize));

    const [w, h] = [street.width, street.height];
    const camera: CameraConfig = {
      camera_id: 'cam_street',
      rtsp: 'street.mp4',
      source: 'file',
      replay: 'every_frame',
      api_key: 'k',
      capabilities: ['zones'],
      screenshot_size: [w, h],
      entrance_counting: 'late',
      entrance_margin_px: 0,
      target_fps: 5,
      zones: {
        street: [
          [0, 0],
          [w, 0],
          [w, h],
          [0, h],
        ],
      },
      shelves: {},
      queues: {},
      min_shelf_dwell_s: 2.5,
      motion: DEFAULT_MOTION,
    };
    const visits = (settings: typeof DEFAULT_MOTION) => {
      const { tracked, skipped } = trackFeet(frames, trackerOptionsFor(0.3, 5), { thumbnails, settings });
      const events = cameraEvents(tracked, camera, [w, h]);
      return { skipped, dwell: events.flatMap((e) => (e.type === 'zone' ? [e.dwell_seconds] : [])).sort((a, b) => a - b) };
    };
    const off = visits(MOTION_OFF);
    const on = visits(DEFAULT_MOTION);
    console.log(
      `still street, 60 s: gating off ${off.dwell.length} visits (${off.dwell.join(', ')} s), on ${on.dwell.length} (${on.dwell.join(', ')} s), ${on.skipped}/300 frames skipped`,
    );
    expect(off.skipped).toBe(0);
    // The first frame, the one confirming the people, then a refresh every refresh_s: all the detector does.
    expect(on.skipped).toBe(300 - 2 - Math.floor((298 * 200) / (DEFAULT_MOTION.refresh_s * 1000)));
    expect(on.dwell.length).toBeGreaterThanOrEqual(3);
    // Every person found stays for the whole minute, gated or not.
    expect(on.dwell.length).toBe(off.dwell.length);
    for (const d of on.dwell) expect(d).toBeGreaterThan(57); // seen from its confirmation to the last frame, 59.8 s
    on.dwell.forEach((d, i) => expect(Math.abs(d - off.dwell[i]!)).toBeLessThan(0.5));
  }, 60_000);
});
