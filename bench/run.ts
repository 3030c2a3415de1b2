/**
 * `bot4 bench`: runs the selected suites in order (default all), prints a progress line on
 * stderr while each runs and a table per suite on stdout, and writes every figure with the
 * machine and the run's configuration to bench/results/latest.json plus a dated copy.
 *
 * A suite that throws is recorded as failed with its error and the run goes on with the
 * next; a suite whose part of the product has not landed is recorded as such, with the
 * reason, instead of a number.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { packageRoot } from '../src/runtime/package-root.js';
import type { BenchFigure } from './bench-figures.js';
import { formatFigureTable } from './bench-table.js';
import { loadAverage, machineInfo, type LoadAverage, type MachineInfo } from './machine.js';
import { Progress, type ProgressStream } from './progress.js';
import { SUITE_RUNNERS } from './suite-runners.js';
import { SUITE_NAMES, selectSuites, type BenchSize, type SuiteName } from './suites.js';

export interface RunBenchOptions {
  /** Suites to run, in any order; they run in the catalogue's order. Default: all. */
  suites?: readonly string[];
  quick?: boolean;
  /** Where latest.json and the dated copy go. Default: bench/results in the checkout. */
  outDir?: string;
  /** Smaller than quick, for the orchestrator's own test; wins over `quick`. */
  smoke?: boolean;
  /** Tables (default process.stdout). */
  stdout?: { write(text: string): unknown };
  /** Progress and suites' own chatter (default process.stderr). */
  stderr?: ProgressStream;
}

export interface SuiteReport {
  name: SuiteName;
  status: 'ok' | 'failed' | 'not-landed';
  /** Why the suite failed or has not landed. */
  reason?: string;
  durationMs: number;
  figures: BenchFigure[];
}

export interface BenchReport {
  tool: 'bot4 bench';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  machine: MachineInfo & { loadAverageAtEnd: LoadAverage };
  config: { quick: boolean; size: BenchSize; suites: SuiteName[]; settings: Partial<Record<SuiteName, Record<string, unknown>>> };
  suites: SuiteReport[];
}

export interface BenchRun {
  report: BenchReport;
  files: { latest: string; dated: string };
  /** 0 when every suite ran or is reported as not landed, 1 when one failed. */
  exitCode: number;
}

export async function runBench(opts: RunBenchOptions = {}): Promise<BenchRun> {
  const suites = selectSuites(opts.suites ?? []);
  const size: BenchSize = opts.smoke ? 'smoke' : opts.quick ? 'quick' : 'full';
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const outDir = opts.outDir ?? join(packageRoot(import.meta.url), 'bench', 'results');
  prepareOutDir(outDir);
  const progress = new Progress(stderr);
  const started = Date.now();
  const machine = machineInfo();
  const settings: BenchReport['config']['settings'] = {};
  const reports: SuiteReport[] = [];

  stdout.write(header(machine, size, suites, new Date(started).toISOString()));
  for (const [i, name] of suites.entries()) {
    progress.start(i + 1, suites.length, name);
    const suiteStarted = Date.now();
    let report: SuiteReport;
    try {
      // benny announces each suite with console.log: show it on the progress line, keep stdout for tables
      const outcome = await withConsoleLogTo((text) => progress.note(text), () => SUITE_RUNNERS[name]({ size, step: (text) => progress.step(text) }));
      settings[name] = outcome.settings;
      report = { name, status: outcome.status, ...(outcome.reason !== undefined && { reason: outcome.reason }), durationMs: Date.now() - suiteStarted, figures: outcome.figures };
    } catch (error) {
      report = { name, status: 'failed', reason: error instanceof Error ? error.message : String(error), durationMs: Date.now() - suiteStarted, figures: [] };
    }
    reports.push(report);
    progress.done(report.status === 'ok' ? `done in ${seconds(report.durationMs)}` : report.status);
    stdout.write(formatSuite(report));
  }

  const finished = Date.now();
  const report: BenchReport = {
    tool: 'bot4 bench',
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    config: { quick: size !== 'full', size, suites, settings },
    suites: reports,
  };
  const files = writeBenchReport(report, outDir);
  stdout.write(`wrote ${files.latest}\nwrote ${files.dated}\n`);
  return { report, files, exitCode: reports.some((r) => r.status === 'failed') ? 1 : 0 };
}

function header(m: MachineInfo, size: BenchSize, suites: readonly SuiteName[], startedAt: string): string {
  const load = m.loadAverageAtStart;
  const which = suites.length === SUITE_NAMES.length ? 'all suites' : suites.join(', ');
  return (
    `bot4 bench (${size}) ${startedAt}: ${which}\n` +
    `machine: ${m.cpus} x ${m.model}, ${m.platform}/${m.arch}, node ${m.node}, load average ${load['1m']} / ${load['5m']} / ${load['15m']} (1/5/15 min)\n\n`
  );
}

export function formatSuite(report: SuiteReport): string {
  const title = `== ${report.name} (${seconds(report.durationMs)}) ==`;
  if (report.status === 'not-landed') return `${title}\nnot landed: ${report.reason}\n\n`;
  const body = report.figures.length > 0 ? formatFigureTable(report.figures) + '\n' : '';
  const failure = report.status === 'failed' ? `FAILED: ${report.reason}\n` : '';
  return `${title}\n${body}${failure}\n`;
}


function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Fails before minutes of measuring when the results could not be saved. */
function prepareOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new Error(`cannot write results to ${dir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Writes latest.json and bench-<timestamp>.json (":" and "." of the ISO time become "-"). */
export function writeBenchReport(report: BenchReport, dir: string): { latest: string; dated: string } {
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(report, null, 2) + '\n';
  const latest = join(dir, 'latest.json');
  const dated = join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(dated, json);
  writeFileSync(latest, json);
  return { latest, dated };
}

async function withConsoleLogTo<T>(sink: (text: string) => void, run: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = (...args: unknown[]) => sink(stripVTControlCharacters(args.map(String).join(' ')));
  try {
    return await run();
  } finally {
    console.log = original;
  }
}
