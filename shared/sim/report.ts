/**
 * Self-contained HTML report: inline SVG and CSS only (no scripts, no network), so it can be
 * mailed or attached to a ticket. Long traces are downsampled to about 2000 points, keeping
 * each bucket's maximum so peaks and flash crowds stay visible.
 */
import type { Comparison } from './compare';
import { TABLE_COLUMNS, tableCells } from './compare';
import type { Sweep } from './sweep';
import type { Trace } from './trace';

const POINTS = 2000;
const MARKERS = 1500;
const WIDTH = 1200;
const HEIGHT = 420;
const PAD = { left: 60, right: 20, top: 20, bottom: 40 };
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

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

function polyline(values: ArrayLike<number>, x: (i: number) => number, y: (v: number) => number, colour: string, label: string, dash = ''): string {
  const points = downsample(values)
    .filter((p) => !Number.isNaN(p.value))
    .map((p) => `${x(p.index).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  return `<polyline fill="none" stroke="${colour}" stroke-width="1.2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points}"><title>${escape(label)}</title></polyline>`;
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

const FRONTIER = { width: 720, height: 420 };

/** Worker-hours (x) against under-provisioned time (y), one line per family, each point labelled with its knob. */
export function renderFrontier(sweep: Sweep): string {
  const families = [...new Set(sweep.points.map((p) => p.family))];
  const maxX = Math.max(1e-9, ...sweep.points.map((p) => p.workerHours), sweep.oracleWorkerHours) * 1.05;
  const maxY = Math.max(1, ...sweep.points.map((p) => p.underTimePct)) * 1.05;
  const { width, height } = FRONTIER;
  const x = (v: number) => PAD.left + (v / maxX) * (width - PAD.left - PAD.right);
  const y = (v: number) => height - PAD.bottom - (v / maxY) * (height - PAD.top - PAD.bottom);
  const lines = families
    .map((family, k) => {
      const colour = COLOURS[k % COLOURS.length]!;
      const pts = sweep.points.filter((p) => p.family === family).sort((a, b) => a.workerHours - b.workerHours);
      const poly = `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map((p) => `${x(p.workerHours).toFixed(1)},${y(p.underTimePct).toFixed(1)}`).join(' ')}"><title>${escape(family)}</title></polyline>`;
      const dots = pts
        .map((p) => `<circle cx="${x(p.workerHours).toFixed(1)}" cy="${y(p.underTimePct).toFixed(1)}" r="3" fill="${colour}"><title>${escape(`${family} at ${p.knob}: ${p.workerHours.toFixed(1)} worker-h, ${p.underTimePct.toFixed(2)} % under`)}</title></circle><text x="${(x(p.workerHours) + 4).toFixed(1)}" y="${(y(p.underTimePct) - 4).toFixed(1)}">${p.knob}</text>`)
        .join('');
      return poly + dots;
    })
    .join('\n');
  const oracleLine = `<line x1="${x(sweep.oracleWorkerHours).toFixed(1)}" x2="${x(sweep.oracleWorkerHours).toFixed(1)}" y1="${PAD.top}" y2="${height - PAD.bottom}" stroke="#000" stroke-dasharray="4 3"><title>fair oracle: ${sweep.oracleWorkerHours.toFixed(1)} worker-h</title></line>`;
  const ticks = Array.from({ length: 6 }, (_, k) => {
    const vx = (k / 5) * maxX;
    const vy = (k / 5) * maxY;
    return `<text x="${x(vx).toFixed(1)}" y="${height - 15}" text-anchor="middle">${vx.toFixed(0)}</text><text x="${PAD.left - 6}" y="${y(vy).toFixed(1)}" text-anchor="end">${vy.toFixed(1)}</text>`;
  }).join('');
  const legend = families.map((f, k) => `<span class="key"><span style="background:${COLOURS[k % COLOURS.length]}"></span>${escape(f)}</span>`).join(' ');
  const table = `<table><thead><tr><th>family</th><th>target utilization</th><th>worker-h</th><th>x oracle</th><th>under %</th></tr></thead><tbody>${sweep.points
    .map((p) => `<tr><td>${escape(p.family)}</td><td>${p.knob}</td><td>${p.workerHours.toFixed(1)}</td><td>${p.xOracle.toFixed(3)}</td><td>${p.underTimePct.toFixed(2)}</td></tr>`)
    .join('')}</tbody></table>`;
  return `<section><h2>Frontier of ${escape(sweep.poolId)}: worker-hours vs under-provisioned time (knob: ${escape(sweep.knob)})</h2>
<p>${legend} <span class="key">dashed: fair oracle</span>${sweep.note ? ` (${escape(sweep.note)})` : ''}</p>
<svg viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="frontier">
<rect x="${PAD.left}" y="${PAD.top}" width="${width - PAD.left - PAD.right}" height="${height - PAD.top - PAD.bottom}" fill="#fafafa" stroke="#ccc"/>
${oracleLine}${lines}${ticks}
<text x="${(width / 2).toFixed(0)}" y="${height - 2}" text-anchor="middle">worker-hours</text>
<text x="12" y="${PAD.top + 10}">under %</text>
</svg>
${table}
</section>`;
}

export function renderReport(input: ReportInput): string {
  const { trace } = input;
  const sections = input.comparisons.map((comparison) => {
    const rows = trace.rows;
    let top = 1;
    for (const v of comparison.demand) if (!Number.isNaN(v)) top = Math.max(top, v);
    for (const row of comparison.rows) for (const v of row.supply) top = Math.max(top, v);
    top *= 1.05;
    const x = (i: number) => PAD.left + (i / Math.max(1, rows - 1)) * (WIDTH - PAD.left - PAD.right);
    const y = (v: number) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);
    const hours = (trace.endSeconds - trace.t[0]!) / 3600;
    const ticks = Array.from({ length: 6 }, (_, k) => {
      const i = Math.round((k / 5) * (rows - 1));
      const label = hours > 48 ? `${((trace.t[i]! - trace.t[0]!) / 86400).toFixed(1)} d` : `${((trace.t[i]! - trace.t[0]!) / 3600).toFixed(1)} h`;
      const value = (k / 5) * top;
      return `<text x="${x(i).toFixed(1)}" y="${HEIGHT - 15}" text-anchor="middle">${label}</text><text x="${PAD.left - 6}" y="${y(value).toFixed(1)}" text-anchor="end">${value.toFixed(0)}</text>`;
    }).join('');
    const lines = [
      polyline(comparison.demand, x, y, '#000000', 'demand (workers)', '4 3'),
      ...comparison.rows.map((row, k) => polyline(row.supply, x, y, COLOURS[k % COLOURS.length]!, `${row.name}: serving workers`)),
    ];
    // Load (arrivals or the busy column) on its own scale, faint, behind the lines.
    const loadColumn = trace.columns.arrivals ?? trace.columns.busy ?? trace.columns.utilization ?? trace.columns.cpu;
    let load = '';
    if (loadColumn) {
      let loadTop = 0;
      for (const v of loadColumn) if (!Number.isNaN(v)) loadTop = Math.max(loadTop, v);
      if (loadTop > 0) {
        const yLoad = (v: number) => HEIGHT - PAD.bottom - (v / (loadTop * 1.05)) * (HEIGHT - PAD.top - PAD.bottom);
        load = polyline(loadColumn, x, yLoad, '#bbbbbb', `load (${trace.columns.arrivals ? 'arrivals per row' : 'replayed metric'}, own scale, max ${loadTop})`);
      }
    }
    const run = comparison.rows[0]?.run;
    const events = (run?.timeline ?? []).filter((e) => e.action !== 'none');
    // Every event up to MARKERS, else an even sample of them, so a month stays readable.
    const stride = Math.max(1, Math.ceil(events.length / MARKERS));
    const markers = events
      .filter((_, k) => k % stride === 0)
      .map((e) => {
        const i = Math.min(rows - 1, Math.max(0, Math.round(((e.t) / Math.max(1, trace.endSeconds - trace.t[0]!)) * rows)));
        return `<circle cx="${x(i).toFixed(1)}" cy="${y(e.desired).toFixed(1)}" r="2.5" fill="${COLOURS[0]}"><title>t=${e.t}s ${e.action} -> ${e.desired}: ${escape(e.reasons.map((r) => r.message).join('; '))}</title></circle>`;
      })
      .join('');
    const legend = [{ name: 'demand', colour: '#000000' }, { name: 'load', colour: '#bbbbbb' }, ...comparison.rows.map((row, k) => ({ name: row.name, colour: COLOURS[k % COLOURS.length]! }))]
      .map((item) => `<span class="key"><span style="background:${item.colour}"></span>${escape(item.name)}</span>`)
      .join(' ');
    const table = `<table><thead><tr>${TABLE_COLUMNS.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>${comparison.rows
      .map((row) => `<tr>${tableCells(row).map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
    const eventRows = events
      .slice(0, 500)
      .map((e) => `<tr><td>${e.t}</td><td>${escape(e.action)}</td><td>${e.desired}</td><td>${e.ready}</td><td>${escape(e.reasons.map((r) => r.message).join('; '))}</td></tr>`)
      .join('');
    return `<section><h2>Pool ${escape(comparison.poolId)}</h2>
<p>${legend}</p>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="capacity over time">
<rect x="${PAD.left}" y="${PAD.top}" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.top - PAD.bottom}" fill="#fafafa" stroke="#ccc"/>
${load}${lines.join('\n')}${markers}${ticks}
</svg>
${table}
<h3>Scale events of ${escape(comparison.poolId)} (${events.length}${events.length > 500 ? ', first 500 shown' : ''})</h3>
<table><thead><tr><th>t (s)</th><th>action</th><th>desired</th><th>ready</th><th>reasons</th></tr></thead><tbody>${eventRows}</tbody></table>
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child,td:nth-child(5):last-child{text-align:left}svg text{font-size:11px;fill:#555}
.key{margin-right:1em}.key span{display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle}
</style></head><body>
<h1>${escape(input.title)}</h1>
<p>${escape(input.settings)}</p>
${sections.join('\n')}
${(input.sweeps ?? []).map(renderFrontier).join('\n')}
</body></html>
`;
}
