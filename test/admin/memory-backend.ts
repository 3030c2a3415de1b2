/**
 * An AdminBackend over plain in-memory data, for testing the admin server as a component
 * on its own (the real backend is the runtime; the end-to-end test uses that). It behaves
 * like the contract says: unknown paths are `not_found`, the kill switch is not wired
 * (`not_available`), events go to subscribers whose topics match.
 */
import type { AdminBackend, ActorDetail, EventListener, TreeNode } from '../../src/admin/backend.js';
import { AdminError, topicMatches, type AdminEvent } from '../../src/admin/protocol.js';

export function actorNode(name: string, parentPath: string, actor: string): TreeNode {
  return {
    name,
    path: `${parentPath}/${name}`,
    kind: 'actor',
    actor,
    status: 'running',
    strategy: null,
    restarts: 0,
    threadId: 7,
    uptimeMs: 1234,
    mailbox: [{ peer: 'exchange', depthBytes: 128, capacityBytes: 65536 }],
    stats: { msgsIn: 10, msgsOut: 3, handlerP50Us: 1.5, handlerP99Us: 12.25 },
    lastError: null,
    children: [],
  };
}

export function supervisorNode(name: string, path: string, strategy: TreeNode['strategy'], children: TreeNode[]): TreeNode {
  return { name, path, kind: 'supervisor', actor: null, status: 'running', strategy, restarts: 0, threadId: null, uptimeMs: 5000, mailbox: [], stats: null, lastError: null, children };
}

export function sampleTree(): TreeNode {
  return supervisorNode('root', 'root', 'one_for_one', [
    supervisorNode('safety', 'root/safety', 'one_for_all', [actorNode('kill-switch', 'root/safety', 'kill-switch'), actorNode('risk', 'root/safety', 'risk')]),
    supervisorNode('execution', 'root/execution', 'rest_for_one', [actorNode('order-manager', 'root/execution', 'order-manager')]),
  ]);
}

export class MemoryBackend implements AdminBackend {
  root: TreeNode = sampleTree();
  readonly shutdownReasons: string[] = [];
  private readonly subscribers = new Set<{ topics: readonly string[]; listener: EventListener }>();
  /** When set, tree() waits for it (to hold a reply in flight). */
  treeGate: Promise<void> | undefined;

  async tree(): Promise<TreeNode> {
    if (this.treeGate) await this.treeGate;
    return this.root;
  }
  async actorGet(path: string): Promise<ActorDetail> {
    return { node: this.find(path), snapshot: { note: 'memory backend' } };
  }
  async actorRestart(path: string): Promise<TreeNode> {
    return this.bumpRestarts(path);
  }
  async actorKill(path: string): Promise<TreeNode> {
    return this.bumpRestarts(path);
  }
  /** No actor here has an admin control: the path is checked, then the call is refused as the runtime would. */
  async actorInvoke(path: string, method: string): Promise<never> {
    const node = this.find(path);
    throw new AdminError('not_allowed', `"${method}" is not an admin control of ${node.actor ?? 'supervisor'} nodes`);
  }
  async killswitchTrip(): Promise<never> {
    throw new AdminError('not_available', 'kill switch is not wired in this build');
  }
  async killswitchReset(): Promise<never> {
    throw new AdminError('not_available', 'kill switch is not wired in this build');
  }
  async modeSet(): Promise<never> {
    throw new AdminError('not_available', 'trading modes are not wired in this build');
  }
  async gpioPress(): Promise<never> {
    throw new AdminError('not_available', 'the GPIO button is not wired in this build');
  }
  async status(): Promise<never> {
    throw new Error('status store exploded');
  }
  subscribe(topics: readonly string[], listener: EventListener): () => void {
    const entry = { topics, listener };
    this.subscribers.add(entry);
    return () => this.subscribers.delete(entry);
  }
  async shutdown(reason: string): Promise<void> {
    this.shutdownReasons.push(reason);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  emit(topic: string, data: Record<string, unknown>): void {
    const event: AdminEvent = { topic, ts: new Date(0).toISOString(), data };
    for (const s of this.subscribers) if (s.topics.some((p) => topicMatches(p, topic))) s.listener(event);
  }

  private find(path: string, node: TreeNode = this.root): TreeNode {
    const found = findNode(node, path);
    if (!found) throw new AdminError('not_found', `no actor at ${path}`);
    return found;
  }

  private bumpRestarts(path: string): TreeNode {
    const node = this.find(path);
    const bumped = { ...node, restarts: node.restarts + 1 };
    this.root = replaceNode(this.root, path, bumped);
    return bumped;
  }
}

function findNode(node: TreeNode, path: string): TreeNode | undefined {
  if (node.path === path) return node;
  for (const child of node.children) {
    const found = findNode(child, path);
    if (found) return found;
  }
  return undefined;
}

function replaceNode(node: TreeNode, path: string, replacement: TreeNode): TreeNode {
  if (node.path === path) return replacement;
  return { ...node, children: node.children.map((c) => replaceNode(c, path, replacement)) };
}
