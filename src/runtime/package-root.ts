import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root (the folder holding package.json). Compiled code runs from an
 * output folder (dist/ or another BOT4_OUT), so paths to sql/, config/ and actors are
 * found by walking up rather than by a fixed number of `..`.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`packageRoot: no package.json with node_modules above ${fileURLToPath(from)}`);
    dir = parent;
  }
}

/** Where the compiled JavaScript of this running code lives (dist/ or BOT4_OUT). */
export function compiledRoot(): string {
  // this file compiles to <out>/src/runtime/package-root.js
  return dirname(dirname(dirname(fileURLToPath(import.meta.url))));
}
