import type { MailboxDepth, NodeStats, NodeStatus, TreeNode } from '../admin/backend.js';
import type { ActorStats } from './actor-handle.js';
import type { NodeSnapshot } from './supervision/snapshot.js';
import type { TreeNodeSpec } from './supervision/tree-spec.js';

/**
 * The admin `tree` view of a supervision snapshot. A half-open bulkhead is still an open
 * breaker to an operator (it is trying one start), so it reads `open`.
 */
export function toTreeNode(node: NodeSnapshot): TreeNode {
  const stats = node.stats as ActorStats | undefined;
  const status: NodeStatus = node.status === 'half-open' ? 'open' : node.status;
  return {
    name: node.name,
    path: node.path,
    kind: node.kind,
    actor: node.actor ?? null,
    status,
    strategy: node.strategy ?? null,
    restarts: node.restarts,
    threadId: node.threadId ?? null,
    uptimeMs: node.uptimeMs ?? null,
    mailbox: stats ? mailboxOf(stats) : [],
    stats: stats ? statsOf(stats) : null,
    lastError: node.lastError ?? null,
    children: (node.children ?? []).map(toTreeNode),
  };
}

/** The admin `tree` view of the configured tree before any of it runs (the runtime is starting): every node has `status`. */
export function specTreeNode(node: TreeNodeSpec, status: NodeStatus): TreeNode {
  return {
    name: node.name,
    path: node.path,
    kind: node.type,
    actor: node.type === 'actor' ? node.kind : null,
    status,
    strategy: node.type === 'supervisor' ? node.strategy : null,
    restarts: 0,
    threadId: null,
    uptimeMs: null,
    mailbox: [],
    stats: null,
    lastError: null,
    children: node.type === 'supervisor' ? node.children.map((child) => specTreeNode(child, status)) : [],
  };
}

function mailboxOf(stats: ActorStats): MailboxDepth[] {
  return stats.mailbox.map((m) => ({ peer: m.peer, depthBytes: m.depthBytes, capacityBytes: m.capacityBytes }));
}

function statsOf(stats: ActorStats): NodeStats {
  const measured = stats.handlerCount > 0;
  return {
    msgsIn: stats.msgsIn,
    msgsOut: stats.msgsOut,
    handlerP50Us: measured ? stats.handlerP50Ns / 1000 : null,
    handlerP99Us: measured ? stats.handlerP99Ns / 1000 : null,
  };
}

/** The node at `path`, searching depth first. */
export function findTreeNode(root: TreeNode, path: string): TreeNode | undefined {
  if (root.path === path) return root;
  for (const child of root.children) {
    const found = findTreeNode(child, path);
    if (found) return found;
  }
  return undefined;
}
