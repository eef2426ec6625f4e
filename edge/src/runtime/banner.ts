// The start-up banner: what this device is about to watch, in a form an installer can check at a
// glance against the store plan. Never shows a password or an API key.
import { maskUrlPassword } from '../../../shared/src/url-secrets.ts';
import { POLYGON_RULE_LIST, type PolygonKey } from '../rules/polygon-rules.ts';
import type { CameraConfig, EdgeConfig } from './config.ts';

export function renderBanner(config: EdgeConfig, version: string): string {
  const lines = [
    `WINK edge ${version}`,
    `Store:     ${config.store_id} (org ${config.org_id})`,
    `Backend:   ${config.api_base}`,
    `Cameras:   ${config.cameras.length}`,
  ];
  for (const cam of config.cameras) lines.push(...cameraLines(cam));
  return lines.join('\n');
}

function cameraLines(cam: CameraConfig): string[] {
  const names = (m: Readonly<Record<string, unknown>>) => (Object.keys(m).length ? Object.keys(m).join(', ') : '-');
  const row = (label: string, value: string) => `    ${(label + ':').padEnd(15)}${value}`;
  const lines = [
    `  ${cam.camera_id}${cam.name ? ` "${cam.name}"` : ''}`,
    row(cam.source === 'rtsp' ? 'RTSP' : 'Replay', maskUrlPassword(cam.rtsp)),
    row('Capabilities', cam.capabilities.join(', ')),
  ];
  if (cam.entrance_line) {
    const [a, b] = cam.entrance_line;
    lines.push(row('Entrance', `(${a[0]}, ${a[1]}) → (${b[0]}, ${b[1]}), inside on the ${cam.entrance_inside ?? '?'}`));
  }
  for (const [, spec] of POLYGON_RULE_LIST) lines.push(row(spec.label, names(cam[spec.key as PolygonKey] ?? {})));
  return lines;
}
