/**
 * Every actor's config block, checked by the actor's own parser before anything starts: a block the
 * actor would refuse at its start (a negative risk limit: exit 1, after other actors were already
 * running) is a configuration error that `bot4 start` reports with every other one (exit 2), each at
 * its path in the file (`tree.children[1].children[2].config.limits.max_position_notional`).
 *
 * The blocks are checked as the actor will receive them: the runtime adds `database_url` and the
 * recorder wiring first (src/runtime/database.ts), so those keys are never the file's fault. Kinds
 * with a config module are checked through it (the exchange actor's own module loads ccxt, seconds);
 * any other kind (kill switch, venue simulator, runtime.actor_modules) through its actor definition's
 * parseConfig, the function its worker calls.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseExchangeConfig } from '../../actors/exchange/config.js';
import { parseOrderManagerConfig } from '../../actors/order-manager/config.js';
import { parseRecorderConfig } from '../../actors/recorder/config.js';
import { parseRiskConfig } from '../../actors/risk/config.js';
import { parseStrategyActorConfig } from '../../actors/strategy/config.js';
import { ActorConfigError } from '../domain/instrument-config.js';
import type { ActorDefinition } from '../runtime/actor-definition.js';
import { actorModuleUrl } from '../runtime/actor-runner.js';
import { wireDatabaseActors } from '../runtime/database.js';
import type { TreeNodeSpec } from '../runtime/supervision/tree-spec.js';
import { formatPath, type ConfigIssue } from './config-error.js';
import type { DeepReadonly } from './load.js';
import type { Bot4Config } from './schema.js';

type ConfigParser = (raw: unknown) => unknown;

const CONFIG_MODULE_PARSERS: Readonly<Record<string, ConfigParser>> = {
  exchange: parseExchangeConfig,
  'order-manager': parseOrderManagerConfig,
  recorder: parseRecorderConfig,
  risk: parseRiskConfig,
  strategy: parseStrategyActorConfig,
};

/**
 * The runtime injects the database's address, which for the embedded database is known only once it
 * runs; any postgres URL checks the same (the parsers read only its shape).
 */
const EMBEDDED_DATABASE_SHAPE = 'postgresql://embedded-database/bot4';

export async function actorConfigIssues(config: DeepReadonly<Bot4Config>, baseDir: string): Promise<ConfigIssue[]> {
  const tree = wireDatabaseActors(config.tree, config.database.url ?? EMBEDDED_DATABASE_SHAPE);
  const issues: ConfigIssue[] = [];
  const visit = async (node: TreeNodeSpec, path: (string | number)[]): Promise<void> => {
    if (node.type === 'supervisor') {
      for (const [index, child] of node.children.entries()) await visit(child, [...path, 'children', index]);
      return;
    }
    const custom = config.runtime.actor_modules[node.kind];
    const parse = CONFIG_MODULE_PARSERS[node.kind] ?? (await definitionParser(node.kind, custom && pathToFileURL(resolve(baseDir, custom)).href));
    if (!parse) return;
    try {
      parse(node.config);
    } catch (error) {
      const at = [...path, 'config'];
      if (error instanceof ActorConfigError) {
        for (const issue of error.issues) issues.push({ path: formatPath([...at, ...issue.path]), message: issue.message });
      } else {
        issues.push({ path: formatPath(at), message: (error as Error).message });
      }
    }
  };
  await visit(tree, ['tree']);
  return issues;
}

/**
 * The actor definition's parseConfig; undefined when the kind takes its config as written, or when its
 * module does not load here: that is not a config block's fault, and the runtime names the module when
 * it starts the actor.
 */
async function definitionParser(kind: string, moduleUrl: string | undefined): Promise<ConfigParser | undefined> {
  const definition = await import(actorModuleUrl(kind, moduleUrl)).then(
    (module: { default?: ActorDefinition<unknown, unknown> }) => module.default,
    () => undefined,
  );
  return definition?.parseConfig?.bind(definition);
}
