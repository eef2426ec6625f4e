// Node-only module hooks that let a worker thread load this repository's .ts sources directly.
// Needed only where the runtime runs .ts on Node, i.e. under jest: Deno runs .ts natively and the tsc
// build runs .js, and jest's own transform does not reach inside worker threads. Node 20 has no type
// stripping, so this transpiles with the project's own TypeScript (isolated-module transpile: the
// same per-file rules tsc and jest already enforce). supervisor.ts adds it to a worker's execArgv only
// when it is about to start a .ts worker on Node.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
