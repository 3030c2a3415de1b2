/**
 * From a paper-trading config (config/default.yaml or `--config FILE`) to what `bot4 soak` runs:
 * one `bot4 venue` process per venue-sim actor of the tree (its own process, so its records outlive
 * the bot), and a bot config without those actors whose exchange actors point at the processes,
 * with every file the bot writes in the soak's temp folder.
 */
import { basename, join } from 'node:path';

type Tree = Record<string, unknown>;

export class SoakConfigError extends Error {
  override readonly name = 'SoakConfigError';
}

/** A venue-sim actor of the paper config: where its exchange actors expect it, and its emulator options. */
export interface PaperVenue {
  readonly name: string;
  /** The port the exchange actors' `emulator.http_url` names. */
  readonly port: number;
  /** The emulator options (the venue-sim actor's `config`) without host and port. */
  readonly options: Tree;
}

export interface SoakActor {
  readonly kind: string;
  readonly path: string;
  readonly config: Tree;
}

const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

function children(node: Tree): Tree[] {
  return Array.isArray(node.children) ? node.children.filter(isTree) : [];
}

/** Every actor leaf of the tree with its path (root/group/name) and kind. */
export function actorsOf(node: Tree, prefix = ''): SoakActor[] {
  const path = prefix === '' ? String(node.name) : `${prefix}/${String(node.name)}`;
  if (typeof node.actor === 'string') return [{ kind: node.actor, path, config: isTree(node.config) ? node.config : {} }];
  return children(node).flatMap((child) => actorsOf(child, path));
}

function portOf(url: unknown, where: string): number {
  if (typeof url !== 'string') throw new SoakConfigError(`${where}: must be a URL such as http://127.0.0.1:18401`);
  const port = Number(new URL(url).port);
  if (!Number.isInteger(port) || port <= 0) throw new SoakConfigError(`${where}: ${url} names no port`);
  return port;
}

export function paperVenues(config: Tree): PaperVenue[] {
  if (!isTree(config.tree)) throw new SoakConfigError('tree: the config has no supervision tree');
  const venues = actorsOf(config.tree)
    .filter((a) => a.kind === 'venue-sim')
    .map((a) => {
      const { port, host: _host, ...options } = a.config;
      if (!Number.isInteger(port)) throw new SoakConfigError(`${a.path}: config.port must be the port its exchange actors name`);
      return { name: a.path.split('/').pop()!, port: port as number, options };
    });
  if (venues.length === 0) throw new SoakConfigError('tree: no venue-sim actor; the soak runs against the paper config\'s emulated venues');
  return venues;
}

/** A copy of the tree without venue-sim actors (and groups they leave empty). */
function withoutVenueSims(node: Tree): Tree | null {
  if (node.actor === 'venue-sim') return null;
  if (!Array.isArray(node.children)) return node;
  const kept = children(node).map(withoutVenueSims).filter((c): c is Tree => c !== null);
  return kept.length === 0 ? null : { ...node, children: kept };
}

/** Every `*_file` / `*_path` setting of every actor moved into `dataDir` (so nothing of the checkout's data/ is touched). */
function relocateFiles(node: Tree, dataDir: string): Tree {
  const out: Tree = { ...node };
  if (isTree(node.config)) {
    out.config = Object.fromEntries(
      Object.entries(node.config).map(([key, value]) => [key, /_(file|path)$/.test(key) && typeof value === 'string' ? join(dataDir, basename(value)) : value]),
    );
  }
  if (Array.isArray(node.children)) out.children = children(node).map((child) => relocateFiles(child, dataDir));
  return out;
}

/** The exchange actors' emulator URLs pointed at the venue processes (by the port the paper config gave each venue). */
function pointExchanges(node: Tree, urls: ReadonlyMap<number, { httpUrl: string; wsUrl: string }>, path: string): Tree {
  const here = `${path}/${String(node.name)}`;
  if (node.actor === 'exchange' && isTree(node.config) && isTree(node.config.emulator)) {
    const port = portOf(node.config.emulator.http_url, `${here}: config.emulator.http_url`);
    const target = urls.get(port);
    if (!target) throw new SoakConfigError(`${here}: config.emulator.http_url names port ${port}, which no venue-sim actor of the config listens on`);
    return { ...node, config: { ...node.config, emulator: { http_url: target.httpUrl, ws_url: target.wsUrl } } };
  }
  if (!Array.isArray(node.children)) return node;
  return { ...node, children: children(node).map((child) => pointExchanges(child, urls, here)) };
}

export interface BotConfigPlan {
  readonly config: Tree;
  readonly socketPath: string;
  readonly dataDir: string;
}

export function soakBotConfig(paper: Tree, dir: string, urlsByPort: ReadonlyMap<number, { httpUrl: string; wsUrl: string }>): BotConfigPlan {
  if (!isTree(paper.tree)) throw new SoakConfigError('tree: the config has no supervision tree');
  const dataDir = join(dir, 'data');
  const trimmed = withoutVenueSims(paper.tree);
  if (trimmed === null) throw new SoakConfigError('tree: nothing is left once the venue-sim actors run as their own processes');
  const tree = pointExchanges(relocateFiles(trimmed, dataDir), urlsByPort, '');
  const socketPath = join(dir, 'run', 'bot4.sock');
  const logging = isTree(paper.logging) ? paper.logging : {};
  const database = isTree(paper.database) ? paper.database : {};
  return {
    config: {
      ...paper,
      admin: { ...(isTree(paper.admin) ? paper.admin : {}), socket_path: socketPath },
      logging: { ...logging, dir: join(dir, 'logs'), console: 'off' },
      database: { ...database, data_dir: join(dataDir, 'pglite') },
      // No GPIO panel: the soak trips and resets through the admin socket.
      killswitch: { gpio: { mode: 'off' } },
      tree,
    },
    socketPath,
    dataDir,
  };
}
