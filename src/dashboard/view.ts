/**
 * The dashboard's page model: what the admin backend reports (tree, status), the session's
 * history and the audit check, shaped into the rows the page draws. Pure, so each figure the
 * page shows is decided here and tested with tables (test/dashboard/view.test.ts); the page's
 * script only puts text into cells.
 */
import type { PnlReport, RiskReport, StandbyReport, StatusReport, TradingStateReport, TreeNode, VenueHealth } from '../admin/backend.js';
import type { PositionReport } from '../../actors/risk/accounting.js';
import type { NumberedEvent, SeriesPoint, SessionHistory } from './session-history.js';
import type { AuditView } from './audit-view.js';

export interface ActorRow {
  readonly path: string;
  readonly name: string;
  /** 0 for the root. */
  readonly depth: number;
  readonly kind: TreeNode['kind'];
  readonly actor: string | null;
  readonly status: TreeNode['status'];
  readonly restarts: number;
  /** The fullest inbound ring, bytes used of its capacity; null for supervisors and actors with no inbound ring. */
  readonly mailbox: { readonly peer: string; readonly depthBytes: number; readonly capacityBytes: number } | null;
  readonly handlerP99Us: number | null;
  /** A supervisor's circuit breaker (docs/supervision.md): open while it has isolated its subtree. Null for actors. */
  readonly breaker: 'open' | 'closed' | null;
  readonly uptimeMs: number | null;
  readonly lastError: string | null;
}

/** A pre-trade limit or a panic threshold beside its current value; usage = current / limit where both are known. */
export interface LimitRow {
  readonly name: string;
  readonly limit: string;
  readonly current: string | null;
  /** 0..1 (or more when breached); null when the current value is not reported. */
  readonly usage: number | null;
}

export interface VarRow {
  readonly method: string;
  readonly confidence: number;
  readonly valueAtRisk: number;
  readonly expectedShortfall: number;
  readonly scenarios: number;
  readonly atMs: number;
}

export interface DashboardView {
  /** Server time of this snapshot (the page shows how old what it shows is). */
  readonly at: string;
  readonly trading: TradingStateReport;
  readonly actors: readonly ActorRow[];
  readonly standbys: readonly StandbyReport[];
  readonly venues: readonly VenueHealth[] | null;
  readonly positions: readonly PositionReport[] | null;
  readonly pnl: PnlReport | null;
  readonly series: readonly SeriesPoint[];
  readonly openOrders: readonly unknown[] | null;
  readonly fills: readonly unknown[] | null;
  readonly limits: readonly LimitRow[] | null;
  readonly panics: readonly LimitRow[] | null;
  readonly valueAtRisk: { readonly rows: readonly VarRow[]; readonly error: string | null } | null;
  /** Newest first. */
  readonly events: readonly NumberedEvent[];
  /** Newest first. */
  readonly killSwitchHistory: readonly unknown[] | null;
  readonly audit: AuditView;
  readonly unavailable: readonly string[];
  readonly allowTrip: boolean;
}

export interface ViewInput {
  readonly nowMs: number;
  readonly tree: TreeNode;
  readonly status: StatusReport;
  readonly history: SessionHistory;
  readonly audit: AuditView;
  readonly allowTrip: boolean;
}

export function buildView(input: ViewInput): DashboardView {
  const { status } = input;
  return {
    at: new Date(input.nowMs).toISOString(),
    trading: status.trading,
    actors: actorRows(input.tree),
    standbys: status.standbys,
    venues: status.venues,
    positions: status.positions,
    pnl: status.pnl,
    series: input.history.points,
    openOrders: status.openOrders,
    fills: status.recentFills ? [...status.recentFills].reverse() : null,
    limits: status.risk ? limitRows(status.risk, status) : null,
    panics: status.risk ? panicRows(status.risk, status.pnl) : null,
    valueAtRisk: status.risk ? varRows(status.risk.lastVar) : null,
    events: [...input.history.events].reverse(),
    killSwitchHistory: status.killSwitchHistory ? [...status.killSwitchHistory].reverse() : null,
    audit: input.audit,
    unavailable: status.unavailable,
    allowTrip: input.allowTrip,
  };
}

export function actorRows(root: TreeNode): ActorRow[] {
  const rows: ActorRow[] = [];
  const walk = (node: TreeNode, depth: number): void => {
    const fullest = node.mailbox.reduce<TreeNode['mailbox'][number] | null>(
      (best, m) => (best === null || m.depthBytes / m.capacityBytes > best.depthBytes / best.capacityBytes ? m : best),
      null,
    );
    rows.push({
      path: node.path,
      name: node.name,
      depth,
      kind: node.kind,
      actor: node.actor,
      status: node.status,
      restarts: node.restarts,
      mailbox: fullest && { peer: fullest.peer, depthBytes: fullest.depthBytes, capacityBytes: fullest.capacityBytes },
      handlerP99Us: node.stats?.handlerP99Us ?? null,
      breaker: node.kind === 'supervisor' ? (node.status === 'open' ? 'open' : 'closed') : null,
      uptimeMs: node.uptimeMs,
      lastError: node.lastError,
    });
    for (const child of node.children) walk(child, depth + 1);
  };
  walk(root, 0);
  return rows;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : null);
const usage = (current: number | null, limit: number | null): number | null => (current === null || limit === null || limit <= 0 ? null : current / limit);
const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value));

/** Notional of a position at its mark (plotted magnitude only; null without a mark). */
function positionNotional(p: PositionReport): number | null {
  const qty = num(p.qty);
  const mark = num(p.mark);
  return qty === null || mark === null ? null : Math.abs(qty * mark);
}

function limitRows(risk: RiskReport, status: StatusReport): LimitRow[] {
  const limits = risk.limits;
  const rows: LimitRow[] = [];
  const add = (name: string, current: number | null, display?: string): void => {
    if (!(name in limits)) return;
    const limit = num(limits[name]);
    rows.push({ name, limit: text(limits[name]), current: display ?? (current === null ? null : String(current)), usage: usage(current, limit) });
  };
  // exposure and notionals are risk's model figures (doubles): shown to the cent of the quote currency
  const gross = num(risk.grossExposure);
  add('max_gross_exposure', gross, gross === null ? undefined : gross.toFixed(2));
  const notionals = (status.positions ?? []).map(positionNotional).filter((n): n is number => n !== null);
  const largest = notionals.length > 0 ? Math.max(...notionals) : status.positions ? 0 : null;
  add('max_position_notional', largest, largest === null ? undefined : largest.toFixed(2));
  add('max_open_orders', status.openOrders ? status.openOrders.length : null);
  // per-order and per-quote limits have no standing "current" value: the limit alone is shown
  for (const name of ['max_order_notional', 'price_band_bps', 'max_quote_age_ms', 'max_spread_bps']) add(name, null);
  if ('submit_rate' in limits) rows.push({ name: 'submit_rate', limit: text(limits.submit_rate), current: null, usage: null });
  return rows;
}

interface PanicRecord {
  readonly kind: string;
  readonly value: number;
  readonly threshold: number;
  readonly atMs: number;
}

function panicRows(risk: RiskReport, pnl: PnlReport | null): LimitRow[] {
  const panics = risk.panicLimits;
  const sent = risk.panicsSent as readonly PanicRecord[];
  const lastSent = (kind: string): PanicRecord | undefined => [...sent].reverse().find((p) => p.kind === kind);
  const rows: LimitRow[] = [];
  for (const [name, threshold] of Object.entries(panics)) {
    let current: number | null;
    if (name === 'max_drawdown') current = num(pnl?.drawdown.fraction);
    else if (name === 'max_daily_loss') current = num((risk.dailyLoss as { loss?: unknown } | null)?.loss);
    else {
      // the other panics are per market and per event: show the last value that tripped one, if any
      const kind = PANIC_KIND_OF[name];
      const last = kind === undefined ? undefined : lastSent(kind);
      current = last ? last.value : null;
    }
    rows.push({ name, limit: text(threshold), current: current === null ? null : String(current), usage: usage(current, num(threshold)) });
  }
  return rows;
}

/** Config key -> the `kind` risk's panic records carry (the PanicKind name, src/domain/messages.ts). */
const PANIC_KIND_OF: Readonly<Record<string, string>> = {
  stop_loss_bps: 'STOP_LOSS',
  max_slippage_bps: 'SLIPPAGE',
  stale_quote_ms: 'STALE_QUOTES',
  spread_blowout_bps: 'SPREAD_BLOWOUT',
  api_errors: 'API_ERROR_CASCADE',
};

function varRows(lastVar: unknown): { rows: VarRow[]; error: string | null } | null {
  if (lastVar === null || typeof lastVar !== 'object') return null;
  const v = lastVar as { atMs: number; error?: string; historical?: VarRow; monteCarlo?: VarRow };
  if (typeof v.error === 'string') return { rows: [], error: v.error };
  const rows = [v.historical, v.monteCarlo]
    .filter((r): r is VarRow => r !== undefined)
    .map((r) => ({ method: r.method, confidence: r.confidence, valueAtRisk: r.valueAtRisk, expectedShortfall: r.expectedShortfall, scenarios: r.scenarios, atMs: v.atMs }));
  return { rows, error: null };
}
