/**
 * Self-contained HTML report: inline SVG, CSS and one inline script, no network (no CDN, no
 * fonts, no links), so it can be mailed or attached to a ticket and opened offline.
 *
 * Each pool's chart is drawn on the server over the whole trace (readable without scripts) and
 * carries its data; the inline script adds a time window (buttons 10m/1h/6h/1d/1w/all as the
 * trace allows, a slider and dragging to pan) and redraws the window at full resolution. Long
 * ranges are downsampled to about 1200-2000 points, keeping each bucket's maximum so peaks and
 * flash crowds stay visible. Colours: the Okabe-Ito colour-blind-safe palette, and dash patterns
 * besides, so no two series rely on hue alone. The tables and the "Metrics" section come from
 * shared/sim/legend.ts (the same definitions as `simulate --explain`).
 */
import type { Comparison } from './compare';
import { COMPARISON_HEADERS, LEGEND_SOURCE, METRIC_DEFINITIONS, ROW_DEFINITIONS, SWEEP_HEADERS, comparisonCells, humanDuration, humanNumber, oracleNote, shownRows, sweepCells, tableContext } from './legend';
import type { Sweep } from './sweep';
import type { Trace } from './trace';

const POINTS = 2000;
const MARKERS = 1500;
const WIDTH = 1200;
const HEIGHT = 420;
const PAD = { left: 76, right: 36, top: 24, bottom: 40 };

/** One series' look: colour and dash pattern. */
export interface SeriesStyle {
  colour: string;
  dash: string;
  width: number;
}

/**
 * Okabe & Ito's palette (colour-blind safe), one colour per series, plus a dash pattern so a
 * reader who cannot tell two hues apart still can. The policy is vermillion and solid.
 */
export const SERIES_STYLES: Record<string, SeriesStyle> = {
  policy: { colour: '#D55E00', dash: '', width: 1.8 },
  hpa: { colour: '#0072B2', dash: '', width: 1.3 },
  'target-tracking': { colour: '#009E73', dash: '8 3', width: 1.3 },
  'static-peak': { colour: '#CC79A7', dash: '2 2', width: 1.3 },
  oracle: { colour: '#E69F00', dash: '6 2 2 2', width: 1.3 },
  'oracle-no-startup': { colour: '#56B4E9', dash: '1 3', width: 1.3 },
  demand: { colour: '#000000', dash: '4 3', width: 1.2 },
  load: { colour: '#999999', dash: '', width: 1 },
};

/** The style of a comparison row: the first row is the pool's policy. */
export function styleOf(name: string, index: number): SeriesStyle {
  if (index === 0) return SERIES_STYLES.policy!;
  return SERIES_STYLES[name] ?? SERIES_STYLES.policy!;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Bucket maxima: at most `points` values, each the largest of its bucket. */
export function downsample(values: ArrayLike<number>, points = POINTS): { index: number; value: number }[] {
  const n = values.length;
  const bucket = Math.max(1, Math.ceil(n / points));
  const out: { index: number; value: number }[] = [];
  for (let start = 0; start < n; start += bucket) {
    let best = Number.NaN;
    for (let i = start; i < Math.min(n, start + bucket); i += 1) {
      const v = values[i]!;
      if (!Number.isNaN(v) && (Number.isNaN(best) || v > best)) best = v;
    }
    out.push({ index: start, value: best });
  }
  return out;
}

function polyline(values: ArrayLike<number>, x: (i: number) => number, y: (v: number) => number, style: SeriesStyle, label: string, key: string): string {
  const points = downsample(values)
    .filter((p) => !Number.isNaN(p.value))
    .map((p) => `${x(p.index).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  return `<polyline data-series="${escape(key)}" fill="none" stroke="${style.colour}" stroke-width="${style.width}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} points="${points}"><title>${escape(label)}</title></polyline>`;
}

/** A legend key: a short line in the series' colour and dash pattern, then its name. */
function key(name: string, style: SeriesStyle, note = ''): string {
  return `<span class="key" data-key="${escape(name)}"><svg width="28" height="8" aria-hidden="true"><line x1="0" y1="4" x2="28" y2="4" stroke="${style.colour}" stroke-width="${Math.max(2, style.width)}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/></svg>${escape(name)}${note ? ` <small>${escape(note)}</small>` : ''}</span>`;
}

export interface ReportInput {
  title: string;
  trace: Trace;
  comparisons: Comparison[];
  /** Command line and settings shown under the title. */
  settings: string;
  /** Frontiers from `--sweep`, drawn after the comparisons. */
  sweeps?: Sweep[];
}

const FRONTIER = { width: 760, height: 440 };
const FRONTIER_PAD = { left: 70, right: 30, top: 20, bottom: 50 };

/** Worker-hours (x) against under-provisioned time (y), one line per family, each point labelled with its knob. */
export function renderFrontier(sweep: Sweep, trace?: Trace): string {
  const context = trace ? tableContext(trace) : { noOracle: false, noDemand: false };
  const families = [...new Set(sweep.points.map((p) => p.family))];
  const styleOfFamily = (family: string) => SERIES_STYLES[family] ?? SERIES_STYLES.policy!;
  const oracleHours = context.noOracle ? 0 : sweep.oracleWorkerHours;
  const hours = [...sweep.points.map((p) => p.workerHours), ...(context.noOracle ? [] : [oracleHours])];
  const xAxis = niceRange(Math.min(...hours) * 0.95, Math.max(1e-9, ...hours) * 1.03);
  const yAxis = niceRange(0, Math.max(1, ...sweep.points.map((p) => p.underTimePct)) * 1.08);
  const { width, height } = FRONTIER;
  const P = FRONTIER_PAD;
  const x = (v: number) => P.left + ((v - xAxis.from) / (xAxis.to - xAxis.from)) * (width - P.left - P.right);
  const y = (v: number) => height - P.bottom - ((v - yAxis.from) / (yAxis.to - yAxis.from)) * (height - P.top - P.bottom);
  const lines = families
    .map((family) => {
      const style = styleOfFamily(family);
      const pts = sweep.points.filter((p) => p.family === family).sort((a, b) => a.workerHours - b.workerHours);
      const poly = `<polyline fill="none" stroke="${style.colour}" stroke-width="2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} points="${pts.map((p) => `${x(p.workerHours).toFixed(1)},${y(p.underTimePct).toFixed(1)}`).join(' ')}"><title>${escape(family)}</title></polyline>`;
      const dots = pts
        .map(
          (p) =>
            `<circle cx="${x(p.workerHours).toFixed(1)}" cy="${y(p.underTimePct).toFixed(1)}" r="3.5" fill="${style.colour}"><title>${escape(`${family} at target utilization ${p.knob}: ${humanNumber(p.workerHours)} worker-h, ${humanNumber(p.underTimePct)} % under-provisioned`)}</title></circle><text class="knob" x="${(x(p.workerHours) + 5).toFixed(1)}" y="${(y(p.underTimePct) - 5).toFixed(1)}" fill="${style.colour}">${p.knob}</text>`,
        )
        .join('');
      return poly + dots;
    })
    .join('\n');
  const oracleLine = context.noOracle
    ? ''
    : `<line x1="${x(oracleHours).toFixed(1)}" x2="${x(oracleHours).toFixed(1)}" y1="${P.top}" y2="${height - P.bottom}" stroke="#000" stroke-width="1.2" stroke-dasharray="4 3"><title>fair oracle: ${humanNumber(oracleHours)} worker-h</title></line><text x="${(x(oracleHours) + 4).toFixed(1)}" y="${height - P.bottom - 6}">fair oracle ${humanNumber(oracleHours)} worker-h</text>`;
  const ticks = [
    ...xAxis.ticks.map((v) => `<text x="${x(v).toFixed(1)}" y="${height - P.bottom + 16}" text-anchor="middle">${valueLabel(v)}</text>`),
    ...yAxis.ticks.map((v) => `<text x="${P.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${valueLabel(v)}</text>`),
  ].join('');
  const legend = [...families.map((f) => key(f, styleOfFamily(f))), context.noOracle ? '' : key('fair oracle', { colour: '#000000', dash: '4 3', width: 1.2 })].join(' ');
  const table = `<div class="scroll"><table><thead><tr>${SWEEP_HEADERS.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${sweep.points
    .map((p) => `<tr>${sweepCells(p, context).map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
  return `<section class="frontier"><h2>Frontier of ${escape(sweep.poolId)}: worker-hours vs under-provisioned time</h2>
<p>Each family runs over its knob (${escape(sweep.knob)}, the number beside each point); lower and further left is better: less under-provisioned time for the same cost.${sweep.note ? ` ${escape(sweep.note)}.` : ''}</p>
<p class="legend">${legend}</p>
<svg class="frontier-plot" viewBox="0 0 ${width} ${height}" role="img" aria-label="frontier of ${escape(sweep.poolId)}">
<rect x="${P.left}" y="${P.top}" width="${width - P.left - P.right}" height="${height - P.top - P.bottom}" fill="#fafafa" stroke="#ccc"/>
${oracleLine}${lines}${ticks}
<text class="axis" x="${((width + P.left) / 2).toFixed(0)}" y="${height - 8}" text-anchor="middle">worker-hours</text>
<text class="axis" transform="translate(16 ${((height - P.bottom + P.top) / 2).toFixed(0)}) rotate(-90)" text-anchor="middle">under-provisioned time (%)</text>
</svg>
${table}
</section>`;
}

/** Rounds for the embedded data (the chart cannot show more). */
const compact = (values: ArrayLike<number>, digits = 2): (number | null)[] => Array.from(values, (v) => (Number.isNaN(v) ? null : Number(v.toFixed(digits))));

/** Candidate windows of the time control; those shorter than the trace are offered, plus "all". */
export const WINDOWS: readonly { label: string; seconds: number }[] = [
  { label: '10m', seconds: 600 },
  { label: '1h', seconds: 3600 },
  { label: '6h', seconds: 6 * 3600 },
  { label: '1d', seconds: 86400 },
  { label: '1w', seconds: 7 * 86400 },
];

const tickLabel = (seconds: number) => humanDuration(seconds);

/** Round steps for time ticks (seconds): the smallest giving at most 6 intervals. (Mirrored in SCRIPT.) */
export const TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 345600, 604800, 1209600, 2419200];

export function timeTicks(from: number, to: number): number[] {
  const span = to - from;
  const step = TIME_STEPS.find((s) => span / s <= 6) ?? Math.ceil(span / 6);
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** A step of 1, 2 or 5 x 10^k giving at most 6 intervals over `span`. (Mirrored in SCRIPT.) */
function niceStep(span: number): number {
  const power = 10 ** Math.floor(Math.log10(span / 6));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => span / s <= 6)!;
}

/** 0, step, 2 step, ... up to `top`. */
export function valueTicks(top: number): number[] {
  const step = niceStep(top);
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** An axis from `from` to `to` widened to whole steps, with its ticks. */
export function niceRange(from: number, to: number): { from: number; to: number; ticks: number[] } {
  let step = niceStep(Math.max(1e-9, to - from));
  let lo = Math.floor(from / step) * step;
  let hi = Math.ceil(to / step) * step;
  if ((hi - lo) / step > 6) {
    step = niceStep(hi - lo);
    lo = Math.floor(from / step) * step;
    hi = Math.ceil(to / step) * step;
  }
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { from: lo, to: hi, ticks };
}

function valueLabel(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
}

function renderPool(comparison: Comparison, trace: Trace, index: number): string {
  const rows = trace.rows;
  const t0 = trace.t[0]!;
  const end = trace.endSeconds;
  const span = Math.max(1, end - t0);
  const context = tableContext(trace, comparison.demand);
  const note = oracleNote(trace, comparison.demand);
  const shown = shownRows(comparison, context);
  let top = 1;
  if (!context.noDemand) for (const v of comparison.demand) if (!Number.isNaN(v)) top = Math.max(top, v);
  for (const row of shown) for (const v of row.supply) top = Math.max(top, v);
  top *= 1.05;
  const x = (i: number) => PAD.left + ((trace.t[i]! - t0) / span) * (WIDTH - PAD.left - PAD.right);
  const xt = (t: number) => PAD.left + ((t - t0) / span) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [
    ...timeTicks(0, span).map((t) => `<text class="xtick" x="${xt(t0 + t).toFixed(1)}" y="${HEIGHT - 12}" text-anchor="middle">${tickLabel(t)}</text>`),
    ...valueTicks(top).map((v) => `<text class="ytick" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${valueLabel(v)}</text>`),
  ].join('');
  const series: { key: string; name: string; style: SeriesStyle; values: ArrayLike<number>; ownScale?: boolean }[] = [];
  // Load (arrivals or the busy column) on its own scale, faint, behind the lines.
  const loadColumn = trace.columns.arrivals ?? trace.columns.busy ?? trace.columns.utilization ?? trace.columns.cpu;
  let loadTop = 0;
  if (loadColumn) for (const v of loadColumn) if (!Number.isNaN(v)) loadTop = Math.max(loadTop, v);
  const loadName = trace.columns.arrivals ? 'arrivals per row' : trace.columns.busy ? 'busy' : trace.columns.utilization ? 'utilization' : 'cpu';
  if (loadColumn && loadTop > 0) series.push({ key: 'load', name: `load (${loadName})`, style: SERIES_STYLES.load!, values: loadColumn, ownScale: true });
  if (!context.noDemand) series.push({ key: 'demand', name: 'demand', style: SERIES_STYLES.demand!, values: comparison.demand });
  shown.forEach((row, k) => series.push({ key: row.name, name: row.name, style: styleOf(row.name, k), values: row.supply }));
  const yLoad = (v: number) => HEIGHT - PAD.bottom - (v / (loadTop * 1.05)) * (HEIGHT - PAD.top - PAD.bottom);
  const lines = series.map((s) => polyline(s.values, x, s.ownScale ? yLoad : y, s.style, s.ownScale ? `${s.name}, scaled to its own maximum ${humanNumber(loadTop)}` : `${s.name}: ${s.key === 'demand' ? 'workers needed' : 'serving workers'}`, s.key));
  const run = comparison.rows[0]?.run;
  const events = (run?.timeline ?? []).filter((e) => e.action !== 'none');
  // Every event up to MARKERS, else an even sample of them, so a month stays readable. Their
  // reasons (long) are in the data only: the script draws the markers with them as tooltips.
  const stride = Math.max(1, Math.ceil(events.length / MARKERS));
  const policyColour = SERIES_STYLES.policy!.colour;
  const reasonText = (e: (typeof events)[number]) => `${humanDuration(e.t)}: ${e.action} -> ${e.desired}: ${e.reasons.map((r) => r.message).join('; ')}`;
  const markers = events
    .filter((_, k) => k % stride === 0)
    .map((e) => `<circle cx="${xt(t0 + e.t).toFixed(1)}" cy="${y(e.desired).toFixed(1)}" r="2.5" fill="${policyColour}"/>`)
    .join('');
  const legend = [
    ...series.map((s) => key(s.name, s.style, s.ownScale ? `own scale, max ${humanNumber(loadTop)}` : s.key === 'demand' ? 'workers needed' : '')),
    events.length ? `<span class="key"><svg width="10" height="8" aria-hidden="true"><circle cx="5" cy="4" r="3" fill="${policyColour}"/></svg>scale events of ${escape(comparison.poolId)} (desired count)</span>` : '',
  ].join(' ');
  const headers = COMPARISON_HEADERS.map((h) => {
    const definition = [...METRIC_DEFINITIONS, ...ROW_DEFINITIONS].find((d) => d.name === h || (h === 'policy' && d.name === '<pool id>'));
    return `<th${definition ? ` title="${escape(definition.definition)}"` : ''}>${escape(h)}</th>`;
  }).join('');
  const table = `<div class="scroll"><table class="comparison"><thead><tr>${headers}</tr></thead><tbody>${shown
    .map((row) => `<tr>${comparisonCells(row, context).map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
  const eventRows = events
    .slice(0, 500)
    .map((e) => `<tr><td>${escape(humanDuration(e.t))}</td><td>${escape(e.action)}</td><td>${e.desired}</td><td>${e.ready}</td><td class="reason">${escape(e.reasons.map((r) => r.message).join('; '))}</td></tr>`)
    .join('');
  const id = `chart${index}`;
  const windows = WINDOWS.filter((w) => w.seconds < span);
  const control = `<div class="window" data-chart="${id}" role="group" aria-label="time window">
<span>Window:</span>${windows.map((w) => `<button type="button" data-span="${w.seconds}">${w.label}</button>`).join('')}<button type="button" data-span="all" aria-pressed="true">all</button>
<input type="range" min="0" max="1000" value="0" aria-label="pan the window" disabled>
<output>${escape(`${tickLabel(0)} to ${tickLabel(span)}`)}</output>
</div>`;
  const data = {
    t0,
    end,
    t: compact(trace.t, 0),
    top,
    loadTop: loadTop * 1.05,
    series: series.map((s) => ({ key: s.key, own: s.ownScale === true, values: compact(s.values) })),
    events: events.map((e) => ({ t: e.t, d: e.desired, text: reasonText(e) })),
  };
  return `<section class="pool"><h2>Pool ${escape(comparison.poolId)}</h2>
${note ? `<p class="note">${escape(note)}</p>` : ''}
<p class="legend">${legend}</p>
${control}
<svg id="${id}" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="serving workers and demand over time">
<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.top - PAD.bottom}" fill="#fafafa" stroke="#ccc"/>
<clipPath id="${id}-clip"><rect x="${PAD.left}" y="0" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.bottom}"/></clipPath>
<g class="lines" clip-path="url(#${id}-clip)">${lines.join('\n')}</g><g class="markers" clip-path="url(#${id}-clip)">${markers}</g><g class="ticks">${ticks}</g>
<text class="axis" x="12" y="${PAD.top - 6}">workers</text>
</svg>
<script type="application/json" id="${id}-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
${table}
<p class="hint">Hover a column heading for its definition, or see <a href="#metrics">Metrics</a>.</p>
<h3>Scale events of ${escape(comparison.poolId)} (${events.length}${events.length > 500 ? ', first 500 shown' : ''})</h3>
<div class="scroll"><table class="events"><thead><tr><th>at</th><th>action</th><th>desired</th><th>ready</th><th>reasons</th></tr></thead><tbody>${eventRows}</tbody></table></div>
</section>`;
}

/** The "Metrics" section: the same definitions as `simulate --explain`. */
export function renderMetrics(): string {
  const list = (items: readonly { name: string; definition: string }[]) => items.map((d) => `<dt>${escape(d.name)}</dt><dd>${escape(d.definition)}</dd>`).join('\n');
  return `<section id="metrics"><h2>Metrics</h2>
<h3>Rows</h3>
<dl>${list(ROW_DEFINITIONS)}</dl>
<h3>Columns and figures</h3>
<dl>${list(METRIC_DEFINITIONS)}</dl>
<p>${escape(LEGEND_SOURCE)}</p>
</section>`;
}

/**
 * The time window: redraws each chart between two times at full resolution (bucket maxima over
 * at most ~1200 points), with ticks and scale events for that range. Plain ES2017, no modules.
 */
const SCRIPT = `(function () {
  var L = ${PAD.left}, R = ${PAD.right}, T = ${PAD.top}, B = ${PAD.bottom}, MARKERS = ${MARKERS};
  function dur(s) {
    s = Math.round(s);
    if (s < 60) return s + 's';
    function pair(a, ua, b, ub) { return b ? a + ua + ' ' + b + ub : a + ua; }
    if (s < 3600) return pair(Math.floor(s / 60), 'm', s % 60, 's');
    var m = Math.round(s / 60);
    if (m < 1440) return pair(Math.floor(m / 60), 'h', m % 60, 'm');
    var h = Math.round(s / 3600);
    return pair(Math.floor(h / 24), 'd', h % 24, 'h');
  }
  var TIME_STEPS = ${JSON.stringify(TIME_STEPS)};
  function lower(t, v) { var lo = 0, hi = t.length; while (lo < hi) { var mid = (lo + hi) >> 1; if (t[mid] < v) lo = mid + 1; else hi = mid; } return lo; }
  function setup(control) {
    var svg = document.getElementById(control.getAttribute('data-chart'));
    var data = JSON.parse(document.getElementById(svg.id + '-data').textContent);
    var t = data.t, total = data.end - data.t0, span = total, start = data.t0;
    var slider = control.querySelector('input'), output = control.querySelector('output');
    var lines = svg.querySelectorAll('g.lines polyline'), markers = svg.querySelector('g.markers'), ticks = svg.querySelector('g.ticks');
    var NS = svg.namespaceURI;
    var plot = svg.querySelector('rect.plot'), clip = svg.querySelector('clipPath rect');
    function draw() {
      // Drawn in CSS pixels at the chart's own width, so text stays legible from 360 px up.
      var W = Math.max(300, Math.round(svg.getBoundingClientRect().width) || ${WIDTH});
      var H = Math.round(Math.max(260, Math.min(${HEIGHT}, W * 0.35))), POINTS = Math.min(1200, W * 2);
      svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
      plot.setAttribute('width', W - L - R); plot.setAttribute('height', H - T - B);
      clip.setAttribute('width', W - L - R); clip.setAttribute('height', H - B);
      var a = start, b = start + span, pw = W - L - R, ph = H - T - B;
      var i0 = Math.max(0, lower(t, a) - 1), i1 = Math.min(t.length, lower(t, b) + 1);
      var x = function (v) { return L + ((v - a) / span) * pw; };
      var top = 1;
      data.series.forEach(function (s) { if (s.own) return; for (var i = i0; i < i1; i++) { var v = s.values[i]; if (v !== null && v > top) top = v; } });
      data.events.forEach(function (e) { var et = data.t0 + e.t; if (et >= a && et <= b && e.d > top) top = e.d; });
      top *= 1.05;
      var bucket = Math.max(1, Math.ceil((i1 - i0) / POINTS));
      data.series.forEach(function (s, k) {
        var scale = s.own ? data.loadTop : top, pts = [];
        for (var j = i0; j < i1; j += bucket) {
          var best = null;
          for (var i = j; i < Math.min(i1, j + bucket); i++) { var v = s.values[i]; if (v !== null && (best === null || v > best)) best = v; }
          if (best !== null) pts.push(x(t[j]).toFixed(1) + ',' + (H - B - (best / scale) * ph).toFixed(1));
        }
        lines[k].setAttribute('points', pts.join(' '));
      });
      var shown = data.events.filter(function (e) { var et = data.t0 + e.t; return et >= a && et <= b; });
      var stride = Math.max(1, Math.ceil(shown.length / MARKERS));
      markers.textContent = '';
      shown.forEach(function (e, k) {
        if (k % stride) return;
        var c = document.createElementNS(NS, 'circle');
        c.setAttribute('cx', x(data.t0 + e.t).toFixed(1)); c.setAttribute('cy', (H - B - (e.d / top) * ph).toFixed(1)); c.setAttribute('r', '2.5');
        c.setAttribute('fill', '${SERIES_STYLES.policy!.colour}');
        var title = document.createElementNS(NS, 'title'); title.textContent = e.text; c.appendChild(title);
        markers.appendChild(c);
      });
      ticks.textContent = '';
      function text(cls, tx, ty, anchor, label) {
        var el = document.createElementNS(NS, 'text');
        el.setAttribute('class', cls); el.setAttribute('x', tx.toFixed(1)); el.setAttribute('y', ty.toFixed(1)); el.setAttribute('text-anchor', anchor);
        el.textContent = label; ticks.appendChild(el);
      }
      var from = a - data.t0, to = b - data.t0, step = 0;
      for (var q = 0; q < TIME_STEPS.length && !step; q++) if ((to - from) / TIME_STEPS[q] <= 6) step = TIME_STEPS[q];
      if (!step) step = Math.ceil((to - from) / 6);
      for (var tt = Math.ceil(from / step) * step; tt <= to + 1e-9; tt += step) text('xtick', x(data.t0 + tt), H - 12, 'middle', dur(tt));
      var power = Math.pow(10, Math.floor(Math.log10(top / 6))), vstep = 0;
      [1, 2, 5, 10].forEach(function (m) { if (!vstep && top / (m * power) <= 6) vstep = m * power; });
      for (var v = 0; v <= top + 1e-9; v += vstep) { var rv = Number(v.toPrecision(12)); text('ytick', L - 6, H - B - (rv / top) * ph + 4, 'end', Number.isInteger(rv) ? rv.toLocaleString('en-US') : String(rv)); }
      output.textContent = dur(a - data.t0) + ' to ' + dur(b - data.t0);
      slider.disabled = span >= total;
      slider.value = span >= total ? 0 : Math.round(((start - data.t0) / (total - span)) * 1000);
    }
    function pan(to) { start = Math.max(data.t0, Math.min(data.end - span, to)); draw(); }
    control.querySelectorAll('button').forEach(function (button) {
      button.addEventListener('click', function () {
        var s = button.getAttribute('data-span');
        var centre = start + span / 2;
        span = s === 'all' ? total : Math.min(total, Number(s));
        control.querySelectorAll('button').forEach(function (other) { other.setAttribute('aria-pressed', String(other === button)); });
        pan(centre - span / 2);
      });
    });
    slider.addEventListener('input', function () { pan(data.t0 + (Number(slider.value) / 1000) * (total - span)); });
    var drag = null;
    svg.addEventListener('pointerdown', function (e) { if (span < total) { drag = { x: e.clientX, start: start }; svg.setPointerCapture(e.pointerId); } });
    svg.addEventListener('pointermove', function (e) {
      if (!drag) return;
      var px = svg.getBoundingClientRect().width - L - R;
      pan(drag.start - ((e.clientX - drag.x) / px) * span);
    });
    svg.addEventListener('pointerup', function () { drag = null; });
    svg.addEventListener('pointercancel', function () { drag = null; });
    draw();
    return draw;
  }
  var charts = [];
  document.querySelectorAll('.window[data-chart]').forEach(function (control) { charts.push(setup(control)); });
  var pending = 0;
  window.addEventListener('resize', function () { clearTimeout(pending); pending = setTimeout(function () { charts.forEach(function (draw) { draw(); }); }, 100); });
})();`;

export function renderReport(input: ReportInput): string {
  const { trace } = input;
  const sections = input.comparisons.map((comparison, k) => renderPool(comparison, trace, k));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(input.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em auto;padding:0 1em;color:#222;max-width:1240px}
h1{font-size:1.4em;overflow-wrap:anywhere}p{overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}th[title]{cursor:help;text-decoration:underline dotted}
td.reason{text-align:left;white-space:normal;min-width:20em}
svg.chart,svg.frontier-plot{width:100%;height:auto;display:block;touch-action:pan-y}svg.frontier-plot{max-width:760px}
svg text{font-size:11px;fill:#555}@media (max-width:700px){svg.frontier-plot text{font-size:20px}}svg text.axis{font-size:12px;fill:#222}svg text.knob{font-size:10px}
.legend{display:flex;flex-wrap:wrap;gap:.3em 1.2em}.key{white-space:nowrap}.key svg{vertical-align:middle;margin-right:4px}
.window{display:flex;flex-wrap:wrap;align-items:center;gap:.4em;margin:.5em 0}
.window button{font:inherit;padding:2px 10px;border:1px solid #888;background:#fff;border-radius:3px;cursor:pointer}
.window button[aria-pressed="true"]{background:#222;color:#fff}.window input{flex:1 1 12em;min-width:8em}
.note{background:#fff4e5;border-left:4px solid #E69F00;padding:.5em .8em}
dl{display:grid;grid-template-columns:minmax(6em,max-content) 1fr;gap:.3em 1em}dt{font-weight:600}dd{margin:0}
@media (max-width:600px){dl{grid-template-columns:1fr}dd{margin-left:1em}}
</style></head><body>
<h1>${escape(input.title)}</h1>
<p>${escape(input.settings)}</p>
${sections.join('\n')}
${(input.sweeps ?? []).map((s) => renderFrontier(s, trace)).join('\n')}
${renderMetrics()}
<script>${SCRIPT}</script>
</body></html>
`;
}
