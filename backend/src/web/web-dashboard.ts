import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Content-Security-Policy of the web dashboard: everything from this origin, nothing from anywhere else.
 * Inline styles are not allowed either (uPlot sets styles through the CSSOM, which CSP does not restrict);
 * blob: is for the CSV downloads, data: for uPlot's nothing-but-safe inline images.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': WEB_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The repository (or image) root: the nearest folder above this file with a package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where `npm run build:web` writes the dashboard: `WEB_DIST_DIR`, else `<package root>/dist/web`. */
export function webDistDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEB_DIST_DIR ? resolve(env.WEB_DIST_DIR) : join(packageRoot(), 'dist', 'web');
}

/**
 * Serves the web dashboard's static build at `/` (index.html, hashed assets cached for a year), with a strict
 * CSP. Only paths that no API route claims reach the file system, and only files that exist are answered.
 * When there is no build, `/` says how to make one instead of a bare 404.
 */
export async function serveWebDashboard(app: NestFastifyApplication, dir = webDistDir()): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: false, // `/` is the route below, which knows what to say when there is no build
    redirect: false,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.headers(SECURITY_HEADERS);
      // Hashed file names never change content; index.html must always be revalidated to pick up a new build.
      reply.header('cache-control', /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9]{8}\.[a-z.]+$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/', (_req, reply) => {
      if (existsSync(join(dir, 'index.html'))) return reply.sendFile('index.html');
      return reply.code(503).type('text/plain').send('The web dashboard is not built. Run `npm run build:web` (or `npm run build`) and reload.\n');
    });
}
