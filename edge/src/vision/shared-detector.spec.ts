import type { MessagePort } from 'node:worker_threads';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import type { DetectorConfig } from '../runtime/config.ts';
import { Logger } from '../runtime/log.ts';
import { SharedInference } from '../runtime/shared-inference.ts';
import { readLetterboxedImage } from './frame-source.ts';
import { PersonDetector } from './person-detector.ts';
import { InferenceScheduler, RemoteModelRunner, sharedFloats, type CameraRequest, type ServiceReply, type SharedModelInfo } from './shared-detector.ts';

describe('InferenceScheduler', () => {
  /** Arrivals and completions in order ("a1" = camera a's frame 1, "done 0" = session 0 finished): the dispatches. */
  function run(sessions: number, steps: string[]): string[] {
    const out: string[] = [];
    const s = new InferenceScheduler(sessions, (session, camera, id) => out.push(`${camera}${id}→${session}`));
    for (const step of steps) {
      if (step.startsWith('done ')) s.done(Number(step.slice(5)));
      else s.request(step[0]!, Number(step.slice(1)));
    }
    return out;
  }

  it.each([
    ['an idle session takes a frame at once', 1, ['a1'], ['a1→0']],
    ['two sessions run two frames at once', 2, ['a1', 'a2', 'a3'], ['a1→0', 'a2→1']],
    ['a waiting frame goes to the session that finishes', 2, ['a1', 'a2', 'a3', 'done 1'], ['a1→0', 'a2→1', 'a3→1']],
    [
      "a quiet camera is served before the busy one's backlog",
      1,
      ['b1', 'b2', 'b3', 'b4', 'q1', 'done 0', 'done 0', 'done 0'],
      ['b1→0', 'b2→0', 'q1→0', 'b3→0'],
    ],
  ] as Array<[string, number, string[], string[]]>)('%s', (_name, sessions, steps, dispatched) => {
    expect(run(sessions, steps)).toEqual(dispatched);
  });
});

const MODEL = 'models/yolov8n_int8.onnx';
const STREET = 'images/street.jpg';

describeIfShared([MODEL, STREET], 'the shared inference service (one worker, one session, real model)', () => {
  let inference: SharedInference;
  const lines: string[] = [];
  const detector = (provider: DetectorConfig['execution_provider'] = 'cpu', sessions = 2): DetectorConfig => ({
    model: sharedFile(MODEL),
    format: 'yolov8',
    input_size: 640,
    confidence: 0.3,
    nms_iou: 0.45,
    threads_per_camera: 1,
    inference: 'shared',
    threads: sessions,
    execution_provider: provider,
  });

  beforeAll(() => acceptCrossRealmTypedArrays());
  afterEach(async () => inference?.stop());

  it('finds the same people as a camera with its own session', async () => {
    inference = new SharedInference({ detector: detector(), log: Logger.create({ sink: (l) => lines.push(l) }) });
    const remote = PersonDetector.withRunner(await RemoteModelRunner.connect(inference.connect('cam_a')), { confidence: 0.3 });
    const local = await PersonDetector.load(sharedFile(MODEL), { confidence: 0.3, intraOpThreads: 1 });
    const street = await readLetterboxedImage(sharedFile(STREET), 640);
    const [a, b] = [await remote.detect(street), await local.detect(street)];
    await Promise.all([remote.release(), local.release()]);
    expect(a.length).toBeGreaterThanOrEqual(5);
    expect(a).toEqual(b);
    expect(remote.inferenceMs).toBeGreaterThan(0);
    expect((await inference.ready).provider).toBe('cpu');
  }, 60_000);

  it('serves a quiet camera between the frames of a busy one (round robin, not first come first served)', async () => {
    // One session, so the order of service is the scheduler's alone.
    inference = new SharedInference({ detector: detector('cpu', 1), log: Logger.create({ sink: () => {} }) });
    await inference.ready;
    const busy = inference.connect('cam_busy');
    const quiet = inference.connect('cam_quiet');
    const order: string[] = [];
    const replies = (port: MessagePort, name: string, count: number) =>
      new Promise<void>((resolve) => {
        let n = 0;
        port.on('message', (r: ServiceReply) => {
          if (r.type !== 'result') return;
          order.push(name);
          if (++n === count) resolve();
        });
      });
    for (const port of [busy, quiet]) {
      const info = await new Promise<SharedModelInfo>((resolve) => {
        port.once('message', (r: ServiceReply) => r.type === 'info' && resolve(r.info));
        port.postMessage({ type: 'info' } satisfies CameraRequest);
      });
      const input = sharedFloats(3 * info.size * info.size).fill(0.5);
      port.postMessage({ type: 'buffers', input, output: sharedFloats(info.outputLength) } satisfies CameraRequest);
    }
    const request = (port: MessagePort, id: number) => port.postMessage({ type: 'run', id } satisfies CameraRequest);
    const busyDone = replies(busy, 'busy', 8);
    const quietDone = replies(quiet, 'quiet', 1);
    for (let i = 1; i <= 8; i++) request(busy, i); // eight frames waiting at once …
    request(quiet, 1); // … and then one of the quiet camera
    await Promise.all([busyDone, quietDone]);
    busy.close();
    quiet.close();
    // First come, first served puts the quiet frame last (9th). Round robin serves it after the busy frame being
    // worked on and at most one or two more (the ports' messages reach the service's thread between runs).
    expect(order.indexOf('quiet')).toBeLessThanOrEqual(3);
    expect(order.filter((o) => o === 'busy')).toHaveLength(8);
  }, 60_000);

  it('says why when the model cannot be loaded (the supervisor then refuses to start)', async () => {
    inference = new SharedInference({ detector: { ...detector(), model: '/nonexistent/model.onnx' }, log: Logger.create({ sink: (l) => lines.push(l) }) });
    await expect(inference.ready).rejects.toThrow('Cannot read model "/nonexistent/model.onnx": file not found');
    expect(lines.some((l) => l.includes('shared inference: the model cannot be loaded'))).toBe(true);
  }, 60_000);

  it('falls back to the CPU with a start-up message when the requested provider is missing', async () => {
    inference = new SharedInference({ detector: detector('cuda'), log: Logger.create({ sink: (l) => lines.push(l) }) });
    const ready = await inference.ready;
    expect(ready.provider).toBe('cpu');
    expect(ready.message).toMatch(/"cuda" could not start .*; running on CPU/);
    expect(lines.some((l) => l.includes('shared inference: detector.execution_provider \\"cuda\\" could not start'))).toBe(true);
  }, 60_000);
});
