/** Help texts of the `bot4` command; each says only what the command really does. */

export const MAIN_HELP = `bot4 — crypto-trading runtime: supervised worker-thread actors, an admin socket, a kill switch

Usage: bot4 <command> [options]

Commands:
  start [--config FILE]     run the supervisor process (all actors) until SIGINT/SIGTERM
  ctl <subcommand>          talk to a running bot4 over its admin socket (tree, status, kill, …)
  venue [--port N]          run the local Binance-spot venue emulator (paper trading without internet);
                            --state-dir DIR keeps its accounts, orders and trades across restarts
  soak --minutes N --seed S chaos soak: bot4 start against bot4 venue processes under seeded faults,
                            checked against the venues' own records (exit 1 on any violation)
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
  invoke <path> <method> ['<json>']
                          call an actor control the admin may use (venue-sim: fault;
                          exchange: health), e.g. invoke root/venues/venue-a/exchange-a health
  fault <path> <fault> [value…]
                          inject a fault into a venue-sim actor (the local emulator):
                            latency <ms>           delay every REST reply and WS message
                            clock-offset <ms>      shift the venue clock (-1021 timestamp errors);
                                                   a negative value after --: clock-offset -- -5000
                            reject <429|418> [n]   answer the next n (default all) REST requests so
                            skip-depth [SYMBOL]    leave out the next depth diff (a sequence gap)
                            silence | resume       stop / restart market data (sockets stay open)
                            drop [market|user|all] terminate WebSocket connections
                            clear                  remove every fault
  shutdown "<reason>"     ask the process to shut down gracefully
  dashboard               the web dashboard's URL, access token included (docs/dashboard.md)

Options:
  --socket PATH   admin socket (default: $BOT4_ADMIN__SOCKET_PATH, else run/bot4.sock in the checkout)
  --json          print the raw reply lines instead of formatted text
  -h, --help      show this help

Exit codes: 0 success, 1 the command failed or no runtime is listening, 2 invalid usage.
`;

export const VENUE_HELP = `Usage: bot4 venue [--port N] [--host H] [--config FILE] [options]

Runs the local venue emulator: an HTTP + WebSocket server speaking the Binance spot
subset ccxt needs, with a matching engine and a seeded simulated market (or a replayed
recording). Prints its URLs, its account (API key, where the secret comes from, balances)
and its faults, and runs until SIGINT/SIGTERM. Binds 127.0.0.1 unless --host says otherwise.

Default account (local use only): API key bot4LocalVenueKey, secret bot4LocalVenueSecret,
balances USDT 100000, BTC 1, ETH 10. See docs/venue-emulator.md for a ccxt script.

Options:
  --port N              TCP port (default: a free port, printed at start)
  --host H              address to bind (default 127.0.0.1)
  --config FILE         YAML of emulator options, the keys of a venue-sim actor's config:
                        accounts [{name, apiKey, secret | secretEnv, balances}], fees {maker,
                        taker}, market {kind: simulated|replay|none, …}, symbols, faults
                        {latencyMs, clockOffsetMs, silentFeed, rejectRequests: 429|418,
                        dropConnections {everyMs, kind}, skipDepthUpdates {everyMs, symbol}};
                        relative replay files resolve against the file's folder
  --api-key KEY         API key of the account (or $BOT4_VENUE_API_KEY)
  --secret-env NAME     read the account's secret from the environment variable NAME
                        (default: $BOT4_VENUE_SECRET when set); never printed
  --balance ASSET=AMT   a starting balance; repeat for each asset (replaces the defaults)
  --maker-fee R         maker fee rate (default 0.001 = 0.1 %)
  --taker-fee R         taker fee rate (default 0.001)
  --seed N              seed of the simulated market (default 1)
  --faults-from-stdin   read fault commands from stdin, one JSON per line as bot4 ctl fault's args
                        ({"fault":"drop","kind":"all"}); each is answered on stdout with
                        fault-ok {result} or fault-error <what is wrong> (bot4 soak drives it)
  --replay FILE         replay a recorded Binance stream (<ns> <json> lines, .gz or plain);
                        repeat for several files, played in order
  --speed X             replay speed: 1 = recorded pace (default), 10 = ten times, or max
  --symbol SYM          the replayed symbol (default BTCUSDT)
  --state-dir DIR       keep accounts, orders, trades and ids in DIR across restarts
                        (created if missing; stateDir in the file); without it a restart
                        starts afresh. A damaged state file stops the start, naming it
  -h, --help            show this help

Flags win over the file. A bad flag or file value exits with code 2 naming it.
`;

export const SOAK_HELP = `Usage: bot4 soak --minutes N --seed S [--config FILE] [--database pglite|postgres]

The chaos soak. Starts one \`bot4 venue\` process per venue-sim actor of the paper config (their
records outlive any crash of the bot) and \`bot4 start\` with that config minus the venue-sim
actors, its exchange actors pointed at the venue processes and every file in a temp folder.
For N minutes it injects a fault schedule fixed by the seed: actor kills (every kind), venue
disconnects, silent feeds, dropped depth diffs, 429s, latency, a database outage (postgres
only), mode flips, kill switch trips and resets (one with a SIGKILL while HALTED) and SIGKILLs
of the whole bot4 start process. Then it pauses, trips (every order cancelled), waits for quiet
and checks the bot's records (order manager journal, risk's positions, the database) against
each venue's own orders and trades. Prints a summary table; see docs/soak.md.

Options:
  --minutes N        length of the chaos phase in minutes (a positive number, e.g. 1.5)
  --seed S           seed of the fault schedule (an integer 0..4294967295)
  --config FILE      the paper-trading config (default config/default.yaml)
  --database D       pglite (default: the embedded database, which cannot be taken away) or
                     postgres (a PostgreSQL server in the temp folder, stopped and started
                     during the run: the database outage)
  -h, --help         show this help

Exit codes: 0 no violation, 1 a violation or a fault that could not be injected, 2 invalid usage.
`;
