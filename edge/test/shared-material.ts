// Locates the test material in ../shared (beside the repo; never copied into it) and skips suites without it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');

/** Absolute path of a file in ../shared, e.g. sharedFile('models/yolov8n_int8.onnx'). */
export function sharedFile(relative: string): string {
  return path.join(sharedDir, relative);
}

/** The first of these ../shared files that is absent, or null when all are there. */
export function missingSharedFile(relatives: readonly string[]): string | null {
  return relatives.find((r) => !existsSync(sharedFile(r))) ?? null;
}

/** describe() when every listed ../shared file exists; otherwise a skipped suite that says which file is missing. */
export function describeIfShared(relatives: readonly string[], name: string, body: () => void): void {
  const missing = missingSharedFile(relatives);
  if (missing === null) {
    describe(name, body);
    return;
  }
  const reason = `skipped: ../shared/${missing} not found`;
  console.warn(`${name}: ${reason}`);
  // Not `body`: jest runs a skipped describe's body to collect its tests, and a body reading ../shared would throw.
  describe.skip(`${name} (${reason})`, () => it('needs ../shared', () => {}));
}
