/** Renders admin replies for a person: the supervision tree and the status report. */
import type { NodeStatus, PnlReport, StatusReport, TreeNode, VenueHealth } from '../admin/backend.js';
import type { PositionReport } from '../../actors/risk/accounting.js';

const ANSI = { reset: '\x1b[0m', green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', grey: '\x1b[90m', bold: '\x1b[1m' } as const;

const STATUS_COLOUR: Record<NodeStatus, string> = {
  running: ANSI.green,
  starting: ANSI.yellow,
  restarting: ANSI.yellow,
  stopping: ANSI.grey,
  stopped: ANSI.grey,
  failed: ANSI.red,
  open: ANSI.red,
};

interface Row {
  readonly label: string;
  readonly node: TreeNode;
  readonly detailIndent: string;
}

export function formatTree(root: TreeNode, colour: boolean): string {
  const rows: Row[] = [];
  const walk = (node: TreeNode, prefix: string, childPrefix: string): void => {
    rows.push({ label: `${prefix}${node.name}`, node, detailIndent: childPrefix });
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      walk(child, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root, '', '');
  const labelWidth = Math.max(...rows.map((r) => r.label.length)) + 2;
  const lines: string[] = [];
  for (const { label, node, detailIndent } of rows) {
    const what = node.kind === 'supervisor' ? `supervisor ${node.strategy ?? ''}`.trim() : `actor ${node.actor ?? ''}`.trim();
    const status = paint(node.status.padEnd(10), STATUS_COLOUR[node.status], colour);
    const parts = [label.padEnd(labelWidth), what.padEnd(26), status, `restarts ${node.restarts}`];
    if (node.kind === 'actor') {
      parts.push(`mailbox ${formatMailbox(node)}`, `p99 ${formatMicros(node.stats?.handlerP99Us ?? null)}`);
      if (node.uptimeMs !== null) parts.push(`up ${formatDuration(node.uptimeMs)}`);
      if (node.threadId !== null) parts.push(`thread ${node.threadId}`);
    }
    lines.push(parts.join('  ').trimEnd());
    if (node.lastError) lines.push(`${detailIndent}${' '.repeat(3)}${paint(`last error: ${node.lastError}`, ANSI.red, colour)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatMailbox(node: TreeNode): string {
  if (node.mailbox.length === 0) return '-';
  const depth = node.mailbox.reduce((sum, m) => sum + m.depthBytes, 0);
  const capacity = node.mailbox.reduce((sum, m) => sum + m.capacityBytes, 0);
  return `${formatBytes(depth)}/${formatBytes(capacity)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${trim(bytes / 1024)}KiB`;
  return `${trim(bytes / (1024 * 1024))}MiB`;
}

export function formatMicros(us: number | null): string {
  if (us === null) return '-';
  if (us < 1000) return `${trim(us)}µs`;
  return `${trim(us / 1000)}ms`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${trim(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
}

function trim(n: number): string {
  return n >= 100 ? String(Math.round(n)) : String(Number(n.toFixed(1)));
}

function paint(text: string, code: string, colour: boolean): string {
  return colour ? `${code}${text}${ANSI.reset}` : text;
}

/** `name  status`, then REST/WS p50/p99, reconnects, last message age and errors on one indented line. */
function formatVenue(v: VenueHealth): string {
  const ms = (value: number | null): string => (value === null ? '-' : `${trim(value)}ms`);
  const errors = Object.entries(v.errors).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return [
    `${v.name.padEnd(16)} ${v.status}`,
    `    rest p50 ${ms(v.latency.rest.p50Ms)} p99 ${ms(v.latency.rest.p99Ms)} · ws p50 ${ms(v.latency.ws.p50Ms)} p99 ${ms(v.latency.ws.p99Ms)}` +
      ` · reconnects ${v.reconnects} · last message ${v.lastMessageAgeMs === null ? '-' : `${formatDuration(v.lastMessageAgeMs)} ago`}${v.stale ? ' (stale)' : ''}` +
      ` · errors ${errors === '' ? 'none' : errors}`,
    ...(v.detail ? [`    ${v.detail}`] : []),
  ].join('\n  ');
}

/**
 * One position: its figures are printed as risk sent them, decimal text at the instrument's
 * precision; never parsed to a double here, which would bring back the float noise.
 */
function formatPosition(p: PositionReport): string {
  return [
    `${p.symbol} venue ${p.venue}`,
    `qty ${p.qty}`,
    `avg ${p.avgPrice ?? '-'}`,
    `mark ${p.mark ?? '-'}`,
    `realised ${p.realisedPnl}`,
    `unrealised ${p.unrealisedPnl ?? '-'}`,
    `fees ${p.fees}`,
  ].join('  ');
}

function formatPnl(pnl: PnlReport | null): string {
  if (pnl === null) return 'not available';
  return `realised ${pnl.realised}  unrealised ${pnl.unrealised ?? '-'}  fees ${pnl.fees}  equity ${pnl.equity ?? '-'}  drawdown ${pnl.drawdown.drawdown} (${pnl.drawdown.fraction})`;
}

export function formatStatus(status: StatusReport, colour: boolean): string {
  const stateColour = status.trading.state === 'ACTIVE' ? ANSI.green : status.trading.state === 'HALTED' ? ANSI.red : ANSI.yellow;
  const section = <T>(title: string, items: readonly T[] | null, show: (item: T) => string): string[] =>
    items === null ? [`${title.padEnd(9)} not available`] : [`${title.padEnd(9)} ${items.length === 0 ? '(none)' : items.length}`, ...items.map((i) => `  ${show(i)}`)];
  const lines = [
    `trading   ${paint(status.trading.state, stateColour, colour)} since ${status.trading.since} — ${status.trading.reason}`,
    ...section('venues', status.venues, formatVenue),
    ...section('positions', status.positions, formatPosition),
    ...section('orders', status.openOrders, (o) => JSON.stringify(o)),
    `pnl       ${formatPnl(status.pnl)}`,
    ...section('standbys', status.standbys, (s) => `${s.kind.padEnd(16)} thread ${s.threadId} ${s.state}${s.heapUsedBytes === null ? '' : `, heap ${(s.heapUsedBytes / 2 ** 20).toFixed(1)} MiB`}`),
    ...status.unavailable.map((why) => `  (${why})`),
  ];
  return `${lines.join('\n')}\n`;
}
