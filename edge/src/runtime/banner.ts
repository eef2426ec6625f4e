// The start-up banner: what this device is about to watch, in a form an installer can check at a
// glance against the store plan. Never shows a password or an API key.
import type { CameraConfig, EdgeConfig } from './config.ts';

interface Authority { start: number; end: number; at: number }

/** Where the user:password@host part is, read from the raw text (see maskRtspUrl for why). */
function authorityOf(source: string): Authority | null {
  const schemeEnd = source.indexOf('://');
  if (schemeEnd < 0) return null; // a file path
  const start = schemeEnd + 3;
  const pathStart = source.slice(start).search(/[/?#]/);
  const end = pathStart < 0 ? source.length : start + pathStart;
  const at = source.slice(start, end).lastIndexOf('@');
  return at < 0 ? null : { start, end, at: start + at };
}

/**
 * `rtsp://admin:secret@10.0.0.5/stream1` → `rtsp://admin:***@10.0.0.5/stream1`. Works on the raw
 * text rather than through URL parsing, so an unencoded "@" in a camera password (common with
 * factory passwords) is still masked whole, and nothing else about the address is rewritten.
 */
export function maskRtspUrl(source: string): string {
  const a = authorityOf(source);
  if (!a) return source;
  const userinfo = source.slice(a.start, a.at);
  const colon = userinfo.indexOf(':');
  const masked = colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`;
  return source.slice(0, a.start) + masked + source.slice(a.at);
}

/** The password in a camera URL, as written and percent-decoded, for the logger to scrub. */
export function rtspPasswords(source: string): string[] {
  const a = authorityOf(source);
  if (!a) return [];
  const userinfo = source.slice(a.start, a.at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return [];
  const raw = userinfo.slice(colon + 1);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // not percent-encoded
  }
  return [...new Set([raw, decoded])].filter((p) => p !== '');
}

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
    row(cam.source === 'rtsp' ? 'RTSP' : 'Replay', maskRtspUrl(cam.rtsp)),
    row('Capabilities', cam.capabilities.join(', ')),
  ];
  if (cam.entrance_line) {
    const [a, b] = cam.entrance_line;
    lines.push(row('Entrance', `(${a[0]}, ${a[1]}) → (${b[0]}, ${b[1]}), inside on the ${cam.entrance_inside ?? '?'}`));
  }
  lines.push(row('Zones', names(cam.zones)), row('Shelves', names(cam.shelves)), row('Queues', names(cam.queues)));
  return lines;
}
