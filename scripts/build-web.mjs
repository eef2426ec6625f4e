#!/usr/bin/env node
// Builds the web dashboard (web/) into a static folder the backend serves at `/` (default dist/web):
// one JS bundle and one CSS file (uPlot's included) with content hashes in their names, index.html and
// the icon. Everything is bundled: the page makes no request to any other origin.
//
//   node scripts/build-web.mjs [--out DIR] [--dev]     (npm run build:web)
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_WEB_OUT = join(ROOT, 'dist', 'web');

/** Builds into `outDir` (emptied first). Returns the files written, relative to outDir. */
export async function buildWeb({ outDir = DEFAULT_WEB_OUT, minify = true } = {}) {
  const web = join(ROOT, 'web');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'assets'), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(web, 'src', 'main.ts')],
    bundle: true,
    format: 'iife',
    // Tablets a few years old: Safari 15, Chrome 100.
    target: ['es2020', 'chrome100', 'safari15', 'firefox100'],
    minify,
    sourcemap: 'linked',
    entryNames: '[name]-[hash]',
    outdir: join(outDir, 'assets'),
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => relative(outDir, resolve(ROOT, f)).split('\\').join('/'));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`build-web: expected one .js and one .css output, got ${outputs.join(', ')}`);
  const icon = await readFile(join(web, 'favicon.svg'));
  const iconName = `assets/favicon-${createHash('sha256').update(icon).digest('hex').slice(0, 8)}.svg`;
  await writeFile(join(outDir, iconName), icon);
  // uPlot is MIT-licensed: its notice ships with the bundle (not referenced by the page, never requested).
  const notices = `The WINK web dashboard bundles uPlot (https://github.com/leeoniya/uPlot):\n\n${await readFile(join(ROOT, 'node_modules', 'uplot', 'LICENSE'), 'utf8')}`;
  await writeFile(join(outDir, 'assets', 'THIRD-PARTY-NOTICES.txt'), notices);
  const template = await readFile(join(web, 'index.html'), 'utf8');
  const html = template.replace('%CSS%', css).replace('%JS%', js).replace('%ICON%', iconName);
  if (html.includes('%')) throw new Error('build-web: index.html has an unreplaced %PLACEHOLDER%');
  await writeFile(join(outDir, 'index.html'), html);
  return ['index.html', iconName, 'assets/THIRD-PARTY-NOTICES.txt', ...outputs];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const outDir = outIdx >= 0 ? resolve(args[outIdx + 1]) : DEFAULT_WEB_OUT;
  const started = Date.now();
  buildWeb({ outDir, minify: !args.includes('--dev') }).then(
    (files) => console.log(`web dashboard → ${relative(process.cwd(), outDir) || '.'} (${files.length} files, ${Date.now() - started} ms)`),
    (e) => {
      console.error(e.message ?? e);
      process.exit(1);
    },
  );
}
