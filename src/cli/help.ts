/** Help texts of the `bot4` command; each says only what the command really does. */

export const MAIN_HELP = `bot4 — crypto-trading runtime: supervised worker-thread actors, an admin socket, a kill switch

Usage: bot4 <command> [options]

Commands:
  start [--config FILE]     run the supervisor process (all actors) until SIGINT/SIGTERM
  ctl <subcommand>          talk to a running bot4 over its admin socket (tree, status, kill, …)
  venue [--port N]          run the local Binance-spot venue emulator (paper trading without internet)
  bench [suite…] [--quick]  latency benchmarks (ring vs postMessage and others); bench/results/latest.json
  db migrate                apply the sql/ migrations to DATABASE_URL or the embedded database; print the report
  audit verify              check the hash-chained audit log; name the first edited or deleted row

Options:
  -h, --help                show help (also: bot4 <command> --help)

Exit codes: 0 success, 1 failure, 2 invalid usage or configuration.
`;

export const START_HELP = `Usage: bot4 start [--config FILE]

Starts the supervisor process: loads the configuration, opens the log, starts every actor
of the supervision tree on its own worker thread and serves the admin socket.

Configuration is layered: config/default.yaml <- FILE <- environment overrides
BOT4_<SECTION>__<KEY>=value (e.g. BOT4_LOGGING__LEVEL=debug). Secrets (API keys, the
database password) come only from the environment or from files named by <key>_file
entries; a secret written in a YAML file is a configuration error. An invalid
configuration exits with code 2 and names every bad path.

Logs: JSON lines in <logging.dir>/bot4-<UTC date>.log; readable lines when stdout is a TTY.

Stopping: SIGINT (Ctrl-C) or SIGTERM, or \`bot4 ctl shutdown "<reason>"\`, starts a graceful
shutdown: the order gate closes first, open orders are cancelled (runtime.exit_policy),
actors stop in reverse order, logs are flushed, exit code 0. A second signal forces an
immediate exit (code 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM). A
shutdown still unfinished after runtime.shutdown_deadline_ms names the actors it was
waiting for and exits with code 1.

Options:
  --config FILE   configuration file layered over config/default.yaml
  -h, --help      show this help
`;

export const CTL_HELP = `Usage: bot4 ctl [--socket PATH] [--json] <subcommand> [arguments]

Sends one command to a running bot4 over its admin socket and prints the reply.

Subcommands:
  tree                    the supervision tree: status, restarts, mailbox depth, handler p99
  status                  trading state and why, venues and their health, positions, orders, PnL
  kill "<reason>"         trip the kill switch (HALTED: cancel all open orders, no new orders)
  reset "<reason>"        reset a tripped kill switch (HALTED is left only this way)
  mode <m>                set the trading mode: active | reducing | paused
  restart <path>          gracefully restart one actor, e.g. root/safety/risk
  kill-actor <path>       terminate one actor abruptly; its supervisor applies its restart policy
  events [topic…]         stream events (default: all) until Ctrl-C; topics like lifecycle.* 
  gpio press              simulate a press of the GPIO kill button
  shutdown "<reason>"     ask the process to shut down gracefully

Options:
  --socket PATH   admin socket (default: $BOT4_ADMIN__SOCKET_PATH, else run/bot4.sock in the checkout)
  --json          print the raw reply lines instead of formatted text
  -h, --help      show this help

Exit codes: 0 success, 1 the command failed or no runtime is listening, 2 invalid usage.
`;

export const VENUE_HELP = `Usage: bot4 venue [--port N] [--host H] [--seed N]

Runs the local venue emulator: an HTTP + WebSocket server speaking the Binance spot
subset ccxt needs, with a matching engine and a seeded simulated market. Prints its
URLs and test account, and runs until SIGINT/SIGTERM.

Options:
  --port N     TCP port (default: a free port, printed at start)
  --host H     address to bind (default 127.0.0.1)
  --seed N     seed of the simulated market (default 1)
  -h, --help   show this help
`;
