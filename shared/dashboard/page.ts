/**
 * The dashboard: a page, a stylesheet and a script (no network but its own API) that list pools
 * with desired/ready/bounds, the last decision's reasons and metric errors, chart load and
 * capacity from the decision history (desired, ready and busy workers on one worker axis, the
 * backlog on a labelled second axis, time ticks, a colour per series name that every pool
 * shares), and offer manual scale, pause/resume and "back to auto" (ends a manual override,
 * after a confirmation; a plain resume keeps it and says so). Laid out down to 360 px wide.
 * It calls the same API routes as the CLI, relative to where it is served, so it works behind
 * the local server or the API.
 *
 * Served with a Content-Security-Policy that allows no inline script or style and no framing:
 * everything the page runs comes from `/dashboard/app.js`. Data from the API is only ever
 * inserted escaped.
 */

import { humanDuration, humanNumber } from '../domain/humanFormat';

/** Headers of every dashboard response. */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** A small icon (a rising bar chart) as a data URL: the page needs no route for it, and the CSP allows `img-src data:`. */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%231f6feb'/%3E%3Cpath d='M3 13V9h2v4zm4 0V6h2v7zm4 0V3h2v10z' fill='%23fff'/%3E%3C/svg%3E";

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>poolscale</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/svg+xml" href="${ICON}">
<link rel="stylesheet" href="dashboard/app.css">
<script src="dashboard/app.js" defer></script>
</head>
<body>
<h1>poolscale <small id="updated">loading…</small></h1>
<div id="message" role="status"></div>
<div class="table-box">
<table id="pools">
  <thead><tr><th>Pool</th><th>Target</th><th class="num">Desired</th><th class="num">Ready</th><th class="num">Bounds</th><th>State</th><th>Last decision</th><th></th></tr></thead>
  <tbody></tbody>
</table>
</div>
<section id="detail" hidden>
  <h2 id="detail-title"></h2>
  <p id="override" hidden></p>
  <div class="legend" id="legend"></div>
  <div class="readout" id="readout" aria-live="polite"></div>
  <div class="chart-box" id="chart-box">
    <svg id="chart" width="1100" height="280" viewBox="0 0 1100 280" role="img" aria-label="load and capacity over time"></svg>
  </div>
  <form id="scale-form">
    <label>Scale to <input id="scale-desired" type="number" min="0" required></label>
    <label>because <input id="scale-reason" type="text" required placeholder="reason"></label>
    <label>for <input id="scale-minutes" type="number" min="1" placeholder="∞"> min</label>
    <button type="submit" id="scale-submit">Scale</button>
  </form>
  <ul class="metric-errors" id="metric-errors" hidden></ul>
  <div>Last decision:</div>
  <ol class="reasons" id="reasons"></ol>
</section>
</body>
</html>
`;

const CSS = `  :root { font-family: system-ui, sans-serif; color: #1d2733; background: #f6f7f9; }
  *, *::before, *::after { box-sizing: border-box; }
  body { margin: 0 auto; max-width: 1200px; padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 12px; } h1 small { color: #6b7785; font-weight: normal; font-size: 13px; }
  .table-box { overflow-x: auto; max-width: 100%; background: #fff; box-shadow: 0 1px 2px #0002; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e6e9ee; font-size: 13px; vertical-align: top; }
  td:nth-child(7) { min-width: 16em; overflow-wrap: anywhere; }
  th { background: #eef1f5; font-weight: 600; }
  tr.selected td { background: #eaf3ff; }
  tr[data-pool] { cursor: pointer; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .action-scale_up { color: #0a7a2f; font-weight: 600; } .action-scale_down { color: #a35a00; font-weight: 600; }
  .badge { display: inline-block; padding: 0 6px; border-radius: 8px; background: #ffe3b3; font-size: 11px; }
  .badge.error { background: #ffd7d5; }
  td button { white-space: nowrap; }
  button { font: inherit; font-size: 12px; padding: 2px 8px; margin: 0 4px 2px 0; cursor: pointer; }
  #detail { margin-top: 16px; background: #fff; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
  #detail h2 { font-size: 16px; margin: 0 0 8px; overflow-wrap: anywhere; }
  #override { margin: 0 0 8px; font-size: 13px; background: #fff8e5; padding: 4px 8px; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; font-size: 12px; margin-bottom: 4px; }
  .legend .entry { white-space: nowrap; max-width: 100%; overflow: hidden; text-overflow: ellipsis; } .legend svg { vertical-align: middle; margin-right: 4px; }
  .legend small { color: #6b7785; }
  .chart-box { width: 100%; overflow: hidden; }
  #chart { display: block; max-width: 100%; height: auto; }
  #chart text { font-family: system-ui, sans-serif; }
  #chart { touch-action: pan-y; }
  .readout { min-height: 1.4em; font-size: 12px; color: #57606a; font-variant-numeric: tabular-nums; }
  form { margin: 8px 0; font-size: 13px; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
  input, select { font: inherit; font-size: 13px; padding: 2px 4px; max-width: 100%; }
  #message { min-height: 18px; font-size: 13px; color: #a31515; margin: 6px 0; }
  #message.info { color: #1d2733; }
  ol.reasons { margin: 4px 0 0 18px; padding: 0; font-size: 13px; overflow-wrap: anywhere; }
  #scale-desired { width: 5em; } #scale-reason { width: 20em; } #scale-minutes { width: 4em; }
  ul.metric-errors { margin: 4px 0 8px 18px; padding: 0; font-size: 13px; color: #a31515; overflow-wrap: anywhere; }
  @media (max-width: 600px) {
    body { padding: 10px; }
    #detail { padding: 10px; }
    #scale-reason { width: 14em; }
    /* A card per pool: every column (and its buttons) in view without scrolling sideways. */
    #pools thead { display: none; }
    #pools tr { display: flex; flex-wrap: wrap; gap: 2px 12px; padding: 6px 8px; border-bottom: 1px solid #e6e9ee; }
    #pools tr.selected { background: #eaf3ff; }
    #pools td { border: 0; padding: 0; min-width: 0; max-width: 100%; background: transparent; overflow-wrap: anywhere; }
    #pools td[data-label]::before { content: attr(data-label) " "; color: #6b7785; }
    #pools td:first-child { font-weight: 600; }
    #pools td:nth-child(7), #pools td:nth-child(8) { flex-basis: 100%; }
    #pools .num { text-align: left; }
  }
`;

/**
 * A function of the sources as a statement of the page script: `const name = (<its source
 * text>);`. A named function expression binds its own name inside, so recursion works whatever
 * name a bundler gave the declaration (esbuild renames a clash, and a minified bundle every
 * name), and the page gets it under `name`. The function must be self-contained (see
 * shared/domain/humanFormat.ts): its text is all the page gets.
 */
function pageFunction(name: string, fn: (...args: never[]) => unknown): string {
  const source = Function.prototype.toString.call(fn);
  if (!/^function[\s(]/.test(source) || source.includes('[native code]')) {
    throw new Error(`the dashboard needs the source of ${name} as a function declaration, got: ${source.slice(0, 80)}`);
  }
  return `const ${name} = (${source});`;
}

/**
 * Pure helpers of the page script: human numbers (`humanDuration` and `humanNumber` of
 * shared/domain/humanFormat.ts, their compiled source text: one definition for the engine, the
 * CLI and the page), axis and time ticks, stable series colours, and which metrics share the
 * worker axis. Plain browser JavaScript, evaluated in Node by the tests too.
 */
export const DASHBOARD_HELPERS = String.raw`
const SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

/** shared/domain/humanFormat.ts: '40ms', '0.4s', '59s', '1m 30s', '2h 5m', '3d 4h'. */
${pageFunction('humanDuration', humanDuration)}

/** shared/domain/humanFormat.ts: integers whole, fractions to 3 significant digits. */
${pageFunction('humanNumber', humanNumber)}

/** A tick label: short for big values ('12k', '1.5M'). */
function axisNumber(value) {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return humanNumber(value / 1e9) + 'G';
  if (magnitude >= 1e6) return humanNumber(value / 1e6) + 'M';
  if (magnitude >= 1e4) return humanNumber(value / 1e3) + 'k';
  return humanNumber(value);
}

/**
 * Reason text recorded before the engine wrote human numbers ('5 for 59967ms more',
 * 'utilization 0.7430894308943089'): durations and long fractions made human for display.
 */
function humanText(text) {
  return String(text ?? '')
    .replace(/\b(\d+(?:\.\d+)?)ms\b/g, (_, ms) => humanDuration(Number(ms)))
    .replace(/\b\d+\.\d{4,}\b/g, (n) => humanNumber(Number(n)));
}

/** The smallest 1, 2, (2.5,) 5 x 10^k at least 'raw'; whole numbers only for a worker axis. */
function niceStep(raw, whole) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  if (raw < 1e-12) return 1e-12;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const multiples = whole ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  let step = 10 * magnitude;
  for (const m of multiples) {
    if (m * magnitude >= raw * (1 - 1e-12)) { step = m * magnitude; break; }
  }
  return whole ? Math.max(1, Math.round(step)) : Number(step.toPrecision(12));
}

/**
 * The worker axis from 0 to a whole 'top' in 'intervals' steps (about four), and a second axis
 * over the same grid lines: its step is a nice number, so both share the horizontal lines.
 */
function valueAxes(workerMax, otherMax) {
  const workerStep = niceStep(Math.max(1, workerMax) / 4, true);
  const intervals = Math.max(1, Math.ceil(Math.max(1, workerMax) / workerStep - 1e-9));
  const otherStep = niceStep((otherMax > 0 ? otherMax : 1) / intervals, false);
  const ticks = [];
  for (let i = 0; i <= intervals; i++) ticks.push(i);
  return {
    intervals,
    workerTop: intervals * workerStep,
    otherTop: Number((intervals * otherStep).toPrecision(12)),
    workerTicks: ticks.map((i) => i * workerStep),
    otherTicks: ticks.map((i) => Number((i * otherStep).toPrecision(12))),
  };
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30].map((s) => s * SECOND)
  .concat([1, 2, 5, 10, 15, 30].map((m) => m * MINUTE), [1, 2, 3, 6, 12].map((h) => h * HOUR), [1, 2, 7, 14, 28].map((d) => d * DAY));

/** Tick times between t0 and t1 at round local times, at least 'minGap' of the 'width' pixels apart. */
function timeTicks(t0, t1, width, minGap) {
  const span = Math.max(1, t1 - t0);
  let step = TIME_STEPS[TIME_STEPS.length - 1];
  for (const candidate of TIME_STEPS) {
    if ((width * candidate) / span >= minGap) { step = candidate; break; }
  }
  // Round in local time: for the browser 'local' is UTC minus the zone offset.
  const offset = new Date(t0).getTimezoneOffset() * MINUTE;
  const ticks = [];
  for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) ticks.push(t);
  return { step, ticks };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n) => String(n).padStart(2, '0');

/** HH:MM (HH:MM:SS under a minute's step); a date at midnight or for steps of days. */
function timeLabel(t, step) {
  const d = new Date(t);
  if (step >= DAY || (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0)) return MONTHS[d.getMonth()] + ' ' + d.getDate();
  const hm = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  return step < MINUTE ? hm + ':' + pad2(d.getSeconds()) : hm;
}

/** Colours of the standard series; any other name gets one of PALETTE by a hash of its name. */
const SERIES_COLOURS = {
  desired: '#1f6feb', ready: '#2da44e', busy: '#cf222e', free: '#9a6700', queue_length: '#8250df',
  pending: '#bf3989', utilization: '#0a7b83', cpu: '#953800', mem_available_gb: '#57606a',
};
// Nothing near desired's blue or ready's green, nor busy's red or free's brown (which share the worker axis).
const PALETTE = ['#8250df', '#bf3989', '#0a7b83', '#953800', '#57606a', '#bf8700', '#6639ba', '#e16f24', '#3e4b9e'];

/** The same colour for a series name on every pool and every load (FNV-1a of the name). */
function seriesColour(name) {
  if (Object.prototype.hasOwnProperty.call(SERIES_COLOURS, name)) return SERIES_COLOURS[name];
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

/** Observations counted in workers by name alone (beside what the pool's rules say). */
const WORKER_METRICS = ['busy', 'free', 'idle', 'running', 'workers', 'busy_workers', 'free_workers', 'idle_workers'];
const BACKLOG_NAME = /queue|backlog|pending|length|messages|jobs|tasks|lag/i;

/**
 * Which observed metrics are drawn on the worker axis (busy/free workers: a buffer rule's
 * busyMetric/freeMetric, a predictive rule's metric), and the others, the most backlog-like first
 * (a target rule's metric with perWorker, then names such as queue_length): the first is the
 * default of the second axis. 'policy' is the native policy of GET /pools/{id} (defaults left out).
 */
function classifyMetrics(names, policy) {
  const workers = new Set(WORKER_METRICS);
  const backlogs = new Set();
  for (const rule of (policy && policy.rules) || []) {
    if (rule.type === 'buffer') { workers.add(rule.busyMetric || 'busy'); workers.add(rule.freeMetric || 'free'); }
    if (rule.type === 'predictive') workers.add(rule.metric || 'busy');
    if (rule.type === 'target' && rule.perWorker !== undefined) backlogs.add(rule.metric || 'utilization');
  }
  const rank = (name) => (backlogs.has(name) ? 0 : BACKLOG_NAME.test(name) ? 1 : 2);
  const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    workers: names.filter((name) => workers.has(name) && !backlogs.has(name)).sort(byName),
    others: names.filter((name) => !workers.has(name) || backlogs.has(name)).sort((a, b) => rank(a) - rank(b) || byName(a, b)),
  };
}

/**
 * An SVG path of steps (a value holds until the next decision, the last one until 'end');
 * breaks where a value is missing.
 */
function stepPath(points, value, x, y, end) {
  let d = '', previous;
  for (const p of points) {
    const v = value(p);
    if (typeof v !== 'number' || !Number.isFinite(v)) { previous = undefined; continue; }
    const px = x(p.at).toFixed(1), py = y(v).toFixed(1);
    d += previous === undefined ? 'M' + px + ',' + py : 'H' + px + 'V' + py;
    previous = py;
  }
  if (previous !== undefined && end !== undefined) d += 'H' + x(end).toFixed(1);
  return d;
}
`;

const SCRIPT = String.raw`'use strict';
// Served as /dashboard/app.js: the page's Content-Security-Policy allows no inline script.
${DASHBOARD_HELPERS}
const base = location.pathname.replace(/\/dashboard\/?$/, '');
let selected = null;

// 'poolscale up' prints the dashboard's address with its API token in the fragment (never sent
// to a server). Keep it for this tab only and take it out of the address bar and history.
const TOKEN_KEY = 'poolscale-token';
(function takeToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
})();

async function api(path, init) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = Object.assign({}, (init && init.headers) || {}, token ? { authorization: 'Bearer ' + token } : {});
  const response = await fetch(base + path, Object.assign({}, init || {}, { headers, credentials: 'omit' }));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401) throw new Error('Not authorised: open the dashboard address printed by "poolscale up" (it carries the token)');
    const problems = (body.problems || []).map((p) => p.path + ': ' + p.message).join('; ');
    throw new Error((body.message || body.error || response.status) + (problems ? ' — ' + problems : ''));
  }
  return body;
}
const say = (text, info) => {
  const message = document.getElementById('message');
  message.textContent = text || '';
  message.className = info ? 'info' : '';
};
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const clock = (t) => { const d = new Date(t); return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()); };
/** Replaces an element's content only when it changed (keeps an open select, a hovered title). */
const drawn = new WeakMap();
const setHtml = (element, html) => { if (drawn.get(element) !== html) { element.innerHTML = html; drawn.set(element, html); } };
const pools = new Map();
const policies = new Map();
/** The metric on the second axis, per pool, when chosen in the legend. */
const rightChoice = new Map();
let chart = null;

/** 'manual override (desired 12, "incident")', as the confirmation before Back to auto words it. */
function overrideText(manual) {
  return 'manual override (desired ' + manual.desired + (manual.reason ? ', "' + manual.reason + '"' : '') + ')';
}

/** When the override ends: 'ends in 9m (11:50:00)', or never by itself. */
function overrideEnd(manual) {
  return manual.until ? 'ends in ' + humanDuration(Math.max(0, manual.until - Date.now())) + ' (' + clock(manual.until) + ')' : 'in force until Back to auto';
}

async function refresh() {
  try {
    const { pools: list } = await api('/pools');
    pools.clear();
    for (const p of list) pools.set(p.id, p);
    const body = document.querySelector('#pools tbody');
    body.innerHTML = list.map((p) => {
      const last = p.lastAction;
      const state = p.paused ? '<span class="badge">paused</span>' + (p.manual ? ' <span class="badge">manual ' + esc(p.manual.desired) + '</span>' : '') : p.manual ? '<span class="badge">manual ' + esc(p.manual.desired) + '</span>' : p.dryRun ? '<span class="badge">dry-run</span>' : 'auto';
      const resumeTitle = p.manual ? ' title="Resumes evaluations; the ' + esc(overrideText(p.manual)) + ' stays in force (Back to auto ends it)"' : '';
      return '<tr data-pool="' + esc(p.id) + '"' + (p.id === selected ? ' class="selected"' : '') + '>' +
        '<td>' + esc(p.id) + '</td><td data-label="target">' + esc(p.target) + '</td>' +
        '<td class="num desired" data-label="desired">' + esc(p.desired ?? '–') + '</td><td class="num" data-label="ready">' + esc(p.ready ?? '–') + '</td>' +
        '<td class="num" data-label="bounds">' + esc(p.min) + '..' + esc(p.max) + '</td><td>' + state + '</td>' +
        '<td>' + (last ? '<span class="action-' + esc(last.action) + '">' + esc(last.action) + '</span> ' + esc(humanText(last.summary)) : '–') + '</td>' +
        '<td><button data-act="' + (p.paused ? 'resume' : 'pause') + '" data-id="' + esc(p.id) + '"' + (p.paused ? resumeTitle : '') + '>' + (p.paused ? 'Resume' : 'Pause') + '</button>' +
        (p.manual ? '<button data-act="auto" data-id="' + esc(p.id) + '">Back to auto</button>' : '') + '</td></tr>';
    }).join('');
    if (!selected && list[0]) selected = list[0].id;
    if (selected && !pools.has(selected)) selected = list[0] ? list[0].id : null;
    if (selected) await showDetail(selected);
    document.getElementById('updated').textContent = 'updated ' + clock(Date.now());
  } catch (error) {
    say('Cannot reach the API: ' + error.message);
  }
}

async function showDetail(id) {
  const [{ decisions }, detail] = await Promise.all([
    api('/pools/' + encodeURIComponent(id) + '/history?limit=300'),
    policies.has(id) ? null : api('/pools/' + encodeURIComponent(id)).catch(() => null),
  ]);
  if (detail && detail.policy) policies.set(id, detail.policy);
  const section = document.getElementById('detail');
  section.hidden = false;
  document.getElementById('detail-title').textContent = 'Pool ' + id;
  const pool = pools.get(id);
  const override = document.getElementById('override');
  override.hidden = !(pool && pool.manual);
  override.textContent = pool && pool.manual ? 'M' + overrideText(pool.manual).slice(1) + ': ' + overrideEnd(pool.manual) : '';
  const last = decisions[0];
  const errors = (last && last.metricErrors) || [];
  const errorList = document.getElementById('metric-errors');
  errorList.hidden = errors.length === 0;
  errorList.innerHTML = errors.map((e) => '<li><b>' + esc(e.metric) + '</b> (' + esc(e.source) + ', ' + esc(e.errorClass) + '): ' + esc(e.message) + '</li>').join('');
  document.getElementById('reasons').innerHTML = last ? last.reasons.map((r) => '<li>' + esc(humanText(r.message)) + ' <small>(' + esc(r.code) + ')</small></li>').join('') : '<li>no decision yet</li>';
  const row = document.querySelector('tr[data-pool="' + CSS.escape(id) + '"] td:nth-child(6)');
  if (row && errors.length) row.insertAdjacentHTML('beforeend', ' <span class="badge error" title="' + esc(errors.map((e) => e.metric + ': ' + e.message).join('; ')) + '">' + errors.length + ' metric error(s)</span>');
  if (!chart || chart.id !== id) document.getElementById('readout').textContent = '';
  chart = { id, points: decisions.slice().reverse(), policy: policies.get(id) };
  drawChart();
}

const swatch = (colour, dash, width) => '<svg width="22" height="10" aria-hidden="true"><line x1="1" y1="5" x2="21" y2="5" stroke="' + colour + '" stroke-width="' + width + '"' + (dash ? ' stroke-dasharray="' + dash + '"' : '') + '/></svg>';

/**
 * Load and capacity on one worker axis (desired, ready, and busy/free workers), the backlog (or
 * another metric, chosen in the legend) on a labelled second axis with its own scale, both over
 * the same grid lines; time ticks at round local times. Drawn at the box's width.
 */
function drawChart() {
  if (!chart) return;
  const svg = document.getElementById('chart');
  const legend = document.getElementById('legend');
  const W = Math.max(240, Math.floor(document.getElementById('chart-box').clientWidth));
  const H = W < 560 ? 220 : 280;
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const points = chart.points;
  if (points.length < 2) {
    setHtml(svg, '<text x="12" y="30" font-size="12">waiting for decisions…</text>');
    setHtml(legend, '');
    return;
  }
  const names = [...new Set(points.flatMap((p) => Object.keys(p.observed || {}).filter((k) => Number.isFinite(p.observed[k]))))];
  const groups = classifyMetrics(names, chart.policy);
  const chosen = rightChoice.get(chart.id);
  const right = groups.others.includes(chosen) ? chosen : groups.others[0];
  const observed = (name) => (p) => (p.observed ? p.observed[name] : undefined);
  const series = [
    { name: 'desired', value: (p) => p.desired, width: 2.5 },
    { name: 'ready', value: (p) => p.ready, width: 2 },
    ...groups.workers.map((name) => ({ name, value: observed(name), width: 1.75, dash: '5 3' })),
  ];
  const finite = (values) => values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const workerMax = Math.max(1, ...finite(series.flatMap((s) => points.map(s.value))));
  const rightMax = right ? Math.max(0, ...finite(points.map(observed(right)))) : 0;
  const axes = valueAxes(workerMax, rightMax);

  const L = 40, R = right ? 48 : 14, T = 26, B = 42;
  const plotW = W - L - R, plotH = H - T - B;
  // The last decision holds until now (to the next minute, so the drawing changes once a minute),
  // but a pool silent for long does not squeeze its history: at most as long again as it spans.
  const t0 = points[0].at, lastAt = points[points.length - 1].at;
  const t1 = Math.max(lastAt, Math.min(Math.ceil(Date.now() / MINUTE) * MINUTE, lastAt + (lastAt - t0)), t0 + 1);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * plotW;
  const yWorkers = (v) => T + plotH - (v / axes.workerTop) * plotH;
  const yRight = (v) => T + plotH - (v / axes.otherTop) * plotH;

  let out = '';
  axes.workerTicks.forEach((v, i) => {
    const y = (T + plotH - (i / axes.intervals) * plotH).toFixed(1);
    out += '<line x1="' + L + '" y1="' + y + '" x2="' + (W - R) + '" y2="' + y + '" stroke="' + (i === 0 ? '#8c959f' : '#e6e9ee') + '"/>';
    out += '<text class="tick-workers" x="' + (L - 6) + '" y="' + y + '" dy="0.32em" text-anchor="end" font-size="11" fill="#57606a">' + axisNumber(v) + '</text>';
    if (right) out += '<text class="tick-right" x="' + (W - R + 6) + '" y="' + y + '" dy="0.32em" font-size="11" fill="' + seriesColour(right) + '">' + axisNumber(axes.otherTicks[i]) + '</text>';
  });
  out += '<text class="axis-label" data-axis="workers" x="4" y="14" font-size="12" font-weight="600" fill="#1d2733">workers</text>';
  if (right) {
    const room = Math.max(6, Math.floor((W / 2 - 40) / 7));
    const label = right.length > room ? right.slice(0, room - 1) + '…' : right;
    out += '<text class="axis-label" data-axis="right" x="' + (W - 4) + '" y="14" text-anchor="end" font-size="12" font-weight="600" fill="' + seriesColour(right) + '">' + esc(label) + '<title>' + esc(right) + ' (right axis)</title></text>';
  }
  const time = timeTicks(t0, t1, plotW, 60);
  for (const t of time.ticks) {
    const tx = x(t), label = timeLabel(t, time.step);
    out += '<line x1="' + tx.toFixed(1) + '" y1="' + (T + plotH) + '" x2="' + tx.toFixed(1) + '" y2="' + (T + plotH + 4) + '" stroke="#8c959f"/>';
    // A label that would leave the chart (about 3.5 px a character at this size, each side) is left out.
    if (tx - label.length * 3.5 < 0 || tx + label.length * 3.5 > W) continue;
    out += '<text class="tick-time" x="' + tx.toFixed(1) + '" y="' + (T + plotH + 20) + '" text-anchor="middle" font-size="11" fill="#57606a">' + label + '</text>';
  }
  out += '<text class="axis-label" data-axis="time" x="' + (L + plotW / 2).toFixed(1) + '" y="' + (H - 4) + '" text-anchor="middle" font-size="11" fill="#57606a">local time</text>';

  let legendHtml = '';
  if (right) {
    const colour = seriesColour(right);
    const line = stepPath(points, observed(right), x, yRight, t1);
    const base = (T + plotH).toFixed(1);
    const area = line.replace(/M([\d.]+),([\d.]+)/g, (_, px, py) => 'M' + px + ',' + base + 'V' + py);
    // The area under the backlog: each segment closed down to the axis.
    out += '<path class="area" d="' + area.split('M').filter(Boolean).map((segment) => 'M' + segment + 'V' + base + 'Z').join('') + '" fill="' + colour + '" fill-opacity="0.10" stroke="none"/>';
    out += '<path data-series="' + esc(right) + '" data-axis="right" d="' + line + '" fill="none" stroke="' + colour + '" stroke-width="1.5" stroke-dasharray="2 2"/>';
  }
  // Drawn in reverse, so that desired (the count asked for) lies on top of ready and the metrics.
  let paths = '';
  for (const s of series) {
    const d = stepPath(points, s.value, x, yWorkers, t1);
    if (!d) continue;
    const colour = seriesColour(s.name);
    paths = '<path data-series="' + esc(s.name) + '" data-axis="workers" d="' + d + '" fill="none" stroke="' + colour + '" stroke-width="' + s.width + '"' + (s.dash ? ' stroke-dasharray="' + s.dash + '"' : '') + '/>' + paths;
    legendHtml += '<span class="entry" data-series="' + esc(s.name) + '" title="' + esc(s.name) + '">' + swatch(colour, s.dash, s.width) + esc(s.name) + ' <small>workers</small></span>';
  }
  out += paths;
  if (right) legendHtml += '<span class="entry" data-series="' + esc(right) + '" title="' + esc(right) + '">' + swatch(seriesColour(right), '2 2', 1.5) + esc(right) + ' <small>right axis</small></span>';
  const actions = points.filter((p) => p.action !== 'none');
  if (actions.length) {
    out += '<g data-marker="actions">' + actions.map((p) => '<circle cx="' + x(p.at).toFixed(1) + '" cy="' + yWorkers(p.desired).toFixed(1) + '" r="3" fill="' + seriesColour('desired') + '"><title>' +
      esc(clock(p.at) + ' ' + p.action + ' ' + p.current + ' → ' + p.desired + ': ' + p.reasons.map((r) => humanText(r.message)).join('; ')) + '</title></circle>').join('') + '</g>';
    legendHtml += '<span class="entry" data-marker="actions"><svg width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="3" fill="' + seriesColour('desired') + '"/></svg>scaling action</span>';
  }
  if (groups.others.length > 1) {
    legendHtml += '<label class="entry">right axis <select id="right-metric">' + groups.others.map((name) => '<option' + (name === right ? ' selected' : '') + '>' + esc(name) + '</option>').join('') + '</select></label>';
  }
  chart.layout = { left: L, right: W - R, top: T, bottom: T + plotH, W, t0, t1, series: right ? [...series, { name: right, value: observed(right) }] : series };
  setHtml(svg, out);
  setHtml(legend, legendHtml);
}

/** The values in force at the pointer's time (the decision before it), and a line there. */
function showReadout(event) {
  const svg = document.getElementById('chart');
  const layout = chart && chart.layout;
  const old = document.getElementById('cursor');
  if (old) old.remove();
  if (!layout) return;
  const rect = svg.getBoundingClientRect();
  const px = (event.clientX - rect.left) * (layout.W / rect.width);
  if (px < layout.left || px > layout.right) return;
  const t = layout.t0 + ((px - layout.left) / (layout.right - layout.left)) * (layout.t1 - layout.t0);
  let point = chart.points[0];
  for (const p of chart.points) { if (p.at <= t) point = p; else break; }
  const values = layout.series.map((s) => [s.name, s.value(point)]).filter(([, v]) => typeof v === 'number' && Number.isFinite(v));
  document.getElementById('readout').textContent = clock(point.at) + ' ' + values.map(([name, v]) => name + ' ' + humanNumber(v)).join(' · ');
  svg.insertAdjacentHTML('beforeend', '<line id="cursor" x1="' + px.toFixed(1) + '" y1="' + layout.top + '" x2="' + px.toFixed(1) + '" y2="' + layout.bottom + '" stroke="#57606a" stroke-width="1"/>');
}
document.getElementById('chart').addEventListener('pointermove', showReadout);
document.getElementById('chart').addEventListener('pointerdown', showReadout);

/** Ending a manual override (an incident scale-up, say) hands the pool back to its policy: ask first. */
function confirmEndOverride(id) {
  const pool = pools.get(id);
  const manual = pool && pool.manual;
  const what = manual ? ' (desired ' + manual.desired + (manual.reason ? ', "' + manual.reason + '"' : '') + ')' : '';
  return window.confirm('Back to auto for "' + id + '"? This ends the manual override' + what + (pool && pool.paused ? ' and resumes the pool' : '') +
    ': its policy decides again, and capacity may drop.');
}

document.querySelector('#pools tbody').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (button) {
    event.stopPropagation();
    const act = button.dataset.act;
    const id = button.dataset.id;
    if (act === 'auto' && !confirmEndOverride(id)) return;
    const manual = pools.get(id) && pools.get(id).manual;
    // Resume keeps a manual override in force (and says so); "Back to auto" resumes and ends it.
    const body = act === 'pause' ? { reason: 'paused from the dashboard' } : act === 'auto' ? { clearManual: true } : {};
    try {
      await api('/pools/' + encodeURIComponent(id) + '/' + (act === 'pause' ? 'pause' : 'resume'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (act === 'resume' && manual) say('Resumed "' + id + '": the ' + overrideText(manual) + ' is still in force; Back to auto ends it.', true);
      else say('');
    } catch (error) { say(error.message); }
    return refresh();
  }
  const row = event.target.closest('tr[data-pool]');
  // A click reads the pool's policy again (its rules say which metrics count workers).
  if (row) { selected = row.dataset.pool; policies.delete(selected); refresh(); }
});

document.getElementById('legend').addEventListener('change', (event) => {
  if (event.target.id !== 'right-metric' || !chart) return;
  rightChoice.set(chart.id, event.target.value);
  drawChart();
});

document.getElementById('scale-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const minutes = document.getElementById('scale-minutes').value;
  const body = { desired: Number(document.getElementById('scale-desired').value), reason: document.getElementById('scale-reason').value };
  if (minutes) body.durationSeconds = Number(minutes) * 60;
  try {
    await api('/pools/' + encodeURIComponent(selected) + '/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    say('');
  } catch (error) { say(error.message); }
  refresh();
});

let resizing = 0;
window.addEventListener('resize', () => { cancelAnimationFrame(resizing); resizing = requestAnimationFrame(drawChart); });

refresh();
setInterval(refresh, 2000);
`;

export function dashboardHtml(): string {
  return HTML;
}

export function dashboardScript(): string {
  return SCRIPT;
}

export function dashboardStyles(): string {
  return CSS;
}

export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The dashboard's paths (as the router sees them) and what each serves. */
const DASHBOARD_PATHS = new Map([
  ['/dashboard', 'dashboard'],
  ['/dashboard/', 'dashboard/'],
  ['/dashboard/app.js', 'dashboard/app.js'],
  ['/dashboard/app.css', 'dashboard/app.css'],
  ['/favicon.ico', 'favicon.ico'],
]);

/** Paths served without the API token: static, no data and no action. */
export const DASHBOARD_PUBLIC_PATHS: readonly string[] = [...DASHBOARD_PATHS.keys()];

const withHeaders = (status: number, contentType: string, body: string, extra: Record<string, string> = {}): DashboardResponse => ({
  status,
  headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': contentType, ...extra },
  body,
});

/**
 * The answer for a dashboard path (`/dashboard`, `/dashboard/`, `/dashboard/app.js`,
 * `/dashboard/app.css`, `/favicon.ico`; without the stage prefix), or undefined for any other
 * path. `/dashboard/` redirects to `../dashboard` so that the page's relative links resolve
 * under any stage prefix.
 */
export function dashboardResponse(path: string, method = 'GET'): DashboardResponse | undefined {
  const name = DASHBOARD_PATHS.get(path);
  if (name === undefined) return undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    return withHeaders(405, 'application/json', JSON.stringify({ error: 'MethodNotAllowed', message: `${method.slice(0, 20)} is not allowed; use GET` }), { allow: 'GET' });
  }
  switch (name) {
    case 'dashboard':
      return withHeaders(200, 'text/html; charset=utf-8', HTML);
    case 'dashboard/':
      return withHeaders(308, 'text/plain; charset=utf-8', 'Moved to ../dashboard', { location: '../dashboard' });
    case 'dashboard/app.js':
      return withHeaders(200, 'text/javascript; charset=utf-8', SCRIPT);
    case 'dashboard/app.css':
      return withHeaders(200, 'text/css; charset=utf-8', CSS);
    default:
      return withHeaders(204, 'image/x-icon', '');
  }
}
