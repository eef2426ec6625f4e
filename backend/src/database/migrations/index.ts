import { readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MigrationInterface } from 'typeorm';

// Every migration of this folder, oldest first: found, not listed, so a new migration is one new file named
// `<13-digit timestamp>-<Name>.ts` exporting its class (`<Name><timestamp>`). TypeORM gets classes, not globs, so the
// same list works from .ts (jest, run from the sources) and .js (dist/): this file reads the files of its own
// extension beside it and imports each (top-level await, so importers see the complete list).
// Compiled output is not cleaned: a migration renamed or deleted in the sources stays in dist/ until it is rebuilt
// from scratch (rm -rf dist).

export type MigrationClass = new () => MigrationInterface;

const here = fileURLToPath(import.meta.url);
const FILE = new RegExp(`^\\d{13}-.+\\${extname(here)}$`);

const files = readdirSync(dirname(here))
  .filter((f) => FILE.test(f))
  .sort();
const found: MigrationClass[] = [];
for (const file of files) {
  const exported: Record<string, unknown> = await import(pathToFileURL(join(dirname(here), file)).href);
  const classes = Object.values(exported).filter(
    (v): v is MigrationClass => typeof v === 'function' && typeof v.prototype?.up === 'function' && typeof v.prototype?.down === 'function',
  );
  if (classes.length !== 1) throw new Error(`Migration ${file} must export exactly one migration class (up and down), found ${classes.length}`);
  found.push(classes[0]);
}

/** The migrations in timestamp order (the file names' 13-digit prefix). */
export const MIGRATIONS: readonly MigrationClass[] = found;
