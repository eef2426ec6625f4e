import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type Request, type Response, type NextFunction } from 'express';

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
 * Paths that are never dashboard files. The static handler stats the disk for every request it sees, a
 * thread-pool round trip that cost /api/dashboard/live about a third of its CPU and most of its latency
 * tail (bench:live), so API traffic must not pass through it.
 */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/metrics';
}

/**
 * Serves the web dashboard's static build at `/` (index.html, hashed assets cached for a year), with a strict
 * CSP. Only files that exist are answered, and API paths never reach the file system. When there is no
 * build, `/` says how to make one instead of a bare 404.
 */
export function serveWebDashboard(app: NestExpressApplication, dir = webDistDir()): void {
  const expressApp = app.getHttpAdapter().getInstance() as { get(path: string, h: (req: Request, res: Response, next: NextFunction) => void): void };
  const built = () => existsSync(join(dir, 'index.html'));
  expressApp.get('/', (_req, res, next) => {
    if (built()) return next();
    res.status(503).type('text/plain').send('The web dashboard is not built. Run `npm run build:web` (or `npm run build`) and reload.\n');
  });
  const assets = express.static(dir, {
    index: 'index.html',
    redirect: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: (res, path) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      // Hashed file names never change content; index.html must always be revalidated to pick up a new build.
      res.setHeader('cache-control', /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9]{8}\.[a-z.]+$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => (isApiPath(req.path) ? next() : assets(req, res, next)));
}
