/**
 * The dashboard: one self-contained page (no network but its own API) that lists pools with
 * desired/ready/bounds and the last decision's reasons, charts load and capacity from the
 * decision history, and offers manual scale and pause/resume. It calls the same API routes as
 * the CLI, relative to where it is served, so it works behind the local server or the API.
 */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>poolscale</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2733; background: #f6f7f9; }
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
</style>
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
  <div class="legend"><span><i style="background:#1f6feb"></i>desired</span><span><i style="background:#2da44e"></i>ready</span><span id="load-legend"></span></div>
  <svg id="chart" width="1100" height="260" viewBox="0 0 1100 260" role="img" aria-label="load and capacity over time"></svg>
  <form id="scale-form">
    Scale to <input id="scale-desired" type="number" min="0" required style="width:5em">
    because <input id="scale-reason" type="text" required placeholder="reason" style="width:20em">
    for <input id="scale-minutes" type="number" min="1" placeholder="∞" style="width:4em"> min
    <button type="submit" id="scale-submit">Scale</button>
  </form>
  <div>Last decision:</div>
  <ol class="reasons" id="reasons"></ol>
</section>
<script>
const base = location.pathname.replace(/\\/dashboard\\/?$/, '');
let selected = null;
const LOAD_COLOURS = ['#cf222e', '#8250df', '#bf8700', '#1b7c83'];

async function api(path, init) {
  const response = await fetch(base + path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const problems = (body.problems || []).map((p) => p.path + ': ' + p.message).join('; ');
    throw new Error((body.message || body.error || response.status) + (problems ? ' — ' + problems : ''));
  }
  return body;
}
const say = (text) => { document.getElementById('message').textContent = text || ''; };
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

async function refresh() {
  try {
    const { pools } = await api('/pools');
    const body = document.querySelector('#pools tbody');
    body.innerHTML = pools.map((p) => {
      const last = p.lastAction;
      const state = p.paused ? '<span class="badge">paused</span>' : p.manual ? '<span class="badge">manual ' + p.manual.desired + '</span>' : p.dryRun ? '<span class="badge">dry-run</span>' : 'auto';
      return '<tr data-pool="' + esc(p.id) + '"' + (p.id === selected ? ' class="selected"' : '') + '>' +
        '<td>' + esc(p.id) + '</td><td>' + esc(p.target) + '</td>' +
        '<td class="num desired">' + esc(p.desired ?? '–') + '</td><td class="num">' + esc(p.ready ?? '–') + '</td>' +
        '<td class="num">' + p.min + '..' + p.max + '</td><td>' + state + '</td>' +
        '<td>' + (last ? '<span class="action-' + last.action + '">' + last.action + '</span> ' + esc(last.summary) : '–') + '</td>' +
        '<td><button data-act="' + (p.paused ? 'resume' : 'pause') + '" data-id="' + esc(p.id) + '">' + (p.paused ? 'Resume' : 'Pause') + '</button></td></tr>';
    }).join('');
    if (!selected && pools[0]) selected = pools[0].id;
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
  document.getElementById('reasons').innerHTML = last ? last.reasons.map((r) => '<li>' + esc(r.message) + ' <small>(' + esc(r.code) + ')</small></li>').join('') : '<li>no decision yet</li>';
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
  out += '<text x="4" y="' + (T + 10) + '" font-size="11">' + capMax + '</text><text x="4" y="' + (H - B) + '" font-size="11">0</text>';
  names.forEach((name, i) => {
    const values = points.filter((p) => p.observed && name in p.observed);
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
  document.getElementById('load-legend').innerHTML = names.map((n, i) => '<span><i style="background:' + LOAD_COLOURS[i] + '"></i>' + esc(n) + ' (dashed, right scale)</span>').join('');
}

document.querySelector('#pools tbody').addEventListener('click', async (event) => {
  const button = event.target.closest('button');
  if (button) {
    event.stopPropagation();
    try {
      await api('/pools/' + encodeURIComponent(button.dataset.id) + '/' + button.dataset.act, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(button.dataset.act === 'pause' ? { reason: 'paused from the dashboard' } : {}) });
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
</script>
</body>
</html>`;
}
