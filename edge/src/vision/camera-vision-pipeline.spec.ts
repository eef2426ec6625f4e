import { storeEventSchema, type StoreEvent } from '../../../shared/src/events.ts';
import type { CameraConfig } from '../runtime/config.ts';
import type { CameraStatus, PipelineOutput } from '../runtime/pipeline.ts';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import { createPipeline, DOOR_BIRTH_MARGIN, trackerOptionsFor } from './camera-vision-pipeline.ts';
import type { Polygon } from './geometry.ts';
import { DEFAULT_MOTION } from './motion-gate.ts';

const MODEL = 'models/yolov8n_int8.onnx';
const CLIP = 'sequences/TUD-Campus.mp4';

describe('trackerOptionsFor (the tracker settings a camera gets)', () => {
  const door: Polygon = [
    [0, 0],
    [40, 0],
    [40, 480],
    [0, 480],
  ];
  it.each([
    ['default, with a door region', {}, door, DOOR_BIRTH_MARGIN === null ? undefined : [door]],
    ['a birth threshold given (eval --birth-margin): the door region is its birth region', { birthThreshLow: 0.2 }, door, [door]],
    ['a birth threshold given, no door region: none', { birthThreshLow: 0.2 }, undefined, undefined],
    ['birth regions given explicitly win', { birthThreshLow: 0.2, birthRegions: [] }, door, []],
  ])('%s', (_name, overrides, doorRegion, regions) => {
    const o = trackerOptionsFor(0.3, 5, overrides, doorRegion);
    expect(o.birthRegions).toEqual(regions);
    expect(o).toMatchObject({ trackThresh: 0.3, newTrackThresh: 0.4, fps: 5 });
  });

  it('re-identification, when switched on, never continues a track lost in the door region', () => {
    expect(trackerOptionsFor(0.3, 5, { reidGate: 0.15 }, door).reidDoorRegions).toEqual([door]);
    expect(trackerOptionsFor(0.3, 5, {}, door).reidDoorRegions).toBeUndefined();
    expect(trackerOptionsFor(0.3, 5, { reidGate: 0.15 }).reidDoorRegions).toBeUndefined();
  });
});

describeIfShared([MODEL, CLIP], 'camera vision pipeline on real footage', () => {
  beforeAll(() => acceptCrossRealmTypedArrays());

  it('turns TUD-Campus into valid entrance and zone events and reports status', async () => {
    // Geometry drawn on a half-size screenshot: it must be scaled to the 640x480 stream.
    const camera: CameraConfig = {
      camera_id: 'cam_tud',
      rtsp: sharedFile(CLIP),
      source: 'file',
      replay: 'realtime',
      api_key: 'k',
      capabilities: ['entrance', 'zones'],
      screenshot_size: [320, 240],
      entrance_line: [
        [160, 0],
        [160, 240],
      ],
      entrance_inside: 'right',
      entrance_counting: 'each_crossing',
      entrance_margin_px: 0,
      target_fps: 25,
      zones: {
        middle: [
          [80, 0],
          [240, 0],
          [240, 240],
          [80, 240],
        ],
      },
      shelves: {},
      queues: {},
      min_shelf_dwell_s: 2.5,
      motion: DEFAULT_MOTION,
    };
    const outputs: PipelineOutput[] = [];
    const pipeline = createPipeline({
      camera,
      target_fps: 25,
      options: { realtime: false },
      detector: {
        model: sharedFile(MODEL),
        format: 'yolov8',
        input_size: 640,
        confidence: 0.35,
        nms_iou: 0.45,
        threads_per_camera: 2,
        inference: 'per_camera',
        threads: 2,
        execution_provider: 'cpu',
      },
    });
    await pipeline.start((o) => outputs.push(o));

    const events = outputs.flatMap((o) => (o.type === 'events' ? o.events : [])) as StoreEvent[];
    for (const e of events) expect(storeEventSchema.safeParse({ ...e, event_id: 'x' }).success).toBe(true);
    const entrances = events.filter((e) => e.type === 'entrance');
    const zones = events.filter((e) => e.type === 'zone');
    console.log(`TUD-Campus: ${entrances.length} crossings (${entrances.map((e) => e.direction).join(',')}), ${zones.length} zone visits`);
    expect(entrances.length).toBeGreaterThanOrEqual(2);
    expect(zones.length).toBeGreaterThanOrEqual(3);
    for (const z of zones) if (z.type === 'zone') expect(z.person_key).toMatch(/^cam_tud_[0-9a-f]{8}_\d+$/);
    // Stream time, not processing time: the 2.84 s clip spans ≈ 2.8 s of event time however fast it ran.
    const times = events.map((e) => Date.parse(e.ts));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(3200);

    const statuses = outputs.filter((o): o is { type: 'status'; status: CameraStatus } => o.type === 'status').map((o) => o.status);
    expect(statuses[0].stream_state).toBe('starting');
    expect(statuses.at(-1)!.stream_state).toBe('ended');
  }, 60_000);
});
