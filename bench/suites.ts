/**
 * The catalogue of `bot4 bench` suites: their names in run order and the run sizes. Kept free
 * of imports so the CLI can validate arguments and print help without loading any suite.
 */

export const SUITE_NAMES = ['transport', 'codec', 'risk', 'tick-to-order', 'kill-switch', 'supervision', 'recorder'] as const;

export type SuiteName = (typeof SUITE_NAMES)[number];

/**
 * full: the default, figures worth publishing. quick: `--quick`, a smoke run of every suite.
 * smoke: smaller still, for the test that proves the orchestrator and its JSON (suites owned by
 * other files that only know full/quick run their quick size).
 */
export type BenchSize = 'full' | 'quick' | 'smoke';

export function isSuiteName(name: string): name is SuiteName {
  return (SUITE_NAMES as readonly string[]).includes(name);
}

/** The selected suites in run order (duplicates collapse); throws naming the bad ones. */
export function selectSuites(requested: readonly string[]): SuiteName[] {
  const unknown = requested.filter((name) => !isSuiteName(name));
  if (unknown.length > 0) {
    const plural = unknown.length > 1 ? 's' : '';
    throw new RangeError(`unknown suite${plural} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; valid suites: ${SUITE_NAMES.join(', ')}`);
  }
  return requested.length === 0 ? [...SUITE_NAMES] : SUITE_NAMES.filter((name) => requested.includes(name));
}
