/**
 * Readable tables of a suite's figures: one row per subject, one column per metric (with its
 * unit in the header when the column has one unit), benny's margin of error where there is
 * one, the sample count, and a "÷ postMessage" column for each metric that carries a ratio.
 * Not-landed figures print their reason.
 */
import type { BenchFigure, MeasuredFigure } from './bench-figures.js';

/** Metrics whose ratio to postMessage gets its own column (the rest stay in the JSON). */
const RATIO_COLUMNS = ['one-way p50', 'one-way p99', 'throughput'];

const RATIO_LEGEND =
  'p-columns: one-way latency; ÷pm: this figure / postMessage\'s for the same message size (latency: lower is better, throughput: higher)';

/** Column label of a metric: "one-way p50" is "p50" (the legend says one-way). */
function short(metric: string): string {
  return metric.replace(/^one-way /, '');
}

function formatValue(value: number): string {
  return Math.abs(value) >= 10_000 ? Math.round(value).toLocaleString('en-US') : String(value);
}

export function formatFigureTable(figures: readonly BenchFigure[]): string {
  const measuredFigures = figures.filter((f): f is MeasuredFigure => f.status === 'measured');
  const subjects = [...new Set(figures.map((f) => f.subject))];
  const metrics = [...new Set(measuredFigures.map((f) => f.metric))];
  const unitOf = new Map(metrics.map((m) => [m, [...new Set(measuredFigures.filter((f) => f.metric === m).map((f) => f.unit))]]));
  const ratioMetrics = RATIO_COLUMNS.filter((m) => measuredFigures.some((f) => f.metric === m && f.ratioToPostMessage !== undefined));
  const hasMargin = measuredFigures.some((f) => f.marginPercent !== undefined);
  const samplesCols = [...new Set(measuredFigures.map((f) => (f.metric === 'throughput' ? 'n msgs' : 'n')))];

  const header = [
    '',
    ...metrics.map((m) => (unitOf.get(m)!.length === 1 ? `${short(m)} ${unitOf.get(m)![0]}` : short(m))),
    ...(hasMargin ? ['± %'] : []),
    ...samplesCols,
    ...ratioMetrics.map((m) => `${short(m)} ÷pm`),
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const subject of subjects) {
    const own = figures.filter((f) => f.subject === subject);
    const notLanded = own.filter((f) => f.status === 'not-landed');
    const byMetric = new Map(own.filter((f): f is MeasuredFigure => f.status === 'measured').map((f) => [f.metric, f]));
    if (byMetric.size === 0 && notLanded.length > 0) {
      notes.push(`${subject}: not landed — ${notLanded.map((f) => f.reason).join('; ')}`);
      continue;
    }
    const cell = (m: string): string => {
      const f = byMetric.get(m);
      if (f === undefined) return '';
      return unitOf.get(m)!.length === 1 ? formatValue(f.value) : `${formatValue(f.value)} ${f.unit}`;
    };
    const samples = (col: string): string => {
      const f = [...byMetric.values()].find((x) => (x.metric === 'throughput') === (col === 'n msgs'));
      return f === undefined ? '' : String(f.samples);
    };
    const ratio = (m: string): string => {
      const r = byMetric.get(m)?.ratioToPostMessage;
      return r === undefined ? '' : `x${r}`;
    };
    const margin = [...byMetric.values()].find((f) => f.marginPercent !== undefined)?.marginPercent;
    rows.push([subject, ...metrics.map(cell), ...(hasMargin ? [margin === undefined ? '' : String(margin)] : []), ...samplesCols.map(samples), ...ratioMetrics.map(ratio)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const table = rows.length > 0 ? [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)] : [];
  const legend = ratioMetrics.length > 0 ? [RATIO_LEGEND] : [];
  return [...table, ...legend, ...notes].join('\n');
}
