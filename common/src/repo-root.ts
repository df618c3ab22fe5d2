import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Walks up from `startDir` to the first directory holding a package.json.
 * Needed because modules run both from source (`server/src/…`) and compiled
 * (`dist/server/src/…`), so fixed `../..` hops would point at different places.
 */
export function findRepoRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found in ${startDir} or any parent directory`);
    dir = parent;
  }
}

/** The checkout (or installed package) this code runs from. */
export function repoRoot(): string {
  return findRepoRoot(dirname(fileURLToPath(import.meta.url)));
}
