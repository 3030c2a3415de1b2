/** `bot4 bench [suite…] [--quick] [--out DIR]`: argument checks here, the run in bench/run.ts. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { selectSuites } from '../../bench/suites.js';
import { BENCH_HELP } from './bench-help.js';

export interface BenchOutput {
  write(text: string): unknown;
}

export async function runBenchCommand(argv: string[], out: BenchOutput = process.stdout, err: BenchOutput = process.stderr): Promise<number> {
  let positionals: string[];
  let values: { quick?: boolean; out?: string; help?: boolean };
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { quick: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    return usageError(err, (e as Error).message);
  }
  if (values.help) {
    out.write(BENCH_HELP);
    return 0;
  }
  let suites: string[];
  try {
    suites = selectSuites(positionals);
  } catch (e) {
    return usageError(err, (e as Error).message);
  }
  if (values.out !== undefined && values.out.trim() === '') return usageError(err, '--out needs a directory');
  const { runBench } = await import('../../bench/run.js');
  try {
    const { exitCode } = await runBench({ suites, quick: values.quick === true, ...(values.out !== undefined && { outDir: resolve(values.out) }) });
    return exitCode;
  } catch (e) {
    err.write(`bot4 bench: ${(e as Error).message}\n`);
    return 1;
  }
}

function usageError(err: BenchOutput, message: string): number {
  err.write(`bot4 bench: ${message}\nsee: bot4 bench --help\n`);
  return 2;
}
