/**
 * `bot4 start`: the supervisor process.
 *
 * Order of events: load and validate the config, every actor's block included (exit 2 naming
 * every bad path); open the log; create the runtime (its trading gate and trip path, nothing started); open the GPIO
 * panel; open the admin socket (a live socket = another instance: refuse before any actor starts), the metrics
 * endpoint and the dashboard; boot the runtime (database, actors); print the banner. From the socket's first moment
 * a trip is taken (the gate closes and HALTED is latched, src/runtime/trip-relay.ts) and
 * tree/status answer with what exists so far. Shutdown, from SIGINT/SIGTERM or the
 * admin `shutdown` command, runs once: the runtime closes the order gate first, applies
 * the exit policy and stops the actors in reverse order; then the socket closes and the
 * log is flushed; exit 0. A second signal exits at once. A shutdown that overruns its
 * deadline (runtime.shutdown_deadline_ms) says on stderr what it was still waiting for and
 * exits 1.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { AdminBackend, TreeNode } from '../admin/backend.js';
import { startAdminServer, type AdminServer } from '../admin/server.js';
import { ConfigError } from '../config/config-error.js';
import { actorConfigIssues } from '../config/actor-configs.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { MetricsSetupError, metricsToken, type MetricsServer } from '../metrics/server.js';
import { createLogging, type Logging } from '../logging/logger.js';
import { START_HELP } from './help.js';
import { packageRoot } from '../runtime/package-root.js';
import type { Runtime } from '../runtime/runtime.js';
import type { StopWait } from '../runtime/supervision/child-slot.js';
import { ProcessBackend } from './process-backend.js';
import { DashboardTokenError, loadDashboardToken, type DashboardToken } from '../dashboard/token.js';
import type { DashboardServer } from '../dashboard/server.js';
import { UsageError } from './usage-error.js';

/** Past the runtime's own shutdown deadline, how long before the process gives up on it. */
const SHUTDOWN_GRACE_MS = 5_000;
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

export interface StartOutput {
  write(text: string): unknown;
}

export async function runStart(argv: readonly string[], out: StartOutput = process.stdout, err: StartOutput = process.stderr): Promise<number> {
  const options = parseStartArgs(argv);
  if (options.help) {
    out.write(START_HELP);
    return 0;
  }

  let loaded: LoadedConfig;
  let metricsBearer: string | undefined;
  try {
    loaded = loadConfig({ configFile: options.config });
    if (loaded.config.metrics !== false) metricsBearer = metricsToken(loaded.config.metrics, process.env);
    // what an actor would refuse at its start is refused now, before any actor runs
    const actorIssues = await actorConfigIssues(loaded.config, packageRoot());
    if (actorIssues.length > 0) throw new ConfigError(actorIssues);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof MetricsSetupError) {
      err.write(`bot4 start: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { config } = loaded;
  let dashboardToken: DashboardToken | undefined;
  try {
    if (config.dashboard !== false) dashboardToken = loadDashboardToken(resolve(packageRoot(), config.dashboard.token_path), config.dashboard.host);
  } catch (e) {
    if (e instanceof DashboardTokenError) {
      err.write(`bot4 start: dashboard: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const logging = await createLogging({ ...config.logging, secrets: [...loaded.secrets, ...(metricsBearer ? [metricsBearer] : []), ...(dashboardToken ? [dashboardToken.value] : [])] });
  const log = logging.logger;
  log.info({ files: loaded.files, config }, 'configuration loaded');

  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  // Loaded once the config is valid (a bad config is reported without loading the actor
  // runtime), and created before the socket opens, so the socket serves it from its first moment.
  const { createRuntime } = await import('../runtime/runtime.js');
  const runtime: Runtime = createRuntime(config, { logger: log, logging });
  let admin: AdminServer | undefined;
  let metrics: MetricsServer | undefined;
  let dashboard: DashboardServer | undefined;
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (reason: string, exitCode = 0): Promise<void> => {
    shuttingDown ??= (async () => {
      log.info({ reason }, 'shutdown started');
      const watchdog = setTimeout(() => void overrun(), config.runtime.shutdown_deadline_ms + SHUTDOWN_GRACE_MS);
      try {
        // During start-up the runtime closes the gate at once and stops the tree once it has started.
        await runtime.shutdown(reason);
        await metrics?.close();
        // open pages are told the runtime stopped (they show the feed as lost), then the socket closes
        await dashboard?.close(reason);
        await admin?.close();
        const report = runtime.lastStopReport;
        if (report && !report.complete) {
          // The runtime logged it; a person watching the terminal must see it too, and the exit code says it.
          err.write(`bot4: shutdown deadline (${config.runtime.shutdown_deadline_ms} ms) passed; still waiting for: ${describeWaits(report.notStopped)}\n`);
          exitCode = 1;
        }
        log.info({ reason, complete: report?.complete ?? true }, 'shutdown complete');
      } catch (e) {
        log.error({ err: e }, 'shutdown failed');
        err.write(`bot4: shutdown failed: ${(e as Error).message}\n`);
        exitCode = 1;
      } finally {
        clearTimeout(watchdog);
        await logging.close();
        exit(exitCode);
      }
    })();
    return shuttingDown;
  };

  const overrun = async (): Promise<void> => {
    const waitingFor = await stillRunning(runtime);
    const what = waitingFor.length > 0 ? `still running: ${waitingFor.join(', ')}` : 'the runtime did not report what it waits for';
    const message = `shutdown did not complete within ${config.runtime.shutdown_deadline_ms + SHUTDOWN_GRACE_MS} ms; ${what}`;
    log.fatal({ waitingFor }, message);
    err.write(`bot4: ${message}\n`);
    logging.flushSync();
    exit(1);
  };

  const backend = new ProcessBackend(runtime, (reason) => {
    void shutdown(`admin: ${reason}`);
    return shuttingDown!;
  });
  try {
    // Before the admin socket: a GPIO press is taken at every moment an admin trip is (docs/kill-switch.md).
    await runtime.openPanel();
  } catch (e) {
    log.fatal({ err: e }, 'GPIO panel unavailable');
    err.write(`bot4 start: the GPIO panel could not open: ${(e as Error).message}\n`);
    await logging.close();
    return 1;
  }
  try {
    admin = await startAdminServer({
      socketPath: config.admin.socket_path,
      maxLineBytes: config.admin.max_line_bytes,
      idleTimeoutMs: config.admin.idle_timeout_ms,
      maxClients: config.admin.max_clients,
      subscriberBacklogBytes: config.admin.subscriber_backlog_bytes,
      backend,
      logger: log,
    });
  } catch (e) {
    log.error({ err: e }, 'admin socket unavailable');
    err.write(`bot4 start: ${(e as Error).message}\n`);
    await runtime.shutdown('the admin socket is unavailable');
    await logging.close();
    return 1;
  }

  if (config.metrics !== false) {
    try {
      const { startMetrics } = await import('../metrics/metrics.js');
      metrics = await startMetrics(runtime, config.metrics, metricsBearer, log);
      log.info({ url: metrics.url }, 'metrics endpoint open');
    } catch (e) {
      log.error({ err: e }, 'metrics endpoint unavailable');
      err.write(`bot4 start: ${(e as Error).message}\n`);
      await admin.close();
      await runtime.shutdown('the metrics endpoint is unavailable');
      await logging.close();
      return 1;
    }
  }

  if (config.dashboard !== false && dashboardToken) {
    try {
      // Before boot, like the admin socket: the page shows the start-up and a trip from it is taken from the first moment.
      const { startDashboard } = await import('../dashboard/server.js');
      dashboard = await startDashboard({
        host: config.dashboard.host,
        port: config.dashboard.port,
        token: dashboardToken.value,
        allowTrip: config.dashboard.allow_trip,
        refreshMs: config.dashboard.refresh_ms,
        source: backend,
        databaseUrl: () => runtime.databaseUrl,
        logger: log,
      });
      backend.dashboardInfo = { url: dashboard.url, origin: dashboard.origin, allowTrip: config.dashboard.allow_trip };
    } catch (e) {
      log.error({ err: e }, 'dashboard unavailable');
      err.write(`bot4 start: ${(e as Error).message}\n`);
      await metrics?.close();
      await admin.close();
      await runtime.shutdown('the dashboard is unavailable');
      await logging.close();
      return 1;
    }
  }

  installSignalHandlers(shutdown, logging, err);
  installFatalHandlers(shutdown, log, err);

  try {
    await runtime.boot();
  } catch (e) {
    // A shutdown requested during start-up ends the process itself.
    if (shuttingDown) return exited;
    log.fatal({ err: e }, 'runtime failed to start');
    err.write(`bot4 start: the runtime failed to start: ${(e as Error).message}\n`);
    await metrics?.close();
    await dashboard?.close('the runtime failed to start');
    await admin.close();
    await logging.close();
    return 1;
  }

  if (!shuttingDown) out.write(banner(loaded, await backend.tree(), config.admin.socket_path, logging.file, metrics?.url, dashboard?.url));
  return exited;
}

function parseStartArgs(argv: readonly string[]): { config?: string; help?: boolean } {
  try {
    const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return values;
  } catch (e) {
    throw new UsageError((e as Error).message, 'start');
  }
}

function installSignalHandlers(shutdown: (reason: string) => Promise<void>, logging: Logging, err: StartOutput): void {
  let received = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      received += 1;
      if (received === 1) {
        err.write(`bot4: ${signal} received, shutting down (send it again to force an immediate exit)\n`);
        void shutdown(`signal ${signal}`);
        return;
      }
      err.write(`bot4: second signal (${signal}), exiting now without waiting for the shutdown\n`);
      logging.logger.warn({ signal }, 'forced exit');
      logging.flushSync();
      process.exit(128 + SIGNAL_NUMBERS[signal]);
    });
  }
}

/** A bug that escapes every handler still closes the order gate on the way out. */
function installFatalHandlers(shutdown: (reason: string, exitCode?: number) => Promise<void>, log: Logger, err: StartOutput): void {
  const fatal = (what: string) => (e: unknown) => {
    log.fatal({ err: e }, what);
    err.write(`bot4: ${what}: ${(e as Error)?.stack ?? String(e)}\n`);
    void shutdown(what, 1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));
}

/**
 * The stops that were still pending, for a person: only the deepest entries (an actor, or a
 * supervisor stuck on its own), since a supervisor's entry just repeats that its children
 * have not stopped.
 */
export function describeWaits(waits: readonly StopWait[]): string {
  const deepest = waits.filter((w) => !waits.some((other) => other.path.startsWith(`${w.path}/`)));
  return deepest.map((w) => `${w.path} (${w.waitingFor})`).join(', ');
}

async function stillRunning(runtime: AdminBackend): Promise<string[]> {
  const tree = await Promise.race([runtime.tree(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]).catch(() => undefined); // no tree: nothing to list
  if (!tree) return [];
  const paths: string[] = [];
  const walk = (node: TreeNode): void => {
    if (node.kind === 'actor' && node.status !== 'stopped') paths.push(`${node.path} (${node.status})`);
    node.children.forEach(walk);
  };
  walk(tree);
  return paths;
}

function banner(loaded: LoadedConfig, tree: TreeNode, socketPath: string, logFile: string, metricsUrl: string | undefined, dashboardUrl: string | undefined): string {
  const actors: TreeNode[] = [];
  const walk = (node: TreeNode): void => {
    if (node.kind === 'actor') actors.push(node);
    node.children.forEach(walk);
  };
  walk(tree);
  const running = actors.filter((a) => a.status === 'running').length;
  return [
    `bot4 started (pid ${process.pid})`,
    `  config:       ${[...loaded.files, ...loaded.overrides].join(' <- ')}`,
    `  actors:       ${running} of ${actors.length} running: ${actors.map((a) => a.path).join(', ')}`,
    `  admin socket: ${socketPath}   (bot4 ctl tree)`,
    `  log file:     ${logFile}`,
    `  metrics:      ${metricsUrl ?? 'off (metrics: false)'}`,
    `  dashboard:    ${dashboardUrl ?? 'off (dashboard: false)'}`,
    `  stop:         Ctrl-C, kill -TERM ${process.pid}, or bot4 ctl shutdown "<reason>"`,
    '',
  ].join('\n');
}
