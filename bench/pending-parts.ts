/**
 * Suites that measure parts of the product which have not landed yet. Whether a part exists
 * is read from the compiled tree when the bench runs, so the "not landed" reason names
 * exactly what is missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compiledRoot } from '../src/runtime/package-root.js';

export interface PendingSuite {
  /** What the suite would measure, for the reason text. */
  needs: string;
  /** Actor modules the suite drives, relative to the compiled root, without extension. */
  parts: readonly string[];
}

export const TICK_TO_ORDER: PendingSuite = {
  needs: 'the exchange -> strategy -> risk -> order manager actor chain (issue 6)',
  parts: ['actors/exchange/actor', 'actors/strategy/actor', 'actors/risk/actor', 'actors/order-manager/actor'],
};

export const RECORDER: PendingSuite = {
  needs: 'the recorder actor writing events into the database (issue 7)',
  parts: ['actors/recorder/actor'],
};

export function missingParts(suite: PendingSuite, root: string = compiledRoot()): string[] {
  return suite.parts.filter((part) => !existsSync(join(root, `${part}.js`)));
}

export function notLandedReason(suite: PendingSuite, missing: readonly string[]): string {
  return missing.length > 0
    ? `needs ${suite.needs}; missing: ${missing.map((m) => `${m}.ts`).join(', ')}`
    : `${suite.needs} exists, but this suite does not drive it yet`;
}
