// The camera pipeline (real video, real detector) on a still scene, with motion gating on and off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoreEvent } from '../../../shared/src/events.ts';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import { makeStillClip } from '../../test/still-clip.ts';
import type { CameraConfig } from '../runtime/config.ts';
import type { CameraStatus, PipelineOutput } from '../runtime/pipeline.ts';
import { createPipeline } from './camera-vision-pipeline.ts';
import { DEFAULT_MOTION, MOTION_OFF, type MotionSettings } from './motion-gate.ts';

const MODEL = 'models/yolov8n_int8.onnx';
const CLIP = 'sequences/TUD-Stadtmitte.mp4';

describeIfShared([MODEL, CLIP], 'motion gating in the camera pipeline, on a still scene', () => {
  let still: string;
  beforeAll(async () => {
    acceptCrossRealmTypedArrays();
    // TUD-Stadtmitte's first picture (people standing on a shopping street) held 12 s with sensor noise.
    still = await makeStillClip(sharedFile(CLIP), path.join(mkdtempSync(path.join(tmpdir(), 'wink-still-')), 'still.mp4'), 12);
  }, 60_000);

  async function analyse(motion: MotionSettings) {
    const camera: CameraConfig = {
      camera_id: 'cam_still',
      rtsp: still,
      source: 'file',
      replay: 'every_frame',
      api_key: 'k',
      capabilities: ['zones'],
      screenshot_size: [640, 480],
      entrance_counting: 'late',
      entrance_margin_px: 0,
      target_fps: 5,
      zones: {
        street: [
          [0, 0],
          [640, 0],
          [640, 480],
          [0, 480],
        ],
      },
      shelves: {},
      queues: {},
      min_shelf_dwell_s: 2.5,
      motion,
    };
    const outputs: PipelineOutput[] = [];
    const pipeline = createPipeline({
      camera,
      target_fps: 5,
      options: { realtime: false },
      detector: {
        model: sharedFile(MODEL),
        format: 'yolov8',
        input_size: 640,
        confidence: 0.3,
        nms_iou: 0.45,
        threads_per_camera: 2,
        inference: 'per_camera',
        threads: 2,
        execution_provider: 'cpu',
      },
    });
    await pipeline.start((o) => outputs.push(o));
    const status = outputs.filter((o): o is { type: 'status'; status: CameraStatus } => o.type === 'status').at(-1)!.status;
    const visits = outputs.flatMap((o) => (o.type === 'events' ? o.events : [])).filter((e): e is Extract<StoreEvent, { type: 'zone' }> => e.type === 'zone');
    return { status, dwell: visits.map((v) => v.dwell_seconds).sort((a, b) => a - b) };
  }

  it('skips the detector on almost every frame, and the people standing there keep dwelling', async () => {
    const on = await analyse(DEFAULT_MOTION);
    const off = await analyse(MOTION_OFF);
    const frames = on.status.frames_analysed!;
    console.log(
      `still street, ${frames} frames: gating on skipped ${on.status.frames_skipped_motion}; visits on ${on.dwell.join(', ')} s; off ${off.dwell.join(', ')} s`,
    );
    expect(off.status.frames_skipped_motion).toBe(0);
    expect(off.status.frames_analysed).toBe(frames); // held frames still count as analysed
    // The first frame, the confirming one and a refresh every refresh_s: all the detector does.
    expect(on.status.frames_skipped_motion!).toBeGreaterThanOrEqual(frames - 2 - Math.ceil(frames / (5 * DEFAULT_MOTION.refresh_s)));
    expect(on.dwell.length).toBeGreaterThanOrEqual(2);
    expect(on.dwell.length).toBe(off.dwell.length);
    // Standing people dwell the whole clip, gated or not.
    const clipS = frames / 5;
    for (const d of on.dwell) expect(d).toBeGreaterThan(clipS - 1);
  }, 120_000);
});
