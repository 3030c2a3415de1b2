// The bot4 dashboard's page script (served as /dashboard.js; docs/dashboard.md). It opens the live
// feed, puts each snapshot's figures into the server-rendered tables (as text: nothing from the
// feed is ever parsed as HTML) and draws the equity and drawdown charts as inline SVG. When the
// feed closes or goes quiet it says so across the top at once and greys the figures out, so
// stale numbers never look live. The figures themselves are decided on the server (view.ts).
/* global document, window, WebSocket, location, fetch */

const STALE_AFTER_MS = 2000;
const RECONNECT_MS = 2000;
const SVG = 'http://www.w3.org/2000/svg';

let lastFrameAt = 0;
let lastView = null;
let live = false;
let lossReason = null;

const $ = (id) => document.getElementById(id);

function setBanner(kind, text) {
  const banner = $('feed-banner');
  banner.className = `feed-banner ${kind}`;
  banner.textContent = text;
  banner.hidden = kind === 'live';
}

function feedLost(reason) {
  if (!live && lossReason === reason) return;
  live = false;
  lossReason = reason;
  document.body.classList.add('stale');
  const age = lastFrameAt ? ` The figures below are from ${new Date(lastFrameAt).toLocaleTimeString()} and are NOT live.` : '';
  setBanner('lost', `FEED LOST: ${reason}.${age}`);
}

function feedLive() {
  live = true;
  lossReason = null;
  document.body.classList.remove('stale');
  setBanner('live', '');
}

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/feed`);
  let closingReason = null;
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'view') {
      lastFrameAt = Date.now();
      lastView = message.view;
      feedLive();
      render(message.view);
    } else if (message.type === 'error') {
      feedLost(`the runtime did not answer (${message.message})`);
    } else if (message.type === 'closing') {
      closingReason = `the runtime stopped (${message.reason})`;
    }
  });
  ws.addEventListener('close', () => {
    feedLost(closingReason ?? 'the connection to bot4 closed');
    window.setTimeout(connect, RECONNECT_MS);
  });
}

function watchdog() {
  if (live && Date.now() - lastFrameAt > STALE_AFTER_MS) feedLost(`no update for ${Math.round((Date.now() - lastFrameAt) / 1000)} s`);
  if (lastFrameAt) $('snapshot-age').textContent = `${((Date.now() - lastFrameAt) / 1000).toFixed(1)} s ago`;
}

// ---- rendering -------------------------------------------------------------------------------

function cell(row, value, className) {
  const td = document.createElement('td');
  td.textContent = value === null || value === undefined ? '–' : String(value);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fillTable(id, rows, columns) {
  const body = $(`${id}-table`).tBodies[0];
  const next = document.createElement('tbody');
  for (const item of rows) {
    const tr = document.createElement('tr');
    for (const column of columns) {
      const [value, className] = column(item);
      cell(tr, value, className);
    }
    next.appendChild(tr);
  }
  body.replaceWith(next);
}

function unavailable(id, text) {
  const note = $(`${id}-unavailable`);
  note.hidden = text === null;
  note.textContent = text ?? '';
}

const ms = (value) => (value === null || value === undefined ? null : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);
const us = (value) => (value === null || value === undefined ? null : `${value.toFixed(1)} µs`);
const time = (value) => (value === null || value === undefined ? null : new Date(value).toISOString().replace('T', ' ').replace('Z', ''));
const percent = (fraction) => (fraction === null || fraction === undefined ? null : `${(fraction * 100).toFixed(1)} %`);
const duration = (value) => (value === null ? null : value > 3_600_000 ? `${(value / 3_600_000).toFixed(1)} h` : value > 60_000 ? `${(value / 60_000).toFixed(1)} min` : ms(value));
const text = (value) => (value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value));
const notReported = (what, view) => view.unavailable.filter((u) => u.startsWith(what)).join('; ') || 'not reported';

function render(view) {
  const trading = $('trading');
  trading.className = `trading ${view.trading.state.toLowerCase()}`;
  $('trading-state').textContent = view.trading.state;
  $('trading-since').textContent = `since ${time(view.trading.since)}`;
  $('trading-reason').textContent = view.trading.reason;

  fillTable('tree', view.actors, [
    (a) => [`${'  '.repeat(a.depth)}${a.name}`, `depth-${Math.min(a.depth, 6)} node`],
    (a) => [a.kind === 'actor' ? a.actor : 'supervisor'],
    (a) => [a.status, `status-${a.status}`],
    (a) => [a.restarts, a.restarts > 0 ? 'warn' : ''],
    (a) => [a.mailbox ? `${a.mailbox.depthBytes} / ${a.mailbox.capacityBytes} B (${a.mailbox.peer})` : null],
    (a) => [us(a.handlerP99Us)],
    (a) => [a.breaker, a.breaker === 'open' ? 'bad' : ''],
    (a) => [duration(a.uptimeMs)],
    (a) => [a.lastError, a.lastError ? 'bad' : ''],
  ]);
  $('tree-table').dataset.paths = view.actors.map((a) => a.path).join(' ');
  fillTable('standbys', view.standbys, [(s) => [s.kind], (s) => [s.threadId], (s) => [s.state], (s) => [ms(s.loadMs)], (s) => [s.heapUsedBytes === null ? null : `${(s.heapUsedBytes / 1048576).toFixed(1)} MiB`]]);

  unavailable('venues', view.venues === null ? notReported('venues', view) : null);
  fillTable('venues', view.venues ?? [], [
    (v) => [v.name],
    (v) => [v.status, v.stale ? 'bad' : ''],
    (v) => [`${ms(v.latency.rest.p50Ms) ?? '–'} / ${ms(v.latency.rest.p99Ms) ?? '–'}`],
    (v) => [`${ms(v.latency.ws.p50Ms) ?? '–'} / ${ms(v.latency.ws.p99Ms) ?? '–'}`],
    (v) => [v.reconnects, v.reconnects > 0 ? 'warn' : ''],
    (v) => [v.lastMessageAgeMs === null ? null : `${ms(v.lastMessageAgeMs)} ago`, v.stale ? 'bad' : ''],
    (v) => [Object.entries(v.errors).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
  ]);

  renderPnl(view);
  unavailable('positions', view.positions === null ? notReported('positions', view) : null);
  fillTable('positions', view.positions ?? [], [
    (p) => [p.venue], (p) => [p.symbol], (p) => [p.qty, 'num'], (p) => [p.avgPrice, 'num'], (p) => [p.mark, 'num'],
    (p) => [p.realisedPnl, 'num'], (p) => [p.unrealisedPnl, 'num'], (p) => [p.fees, 'num'],
  ]);
  unavailable('orders', view.openOrders === null ? notReported('open orders', view) : null);
  fillTable('orders', view.openOrders ?? [], [
    (o) => [o.orderId], (o) => [o.strategy], (o) => [o.venue], (o) => [o.instrument], (o) => [o.side], (o) => [o.type],
    (o) => [o.price, 'num'], (o) => [o.qty, 'num'], (o) => [o.cumQty, 'num'], (o) => [o.status],
  ]);
  unavailable('fills', view.fills === null ? 'not reported (no running order manager)' : null);
  fillTable('fills', view.fills ?? [], [
    (f) => [time(f.atUs / 1000)], (f) => [f.orderId], (f) => [f.venue], (f) => [f.symbol ?? f.instrument], (f) => [f.side],
    (f) => [f.figures?.qty, 'num'], (f) => [f.figures?.price, 'num'], (f) => [f.figures?.fee, 'num'], (f) => [f.tradeId],
  ]);
  const usageCell = (r) => [percent(r.usage), r.usage === null ? '' : r.usage >= 1 ? 'bad' : r.usage >= 0.8 ? 'warn' : 'ok'];
  unavailable('limits', view.limits === null ? notReported('positions and PnL', view) : null);
  fillTable('limits', view.limits ?? [], [(r) => [r.name], (r) => [r.limit, 'num'], (r) => [r.current, 'num'], usageCell]);
  unavailable('panics', view.panics === null ? notReported('positions and PnL', view) : null);
  fillTable('panics', view.panics ?? [], [(r) => [r.name], (r) => [r.limit, 'num'], (r) => [r.current, 'num'], usageCell]);
  unavailable('var', view.valueAtRisk === null ? 'not computed yet' : view.valueAtRisk.error);
  fillTable('var', view.valueAtRisk?.rows ?? [], [
    (r) => [r.method], (r) => [r.confidence], (r) => [r.valueAtRisk.toFixed(2), 'num'], (r) => [r.expectedShortfall.toFixed(2), 'num'], (r) => [r.scenarios], (r) => [time(r.atMs)],
  ]);
  unavailable('killswitch', view.killSwitchHistory === null ? 'the kill switch is not running' : null);
  fillTable('killswitch', view.killSwitchHistory ?? [], [(h) => [time(h.atMs)], (h) => [h.from], (h) => [h.to], (h) => [h.source], (h) => [h.reason]]);
  renderEvents();
  renderAudit(view.audit);
}

function renderPnl(view) {
  const figures = $('pnl-figures');
  figures.replaceChildren();
  unavailable('pnl', view.pnl === null ? notReported('positions and PnL', view) : null);
  if (view.pnl) {
    const items = [
      ['equity', view.pnl.equity], ['realised', view.pnl.realised], ['unrealised', view.pnl.unrealised], ['fees', view.pnl.fees],
      ['drawdown', `${view.pnl.drawdown.drawdown} (${percent(Number(view.pnl.drawdown.fraction))})`],
    ];
    for (const [label, value] of items) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value ?? '–';
      figures.append(dt, dd);
    }
  }
  drawChart($('equity-chart'), view.series.map((p) => [p.atMs, p.equity]), (v) => v.toFixed(2));
  drawChart($('drawdown-chart'), view.series.map((p) => [p.atMs, p.drawdown === null ? null : -p.drawdown * 100]), (v) => `${v.toFixed(2)} %`);
}

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** A line chart of [time, value] points (null values are gaps), with its range labelled. */
function drawChart(container, points, label) {
  const width = 480;
  const height = 140;
  const pad = 4;
  const known = points.filter(([, v]) => v !== null);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart-svg' });
  if (known.length < 2) {
    const note = svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-note' });
    note.textContent = known.length === 0 ? 'no figures yet' : 'one point so far';
    chart.appendChild(note);
    container.replaceChildren(chart);
    return;
  }
  const t0 = known[0][0];
  const t1 = known[known.length - 1][0];
  let lo = Math.min(...known.map(([, v]) => v));
  let hi = Math.max(...known.map(([, v]) => v));
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const x = (t) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (width - 2 * pad);
  const y = (v) => height - pad - ((v - lo) / (hi - lo)) * (height - 2 * pad);
  let d = '';
  let pen = 'M';
  for (const [t, v] of points) {
    if (v === null) {
      pen = 'M';
      continue;
    }
    d += `${pen}${x(t).toFixed(1)},${y(v).toFixed(1)} `;
    pen = 'L';
  }
  chart.appendChild(svg('path', { d, class: 'chart-line', fill: 'none' }));
  const top = svg('text', { x: width - pad, y: 12, 'text-anchor': 'end', class: 'chart-label' });
  top.textContent = label(hi);
  const bottom = svg('text', { x: width - pad, y: height - 6, 'text-anchor': 'end', class: 'chart-label' });
  bottom.textContent = label(lo);
  chart.append(top, bottom);
  container.replaceChildren(chart);
}

function renderEvents() {
  if (!lastView) return;
  const filter = $('events-filter').value.trim().toLowerCase();
  const events = lastView.events.filter((e) => filter === '' || e.topic.toLowerCase().includes(filter) || JSON.stringify(e.data).toLowerCase().includes(filter));
  fillTable('events', events.slice(0, 200), [(e) => [time(e.ts)], (e) => [e.topic], (e) => [text(e.data)]]);
}

function renderAudit(audit) {
  const line = $('audit-verification');
  if (audit.state === 'none') {
    line.textContent = `No audit log: ${audit.why}.`;
    line.className = 'note';
  } else if (audit.state === 'error') {
    line.textContent = `${audit.message} (checked ${time(audit.checkedAt)})`;
    line.className = 'note bad';
  } else if (audit.verification.ok) {
    line.textContent = `Hash chain verified: ${audit.verification.rows} rows, head ${audit.verification.headHash.slice(0, 16)}… (checked ${time(audit.checkedAt)})`;
    line.className = 'note ok';
  } else {
    line.textContent = `HASH CHAIN BROKEN at row ${audit.verification.badRowId}: ${audit.verification.reason} (${audit.verification.rows} rows before it verified; checked ${time(audit.checkedAt)})`;
    line.className = 'note bad';
  }
  fillTable('audit', audit.state === 'checked' ? audit.recent : [], [
    (r) => [r.id], (r) => [r.at], (r) => [r.actor], (r) => [r.action], (r) => [text(r.detail)], (r) => [`${r.hash.slice(0, 12)}…`],
  ]);
}

function setUpTrip() {
  const form = $('trip-form');
  if (!form) return;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = $('trip-reason').value.trim();
    if (reason === '') return;
    $('trip-button').disabled = true;
    fetch('/trip', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason }) })
      .then(async (res) => {
        if (!res.ok) window.alert(`trip refused: ${res.status} ${await res.text()}`);
      })
      .catch((error) => window.alert(`trip failed: ${error.message}`))
      .finally(() => {
        $('trip-button').disabled = false;
      });
  });
}

document.addEventListener('DOMContentLoaded', () => {
  $('events-filter').addEventListener('input', renderEvents);
  setUpTrip();
  window.setInterval(watchdog, 250);
  connect();
});
