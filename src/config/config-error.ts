/** One thing wrong with the configuration, named by its dotted path. */
export interface ConfigIssue {
  /** Dotted path inside the config (`admin.max_clients`), or a file name for unreadable files. */
  readonly path: string;
  readonly message: string;
  /** Where the bad value came from: a file, or the environment variable that set it. */
  readonly source?: string;
}

/** Thrown by loadConfig with EVERY problem found, not just the first one. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** ['tree', 'children', 1, 'name'] -> `tree.children[1].name` (the form tree-spec problems use too). */
export function formatPath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`), '');
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}${i.source ? ` (from ${i.source})` : ''}`);
  return `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}
