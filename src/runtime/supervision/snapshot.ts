import type { Strategy } from './tree-spec-schema.js';

export type NodeStatus = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed' | 'open' | 'half-open';

/** One node of the tree as the admin `tree` command shows it. */
export interface NodeSnapshot {
  readonly name: string;
  readonly path: string;
  readonly kind: 'supervisor' | 'actor';
  /** Actor kind (actors only). */
  readonly actor?: string;
  readonly status: NodeStatus;
  /** Strategy and bulkhead flag (supervisors only). */
  readonly strategy?: Strategy;
  readonly isolated?: boolean;
  /** Times this node was restarted (start attempts after its first). */
  readonly restarts: number;
  readonly threadId?: number;
  readonly uptimeMs?: number;
  readonly lastError?: string;
  /** The live handle's stats() (actors that are up); mailbox depths etc. come from here. */
  readonly stats?: unknown;
  readonly children?: readonly NodeSnapshot[];
}
