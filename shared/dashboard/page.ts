/**
 * The dashboard: a page, a stylesheet and a script (no network but its own API) that list pools
 * with desired/ready/bounds, the last decision's reasons and metric errors, chart load and
 * capacity from the decision history, and offer manual scale, pause/resume and "back to auto"
 * (ends a manual override, after a confirmation). It calls the same
 * API routes as the CLI, relative to where it is served, so it works behind the local server or
 * the API.
 *
 * Served with a Content-Security-Policy that allows no inline script or style and no framing:
 * everything the page runs comes from `/dashboard/app.js`. Data from the API is only ever
 * inserted escaped.
 */

/** Headers of every dashboard response. */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>poolscale</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard/app.css">
<script src="dashboard/app.js" defer></script>
</head>
<body>
<h1>poolscale <small id="updated">loading…</small></h1>
<div id="message" role="status"></div>
<table id="pools">
  <thead><tr><th>Pool</th><th>Target</th><th class="num">Desired</th><th class="num">Ready</th><th class="num">Bounds</th><th>State</th><th>Last decision</th><th></th></tr></thead>
  <tbody></tbody>
</table>
<section id="detail" hidden>
  <h2 id="detail-title"></h2>
  <div class="legend"><span><i class="swatch-desired"></i>desired</span><span><i class="swatch-ready"></i>ready</span><span id="load-legend"></span></div>
  <svg id="chart" width="1100" height="260" viewBox="0 0 1100 260" role="img" aria-label="load and capacity over time"></svg>
  <form id="scale-form">
    Scale to <input id="scale-desired" type="number" min="0" required>
    because <input id="scale-reason" type="text" required placeholder="reason">
    for <input id="scale-minutes" type="number" min="1" placeholder="∞"> min
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
  body { margin: 0 auto; max-width: 1200px; padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 12px; } h1 small { color: #6b7785; font-weight: normal; }
  table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0002; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e6e9ee; font-size: 13px; vertical-align: top; }
  th { background: #eef1f5; font-weight: 600; }
  tr.selected td { background: #eaf3ff; }
  tr[data-pool] { cursor: pointer; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .action-scale_up { color: #0a7a2f; font-weight: 600; } .action-scale_down { color: #a35a00; font-weight: 600; }
  .badge { display: inline-block; padding: 0 6px; border-radius: 8px; background: #ffe3b3; font-size: 11px; }
  button { font: inherit; font-size: 12px; padding: 2px 8px; margin-right: 4px; cursor: pointer; }
  #detail { margin-top: 16px; background: #fff; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
  #detail h2 { font-size: 16px; margin: 0 0 8px; }
  .legend span { margin-right: 14px; font-size: 12px; } .legend i { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px; }
  form { margin: 8px 0; font-size: 13px; } input { font: inherit; font-size: 13px; padding: 2px 4px; }
  #message { min-height: 18px; font-size: 13px; color: #a31515; margin: 6px 0; }
  ol.reasons { margin: 4px 0 0 18px; padding: 0; font-size: 13px; }
  .swatch-desired { background: #1f6feb; } .swatch-ready { background: #2da44e; }
  .swatch-0 { background: #cf222e; } .swatch-1 { background: #8250df; } .swatch-2 { background: #bf8700; } .swatch-3 { background: #1b7c83; }
  #scale-desired { width: 5em; } #scale-reason { width: 20em; } #scale-minutes { width: 4em; }
  .badge.error { background: #ffd7d5; }
  ul.metric-errors { margin: 4px 0 8px 18px; padding: 0; font-size: 13px; color: #a31515; }
`;

const SCRIPT = `'use strict';
// Served as /dashboard/app.js: the page's Content-Security-Policy allows no inline script.
const base = location.pathname.replace(/\\/dashboard\\/?$/, '');
let selected = null;
const LOAD_COLOURS = ['#cf222e', '#8250df', '#bf8700', '#1b7c83'];

// \`poolscale up\` prints the dashboard's address with its API token in the fragment (never sent
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
    if (response.status === 401) throw new Error('Not authorised: open the dashboard address printed by \`poolscale up\` (it carries the token)');
    const problems = (body.problems || []).map((p) => p.path + ': ' + p.message).join('; ');
    throw new Error((body.message || body.error || response.status) + (problems ? ' — ' + problems : ''));
  }
  return body;
}
const say = (text) => { document.getElementById('message').textContent = text || ''; };
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const pools = new Map();

async function refresh() {
  try {
    const { pools: list } = await api('/pools');
    pools.clear();
    for (const p of list) pools.set(p.id, p);
    const body = document.querySelector('#pools tbody');
    body.innerHTML = list.map((p) => {
      const last = p.lastAction;
      const state = p.paused ? '<span class="badge">paused</span>' : p.manual ? '<span class="badge">manual ' + esc(p.manual.desired) + '</span>' : p.dryRun ? '<span class="badge">dry-run</span>' : 'auto';
      return '<tr data-pool="' + esc(p.id) + '"' + (p.id === selected ? ' class="selected"' : '') + '>' +
        '<td>' + esc(p.id) + '</td><td>' + esc(p.target) + '</td>' +
        '<td class="num desired">' + esc(p.desired ?? '–') + '</td><td class="num">' + esc(p.ready ?? '–') + '</td>' +
        '<td class="num">' + esc(p.min) + '..' + esc(p.max) + '</td><td>' + state + '</td>' +
        '<td>' + (last ? '<span class="action-' + esc(last.action) + '">' + esc(last.action) + '</span> ' + esc(last.summary) : '–') + '</td>' +
        '<td><button data-act="' + (p.paused ? 'resume' : 'pause') + '" data-id="' + esc(p.id) + '">' + (p.paused ? 'Resume' : 'Pause') + '</button>' +
        (p.manual ? '<button data-act="auto" data-id="' + esc(p.id) + '">Back to auto</button>' : '') + '</td></tr>';
    }).join('');
    if (!selected && list[0]) selected = list[0].id;
    if (selected) await showDetail(selected);
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    say('Cannot reach the API: ' + error.message);
  }
}

async function showDetail(id) {
  const { decisions } = await api('/pools/' + encodeURIComponent(id) + '/history?limit=300');
  const section = document.getElementById('detail');
  section.hidden = false;
  document.getElementById('detail-title').textContent = 'Pool ' + id;
  const last = decisions[0];
  const errors = (last && last.metricErrors) || [];
  const errorList = document.getElementById('metric-errors');
  errorList.hidden = errors.length === 0;
  errorList.innerHTML = errors.map((e) => '<li><b>' + esc(e.metric) + '</b> (' + esc(e.source) + ', ' + esc(e.errorClass) + '): ' + esc(e.message) + '</li>').join('');
  document.getElementById('reasons').innerHTML = last ? last.reasons.map((r) => '<li>' + esc(r.message) + ' <small>(' + esc(r.code) + ')</small></li>').join('') : '<li>no decision yet</li>';
  const row = document.querySelector('tr[data-pool="' + CSS.escape(id) + '"] td:nth-child(6)');
  if (row && errors.length) row.insertAdjacentHTML('beforeend', ' <span class="badge error" title="' + esc(errors.map((e) => e.metric + ': ' + e.message).join('; ')) + '">' + errors.length + ' metric error(s)</span>');
  drawChart(decisions.slice().reverse());
}

function drawChart(points) {
  const svg = document.getElementById('chart');
  const W = 1100, H = 260, L = 40, R = 50, T = 10, B = 24;
  if (points.length < 2) { svg.innerHTML = '<text x="20" y="30">waiting for decisions…</text>'; return; }
  const t0 = points[0].at, t1 = points[points.length - 1].at || t0 + 1;
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const capMax = Math.max(1, ...points.map((p) => Math.max(p.desired, p.ready ?? 0)));
  const yc = (v) => H - B - (v / capMax) * (H - T - B);
  const names = [...new Set(points.flatMap((p) => Object.keys(p.observed || {})))].slice(0, LOAD_COLOURS.length);
  const line = (values, colour, dash) => '<polyline fill="none" stroke="' + colour + '" stroke-width="2"' + (dash ? ' stroke-dasharray="4 3"' : '') + ' points="' + values.join(' ') + '"/>';
  let out = '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - R) + '" y2="' + (H - B) + '" stroke="#999"/>';
  out += '<text x="4" y="' + (T + 10) + '" font-size="11">' + esc(capMax) + '</text><text x="4" y="' + (H - B) + '" font-size="11">0</text>';
  names.forEach((name, i) => {
    const values = points.filter((p) => p.observed && name in p.observed && Number.isFinite(p.observed[name]));
    const max = Math.max(1e-9, ...values.map((p) => p.observed[name]));
    const yl = (v) => H - B - (v / max) * (H - T - B);
    out += line(values.map((p) => x(p.at).toFixed(1) + ',' + yl(p.observed[name]).toFixed(1)), LOAD_COLOURS[i], true);
    out += '<text x="' + (W - R + 4) + '" y="' + (T + 12 + i * 13) + '" font-size="11" fill="' + LOAD_COLOURS[i] + '">' + esc(+max.toFixed(2)) + '</text>';
  });
  out += line(points.filter((p) => p.ready !== undefined).map((p) => x(p.at).toFixed(1) + ',' + yc(p.ready).toFixed(1)), '#2da44e');
  out += line(points.map((p) => x(p.at).toFixed(1) + ',' + yc(p.desired).toFixed(1)), '#1f6feb');
  for (const p of points) if (p.action !== 'none') out += '<circle cx="' + x(p.at).toFixed(1) + '" cy="' + yc(p.desired).toFixed(1) + '" r="3" fill="#1f6feb"><title>' + esc(new Date(p.at).toLocaleTimeString() + ' ' + p.action + ' → ' + p.desired + ': ' + p.reasons.map((r) => r.message).join('; ')) + '</title></circle>';
  out += '<text x="' + L + '" y="' + (H - 6) + '" font-size="11">' + new Date(t0).toLocaleTimeString() + '</text><text x="' + (W - R - 60) + '" y="' + (H - 6) + '" font-size="11">' + new Date(t1).toLocaleTimeString() + '</text>';
  svg.innerHTML = out;
  document.getElementById('load-legend').innerHTML = names.map((n, i) => '<span><i class="swatch-' + i + '"></i>' + esc(n) + ' (dashed, right scale)</span>').join('');
}

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
    if (act === 'auto' && !confirmEndOverride(button.dataset.id)) return;
    // Resume keeps a manual override in force; "Back to auto" resumes and ends it.
    const body = act === 'pause' ? { reason: 'paused from the dashboard' } : act === 'auto' ? { clearManual: true } : {};
    try {
      await api('/pools/' + encodeURIComponent(button.dataset.id) + '/' + (act === 'pause' ? 'pause' : 'resume'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      say('');
    } catch (error) { say(error.message); }
    return refresh();
  }
  const row = event.target.closest('tr[data-pool]');
  if (row) { selected = row.dataset.pool; refresh(); }
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
