import { Logger } from './log.ts';

it('writes one JSON object per line with the child fields', () => {
  const lines: string[] = [];
  const log = Logger.create({ sink: (l) => lines.push(l) }).child({ camera_id: 'cam_a' });
  log.info('camera worker started', { thread_id: 3 });
  log.debug('not at info level');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', msg: 'camera worker started', camera_id: 'cam_a', thread_id: 3 });
});

it('scrubs registered secrets wherever they appear, also in children and errors', () => {
  const lines: string[] = [];
  const root = Logger.create({ sink: (l) => lines.push(l) });
  const child = root.child({ camera_id: 'cam_a' });
  root.addSecrets('edge-key-123', 'p@ss', undefined);
  child.error('open failed', { url: 'rtsp://admin:p@ss@10.0.0.5/s', error: new Error('auth edge-key-123 refused') });
  expect(lines[0]).not.toMatch(/edge-key-123|p@ss/);
  expect(JSON.parse(lines[0])).toMatchObject({ url: 'rtsp://admin:***@10.0.0.5/s', error: 'auth *** refused' });
});
