#!/usr/bin/env node
// Builds the single-file edge binary dist/wink-edge with `deno compile`.
//
// `deno compile` glues the program onto "denort", Deno's slim runtime, which it DOWNLOADS from Deno's
// servers; no npm package ships it. Offline that download fails (a DNS error, after the build did all
// its other work). So this script wants DENORT_BIN (path to a denort binary of the same Deno version,
// e.g. from a CI cache or the denort-<target>.zip of the matching Deno release) and passes it through;
// without it, it stops at once and says so, unless --allow-download says the machine is online.
//
// Usage: node scripts/build-edge.mjs [--allow-download]      (also: deno task build:edge)
// Env:   DENORT_BIN  path to denort 2.x matching the deno in node_modules
//        DENO        deno binary to use (default: node_modules/.bin/deno)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const deno = process.env.DENO || join(root, 'node_modules', '.bin', 'deno');
const output = join(root, 'dist', 'wink-edge');
const allowDownload = process.argv.includes('--allow-download');
const COMPILE_TIMEOUT_MS = 10 * 60 * 1000;

function fail(message) {
  // A crashed deno compile leaves its half-written dist/wink-edge.tmp-* behind.
  if (existsSync(dirname(output))) {
    for (const name of readdirSync(dirname(output))) if (name.startsWith('wink-edge.tmp-')) rmSync(join(dirname(output), name), { force: true });
  }
  process.stderr.write(`build-edge: ${message}\n`);
  process.exit(1);
}

if (!existsSync(deno)) fail(`no deno binary at ${deno}; run npm install (deno is a dependency) or set DENO=/path/to/deno`);

const denort = process.env.DENORT_BIN;
if (denort) {
  if (!existsSync(denort) || !statSync(denort).isFile()) fail(`DENORT_BIN=${denort} is not a file`);
} else if (!allowDownload) {
  const version = spawnSync(deno, ['--version'], { encoding: 'utf8' }).stdout?.split(/\s+/)[1] ?? '<version>';
  fail(
    [
      'DENORT_BIN is not set.',
      `deno compile needs the denort runtime (Deno ${version}), which it downloads from Deno's servers;`,
      'without network access that download fails. Set DENORT_BIN to a denort binary of the same version',
      `(from the release archive denort-x86_64-unknown-linux-gnu.zip of Deno v${version}), or pass`,
      '--allow-download on a machine that is online.',
    ].join('\n  '),
  );
}

// The worker and the pipelines are loaded through computed URLs, which deno compile cannot see:
// name them, or the binary would not contain them.
const dynamicModules = [
  'edge/src/runtime/camera-worker.ts',
  'edge/src/runtime/synthetic-pipeline.ts',
  'edge/src/vision/camera-vision-pipeline.ts',
  'edge/src/vision/inference-worker.ts',
].filter((file) => {
  const present = existsSync(join(root, file));
  if (!present) process.stderr.write(`build-edge: note: ${file} does not exist yet; the binary will not contain it\n`);
  return present;
});

// deno compile embeds the whole node_modules it runs against. The repository's holds the backend and the
// test tools too (and deno compile 2.9 overflows its stack walking it), so the binary is built in a staging
// directory that holds only the edge, the shared contract and the edge's own dependencies.
// The backend image leaves onnxruntime-node and node-av out (root devDependencies), so each version is read
// from whichever list holds it.
const EDGE_DEPENDENCIES = ['zod', 'js-yaml', 'yaml', 'onnxruntime-node', 'node-av'];
const staging = join(root, 'dist', 'edge-build');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const versionOf = (name) => rootPackage.dependencies?.[name] ?? rootPackage.devDependencies?.[name] ?? fail(`package.json does not list ${name}`);
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
for (const dir of ['edge/src', 'shared/src']) cpSync(join(root, dir), join(staging, dir), { recursive: true, filter: (f) => !f.endsWith('.spec.ts') });
for (const file of ['deno.json']) cpSync(join(root, file), join(staging, file));
writeFileSync(
  join(staging, 'package.json'),
  JSON.stringify(
    {
      name: 'wink-edge-build',
      private: true,
      type: 'module',
      dependencies: Object.fromEntries(EDGE_DEPENDENCIES.map((d) => [d, versionOf(d)])),
      allowScripts: Object.fromEntries(Object.entries(rootPackage.allowScripts ?? {}).filter(([name]) => ['onnxruntime-node', 'node-av'].includes(name))),
    },
    null,
    2,
  ),
);
process.stderr.write(`build-edge: installing the edge's dependencies (${EDGE_DEPENDENCIES.join(', ')}) into ${relative(root, staging)}\n`);
const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], {
  cwd: staging,
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', SKIP_FFMPEG: 'true' },
});
if (install.status !== 0) fail('npm install of the edge dependencies failed');

mkdirSync(dirname(output), { recursive: true });
const args = [
  'compile',
  '--allow-all',
  // Type checking is tsc's job (npm run typecheck); Deno's checker would use other lib settings.
  '--no-check',
  // onnxruntime and FFmpeg are native libraries that must exist as files: unpack them on first run.
  '--self-extracting',
  '--output',
  output,
  // onnxruntime-node ships every platform's runtime; the binary needs only its own (saves ~220 MB).
  ...['darwin', 'win32'].filter((os) => os !== process.platform).flatMap((os) => ['--exclude', `node_modules/onnxruntime-node/bin/napi-v6/${os}`]),
  ...dynamicModules.flatMap((file) => ['--include', file]),
  // The calibration page's own files, read at run time (edge/src/local-ui/local-ui-server.ts).
  '--include',
  'edge/src/local-ui/page',
  'edge/src/main.ts',
];
process.stderr.write(`build-edge: ${relative(root, deno)} ${args.join(' ')}${denort ? ` (DENORT_BIN=${denort})` : ''}\n`);
const result = spawnSync(deno, args, { cwd: staging, stdio: 'inherit', timeout: COMPILE_TIMEOUT_MS, env: process.env });
if (result.error) fail(`deno compile did not finish: ${result.error.message}`);
if (result.status !== 0) fail(`deno compile failed (${result.signal ? `killed by ${result.signal}` : `exit ${result.status}`})`);
process.stderr.write(`build-edge: wrote ${relative(root, output)}\n`);
