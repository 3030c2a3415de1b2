/** Help of `bot4 bench`, apart from the command so `bot4 help bench` loads no suite. */
import { SUITE_NAMES } from '../../bench/suites.js';

export const BENCH_HELP = `Usage: bot4 bench [suite…] [--quick] [--out DIR]

Runs latency benchmarks of the runtime next to what a user would otherwise pick, in one
run with the same payloads (a 64-byte order-sized and a 1 KiB book-sized message):

  transport      one-way latency p50/p90/p99/p99.9/max and msgs/s: the SharedArrayBuffer
                 ring (busy-spin, spin-then-park, park), MessagePort.postMessage, ringbuf.js
                 (busy-polled), a comlink call and a piscina task round trip; ratios to postMessage
  codec          encode/decode ns per hot message type (benny)
  risk           pre-trade checks ns per order, approve and reject paths (benny)
  tick-to-order  exchange -> strategy -> risk -> order manager actor chain
  kill-switch    trip -> gate closed as another thread sees it (ns); trip -> cancels sent
  supervision    crash -> actor running again (ms), frames lost across crashes (must be 0)
  recorder       events/s into the database while the order path is measured

Suites run in that order; with no suite named, all of them. A suite whose part of the
product has not landed yet says so, with the reason, instead of printing a number.

Prints a progress line on stderr and one table per suite on stdout, and writes every figure
(unit, sample count, method), the machine (cpus, model, node, load average) and the
configuration to latest.json and bench-<time>.json in bench/results/ (or --out DIR).
A full run takes minutes; --quick takes well under a minute of measuring.

Suites: ${SUITE_NAMES.join(', ')}

Options:
  --quick      fewer samples: a smoke run, not figures to publish
  --out DIR    write the JSON results to DIR instead of bench/results/
  -h, --help   show this help

Exit codes: 0 every suite ran (or is reported as not landed), 1 a suite failed, 2 invalid usage.
`;
