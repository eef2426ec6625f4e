import { readFileSync } from 'node:fs';
import { renderBanner } from './banner.ts';
import { parseConfig } from './config.ts';
import { EDGE_VERSION } from './version.ts';

const yamlText = `
api_base: https://api.wink.test
api_key: top-secret-edge-key
org_id: org_demo
store_id: store_demo_001
cameras:
  - camera_id: cam_entrance_01
    name: Entrance door
    rtsp: rtsp://admin:s3cr3t-P4ss@10.0.0.5/stream1
    capabilities: [entrance, zones]
    screenshot_size: [640, 480]
    entrance_line: [[0, 300], [640, 300]]
    entrance_inside: left
    zones:
      electronics: [[10, 10], [200, 10], [200, 200]]
      grocery: [[300, 10], [400, 10], [400, 200]]
  - camera_id: cam_checkout_01
    rtsp: rtsp://op:p@ss@word@10.0.0.7:554/live?channel=1
    api_key: checkout-only-key
    capabilities: [queue]
    screenshot_size: [1280, 720]
    queues:
      till_1: [[0, 0], [100, 0], [100, 100]]
  - camera_id: cam_replay
    rtsp: replay/aisle.mp4
    capabilities: [shelves]
    screenshot_size: [1280, 720]
    shelves:
      tv_wall: [[0, 0], [100, 0], [100, 100]]
`;

describe('renderBanner', () => {
  const banner = renderBanner(parseConfig(yamlText, {}), '1.2.3');

  it('shows the store, the cameras and what each one watches', () => {
    expect(banner).toBe(
      [
        'WINK edge 1.2.3',
        'Store:     store_demo_001 (org org_demo)',
        'Backend:   https://api.wink.test',
        'Cameras:   3',
        '  cam_entrance_01 "Entrance door"',
        '    RTSP:          rtsp://admin:***@10.0.0.5/stream1',
        '    Capabilities:  entrance, zones',
        '    Entrance:      (0, 300) → (640, 300), inside on the left',
        '    Zones:         electronics, grocery',
        '    Shelves:       -',
        '    Queues:        -',
        '  cam_checkout_01',
        '    RTSP:          rtsp://op:***@10.0.0.7:554/live?channel=1',
        '    Capabilities:  queue',
        '    Zones:         -',
        '    Shelves:       -',
        '    Queues:        till_1',
        '  cam_replay',
        '    Replay:        replay/aisle.mp4',
        '    Capabilities:  shelves',
        '    Zones:         -',
        '    Shelves:       tv_wall',
        '    Queues:        -',
      ].join('\n'),
    );
  });

  it('never shows a password or an API key', () => {
    for (const secret of ['s3cr3t-P4ss', 'p@ss@word', 'ss@word', 'top-secret-edge-key', 'checkout-only-key']) {
      expect(banner).not.toContain(secret);
    }
  });
});

it('EDGE_VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(EDGE_VERSION).toBe(pkg.version);
});
