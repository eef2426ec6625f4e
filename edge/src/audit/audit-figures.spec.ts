// The audit's figures, comparison and report from made-up events (no clip, no model): the figures per polygon kind
// come from the polygon rules (rules/polygon-rules.ts `audit`), and this pins their names and text for the kinds of
// today. A kind declared after the queues shows up as its own section, empty here (these cameras have none).
import type { StoreEvent } from '../../../shared/src/events.ts';
import { POLYGON_RULE_LIST } from '../rules/polygon-rules.ts';
import { parseConfig } from '../runtime/config.ts';
import { auditFigures, compareFigures } from './clip-audit.ts';
import { renderAuditReport, type AuditReport } from './audit-command.ts';

const config = parseConfig(
  `
api_base: https://api.wink.test
api_key: k
org_id: org_demo
store_id: store_demo_001
cameras:
  - camera_id: cam_all
    rtsp: clip.mp4
    capabilities: [entrance, zones, shelves, queue]
    screenshot_size: [640, 480]
    entrance_line: [[0, 300], [640, 300]]
    entrance_inside: left
    zones:
      electronics: [[10, 10], [200, 10], [200, 200]]
      grocery: [[300, 10], [400, 10], [400, 200]]
    shelves:
      tv_wall: [[0, 0], [100, 0], [100, 100]]
    queues:
      till_1: [[0, 0], [100, 0], [100, 100]]
  - camera_id: cam_door
    rtsp: clip.mp4
    capabilities: [entrance]
    screenshot_size: [640, 480]
    entrance_line: [[0, 300], [640, 300]]
    entrance_inside: left
`,
  {},
);
const [all, door] = config.cameras;
const t0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const counted: StoreEvent[] = [
  { type: 'entrance', ts: at(1.5), direction: 'in', person_key: 'p1' },
  { type: 'entrance', ts: at(4), direction: 'out', person_key: 'p2' },
  { type: 'entrance', ts: at(9.25), direction: 'in', person_key: 'p3' },
  { type: 'zone', ts: at(10), zone_id: 'electronics', enter_ts: at(2), exit_ts: at(10), dwell_seconds: 8, person_key: 'p1' },
  { type: 'zone', ts: at(12), zone_id: 'electronics', enter_ts: at(7), exit_ts: at(12), dwell_seconds: 5, person_key: 'p3' },
  { type: 'zone', ts: at(12), zone_id: 'stray', enter_ts: at(11), exit_ts: at(12), dwell_seconds: 1, person_key: 'p3' },
  { type: 'shelf', ts: at(6), shelf_id: 'tv_wall', dwell_seconds: 3.333, person_key: 'p1' },
  { type: 'queue', ts: at(20), queue_id: 'till_1', enter_ts: at(5), exit_ts: at(20), wait_seconds: 15, person_key: 'p2' },
  { type: 'queue', ts: at(30), queue_id: 'till_1', enter_ts: at(20), exit_ts: at(30), wait_seconds: 10, person_key: 'p4' },
];
const truthEvents: StoreEvent[] = [
  ...counted.filter((e) => e.type === 'entrance' && e.direction === 'in'),
  { type: 'zone', ts: at(10), zone_id: 'grocery', enter_ts: at(2), exit_ts: at(10), dwell_seconds: 8, person_key: 'p1' },
  { type: 'shelf', ts: at(6), shelf_id: 'tv_wall', dwell_seconds: 4, person_key: 'p1' },
  { type: 'shelf', ts: at(8), shelf_id: 'tv_wall', dwell_seconds: 2, person_key: 'p2' },
];

/** Polygon kinds declared after the queues: their report sections and figures, empty. */
const later = POLYGON_RULE_LIST.slice(3).map(([, spec]) => spec);
const laterSections = later.flatMap((spec) => [`${spec.label}:`, '  none configured']);
const laterFigures = Object.fromEntries(later.map((spec) => [spec.key, {}]));

const countedFigures = `Audit of camera cam_all on clip.mp4: 300 frames at 10 fps, 0:29.9 of clip
Entrance lines:
  entrance: in 2, out 1
Zones:
  electronics: 2 visits, mean dwell 6.5 s
  grocery: 0 visits, mean dwell – s
  stray: 1 visits, mean dwell 1 s
Shelves:
  tv_wall: 1 interactions, mean dwell 3.3 s
Queues:
  till_1: 2 waits, mean wait 12.5 s`;
const text = (...parts: string[]) => `${[...parts[0].split('\n'), ...laterSections, ...parts.slice(1)].join('\n')}\n`;

describe('audit figures', () => {
  const figures = auditFigures(counted, all, t0);
  const truth = auditFigures(truthEvents, all, t0);
  const base = { camera: 'cam_all', clip: 'clip.mp4', fps: 10, frames: 300, clipSeconds: 29.9, figures };

  it('counts per line and per configured polygon (0 where nothing happened, events of unconfigured ids too), named as each rule declares', () => {
    expect(JSON.stringify(figures)).toBe(
      JSON.stringify({
        lines: {
          entrance: {
            in: 2,
            out: 1,
            crossings: [
              { line: 'entrance', direction: 'in', atS: 1.5, person: 'p1' },
              { line: 'entrance', direction: 'out', atS: 4, person: 'p2' },
              { line: 'entrance', direction: 'in', atS: 9.25, person: 'p3' },
            ],
          },
        },
        zones: { electronics: { visits: 2, meanDwellS: 6.5 }, grocery: { visits: 0, meanDwellS: NaN }, stray: { visits: 1, meanDwellS: 1 } },
        shelves: { tv_wall: { interactions: 1, meanDwellS: 3.333 } },
        queues: { till_1: { waits: 2, meanWaitS: 12.5 } },
        ...laterFigures,
      }),
    );
    expect(figures.zones.electronics.visits).toBe(2);
    expect(truth.shelves.tv_wall).toEqual({ interactions: 2, meanDwellS: 3 });
  });

  it('renders the figures, every kind a section', () => {
    expect(renderAuditReport(base)).toBe(text(countedFigures));
    const empty: AuditReport = { camera: 'cam_door', clip: 'clip.mp4', fps: 10, frames: 0, clipSeconds: 0, figures: auditFigures([], door, t0) };
    expect(renderAuditReport(empty)).toBe(
      text(`Audit of camera cam_door on clip.mp4: 0 frames at 10 fps, 0:00.0 of clip
Entrance lines:
  entrance: in 0, out 0
Zones:
  none configured
Shelves:
  none configured
Queues:
  none configured`),
    );
  });

  it('compares every figure with ground-truth figures (shelves by their count only)', () => {
    const report: AuditReport = { ...base, truth: { kind: 'ground truth', file: 'gt.txt', figures: truth, comparison: compareFigures(figures, truth, 1) } };
    expect(renderAuditReport(report)).toBe(
      text(
        countedFigures,
        '',
        `Against the ground truth gt.txt:
  figure                          truth  counted   error
  entrance in                         2        2       0  0.0 %
  entrance out                        0        1      +1  (no truth)
  zone electronics visits             0        2      +2  (no truth)
  zone electronics mean dwell s       –      6.5       –  
  zone grocery visits                 1        0      -1  100.0 %
  zone grocery mean dwell s           8        –       –  
  zone stray visits                   0        1      +1  (no truth)
  zone stray mean dwell s             –        1       –  
  shelf tv_wall interactions          2        1      -1  50.0 %
  queue till_1 waits                  0        2      +2  (no truth)
  queue till_1 mean wait s            –     12.5       –  
Crossings within ±1 s: 2 matched, 0 missed, 1 added
  added   out at 0:04.0  (entrance, p2)`,
      ),
    );
  });

  it('compares only the lines with a hand count', () => {
    const hand = compareFigures(figures, { crossings: [{ line: 'entrance', direction: 'in', atS: 2 }] }, 1);
    expect(renderAuditReport({ ...base, truth: { kind: 'hand count', file: 'count.csv', comparison: hand } })).toBe(
      text(
        countedFigures,
        '',
        `Against the hand count count.csv:
  figure         truth  counted   error
  entrance in        1        2      +1  100.0 %
  entrance out       0        1      +1  (no truth)
Crossings within ±1 s: 1 matched, 0 missed, 2 added
  added   out at 0:04.0  (entrance, p2)
  added   in  at 0:09.3  (entrance, p3)`,
      ),
    );
  });
});
