/**
 * The dashboard's HTML shell, rendered by the server: every section with its headings and empty
 * tables, so the page's structure needs no script; /dashboard.js fills the figures in from the
 * feed. No inline script or style (the CSP forbids both).
 */
const SECTIONS: readonly { id: string; title: string; columns?: readonly string[] }[] = [
  { id: 'tree', title: 'Supervision tree', columns: ['node', 'kind', 'status', 'restarts', 'mailbox', 'handler p99', 'breaker', 'uptime', 'last error'] },
  { id: 'standbys', title: 'Warm standbys', columns: ['kind', 'thread', 'state', 'load', 'heap'] },
  { id: 'venues', title: 'Venues', columns: ['venue', 'feed and user stream', 'REST p50/p99', 'WS p50/p99', 'reconnects', 'last message', 'errors'] },
  { id: 'pnl', title: 'PnL and equity' },
  { id: 'positions', title: 'Positions', columns: ['venue', 'instrument', 'qty', 'avg price', 'mark', 'realised', 'unrealised', 'fees'] },
  { id: 'orders', title: 'Open orders', columns: ['order', 'strategy', 'venue', 'instrument', 'side', 'type', 'price', 'qty', 'filled', 'status'] },
  { id: 'fills', title: 'Recent fills', columns: ['time', 'order', 'venue', 'instrument', 'side', 'qty', 'price', 'fee', 'trade'] },
  { id: 'limits', title: 'Risk limits', columns: ['limit', 'value', 'current', 'usage'] },
  { id: 'panics', title: 'Risk panics', columns: ['panic', 'threshold', 'current', 'usage'] },
  { id: 'var', title: 'VaR / ES', columns: ['method', 'confidence', 'VaR', 'ES', 'scenarios', 'computed'] },
  { id: 'killswitch', title: 'Kill-switch history', columns: ['time', 'from', 'to', 'source', 'reason'] },
  { id: 'events', title: 'Events', columns: ['time', 'topic', 'data'] },
  { id: 'audit', title: 'Audit log', columns: ['id', 'time', 'actor', 'action', 'detail', 'hash'] },
];

export function renderShell(options: { allowTrip: boolean }): string {
  const sections = SECTIONS.map((s) => {
    const table = s.columns ? `<table id="${s.id}-table"><thead><tr>${s.columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody></tbody></table>` : '';
    const extra = s.id === 'events' ? '<input id="events-filter" type="search" placeholder="filter: topic or text (e.g. lifecycle, killswitch, order)" autocomplete="off">' : '';
    const lead = s.id === 'pnl'
      ? '<dl id="pnl-figures"></dl><div class="charts"><figure><figcaption>Equity</figcaption><div id="equity-chart" class="chart"></div></figure><figure><figcaption>Drawdown</figcaption><div id="drawdown-chart" class="chart"></div></figure></div>'
      : s.id === 'audit' ? '<p id="audit-verification" class="note"></p>' : '';
    return `<section id="${s.id}"><h2>${s.title}</h2><p class="unavailable" id="${s.id}-unavailable" hidden></p>${extra}${lead}${table}</section>`;
  }).join('\n');
  const trip = options.allowTrip
    ? '<form id="trip-form"><input id="trip-reason" type="text" placeholder="why (required)" required maxlength="400"><button id="trip-button" type="submit">Trip kill switch (HALT)</button></form>'
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bot4 dashboard</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<div id="feed-banner" class="feed-banner connecting" role="alert">Connecting to the live feed…</div>
<header id="trading" class="trading unknown">
<div><span class="label">Trading</span> <strong id="trading-state">?</strong> <span id="trading-since"></span></div>
<div id="trading-reason"></div>
<div class="meta">snapshot <span id="snapshot-age">–</span>${trip}</div>
</header>
<main id="figures">
${sections}
</main>
</body>
</html>
`;
}
