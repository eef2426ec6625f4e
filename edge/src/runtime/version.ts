// Reported in heartbeats and the banner. A constant rather than a package.json read, so it also holds
// inside a `deno compile` binary; banner.spec.ts fails when it drifts from package.json.
export const EDGE_VERSION = '0.1.0';
