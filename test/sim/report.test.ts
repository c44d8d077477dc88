import { describe, expect, it } from 'vitest';
import { loadSimulationConfig } from '../../shared/cli/commands/simulate';
import { compare } from '../../shared/sim/compare';
import { COMPARISON_HEADERS, METRIC_DEFINITIONS, ROW_DEFINITIONS } from '../../shared/sim/legend';
import { downsample, niceRange, renderReport, SERIES_STYLES, timeTicks, valueTicks } from '../../shared/sim/report';
import { sweep } from '../../shared/sim/sweep';
import { parseTrace } from '../../shared/sim/trace';
import type { Trace } from '../../shared/sim/trace';

describe('Function: downsample', () => {
  it('keeps at most the requested points and each bucket maximum', () => {
    // Prepare: a single spike in 40 000 rows must survive.
    const values = new Float64Array(40_000).fill(1);
    values[12_345] = 99;

    // Act
    const points = downsample(values, 2000);

    // Assess
    expect(points.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...points.map((p) => p.value))).toBe(99);
  });

  it('returns short series unchanged', () => {
    // Act / Assess
    expect(downsample([3, 1, 2], 2000).map((p) => p.value)).toEqual([3, 1, 2]);
  });
});

describe('Function: axis ticks', () => {
  it.each([
    { from: 0, to: 172_800, ticks: [0, 43_200, 86_400, 129_600, 172_800] },
    { from: 0, to: 3000, ticks: [0, 600, 1200, 1800, 2400, 3000] },
    { from: 90, to: 400, ticks: [120, 180, 240, 300, 360] },
  ])('time ticks from $from to $to fall on round steps', ({ from, to, ticks }) => {
    expect(timeTicks(from, to)).toEqual(ticks);
  });

  it.each([
    { top: 5250, ticks: [0, 1000, 2000, 3000, 4000, 5000] },
    { top: 1.05, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    { top: 37, ticks: [0, 10, 20, 30] },
  ])('value ticks up to $top: 1, 2 or 5 x 10^k, at most 6 intervals', ({ top, ticks }) => {
    expect(valueTicks(top)).toEqual(ticks);
  });

  it('a range is widened to whole steps around its data', () => {
    expect(niceRange(4210, 8280)).toEqual({ from: 4000, to: 9000, ticks: [4000, 5000, 6000, 7000, 8000, 9000] });
  });
});

// ---------------------------------------------------------------------------------------------

/** sRGB hex -> CIELAB, optionally through a colour-vision-deficiency matrix (Machado et al. 2009, severity 1). */
const CVD = {
  normal: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
} as const;

function lab(hex: string, matrix: readonly (readonly number[])[]): number[] {
  const linear = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const [r, g, b] = matrix.map((row) => Math.min(1, Math.max(0, row[0]! * linear[0]! + row[1]! * linear[1]! + row[2]! * linear[2]!)));
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const X = (0.4124 * r! + 0.3576 * g! + 0.1805 * b!) / 0.95047;
  const Y = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  const Z = (0.0193 * r! + 0.1192 * g! + 0.9505 * b!) / 1.08883;
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
const deltaE = (a: string, b: string, matrix: readonly (readonly number[])[]) => Math.hypot(...lab(a, matrix).map((v, i) => v - lab(b, matrix)[i]!));

/** Two days of one-minute rows: a daily wave and a flash crowd on the second afternoon. */
function twoDayTrace(): Trace {
  const rows = Array.from({ length: 2880 }, (_, i) => {
    const wave = 40 + 30 * Math.sin((2 * Math.PI * i) / 1440);
    const crowd = i >= 2300 && i < 2360 ? 200 : 0;
    return `${i * 60},${Math.round(wave + crowd)}`;
  });
  return parseTrace(`t_seconds,arrivals\n${rows.join('\n')}\n`);
}

const decode = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The report's legend keys: name -> stroke colour and dash pattern. */
function legendKeys(section: string): Map<string, { colour: string; dash: string }> {
  const keys = new Map<string, { colour: string; dash: string }>();
  for (const m of section.matchAll(/<span class="key" data-key="([^"]+)"><svg[^>]*><line [^>]*stroke="(#[0-9A-Fa-f]{6})"[^>]*?(?:stroke-dasharray="([^"]+)")?\/>/g)) keys.set(m[1]!, { colour: m[2]!, dash: m[3] ?? '' });
  return keys;
}

describe('Function: renderReport', () => {
  it('a pool section: legend for every series, distinct colour-blind-safe styles, time window, table, metrics', async () => {
    // Prepare
    const config = await loadSimulationConfig('examples/recommended.yaml');
    const trace = twoDayTrace();
    const comparison = await compare(config, config.pools[0]!, trace, { threads: 0 });

    // Act
    const html = renderReport({ title: 'r', trace, comparisons: [comparison], settings: 's' });

    // Assess: one key per series drawn, each polyline in its key's style.
    const section = html.slice(html.indexOf('<section class="pool">'), html.indexOf('</section>'));
    const keys = legendKeys(section);
    const rows = comparison.rows.map((r) => r.name);
    expect([...keys.keys()]).toEqual(['load (arrivals per row)', 'demand', ...rows]);
    for (const [name, style] of keys) {
      const series = name.startsWith('load') ? 'load' : name;
      const line = new RegExp(`<polyline data-series="${series}" fill="none" stroke="${style.colour}"[^>]*${style.dash ? `stroke-dasharray="${style.dash}"` : 'points'}`);
      expect(section, name).toMatch(line);
    }
    // Colours: all different, far apart for normal vision (CIE76 delta E >= 20); for the two
    // common colour-vision deficiencies, a pair closer than that differs in its dash pattern.
    const styles = [...keys.entries()];
    expect(new Set(styles.map(([, s]) => s.colour.toLowerCase())).size).toBe(styles.length);
    for (let i = 0; i < styles.length; i += 1) {
      for (let j = i + 1; j < styles.length; j += 1) {
        const [a, sa] = styles[i]!;
        const [b, sb] = styles[j]!;
        expect(deltaE(sa.colour, sb.colour, CVD.normal), `${a} vs ${b}`).toBeGreaterThanOrEqual(20);
        for (const matrix of [CVD.deuteranopia, CVD.protanopia]) {
          if (deltaE(sa.colour, sb.colour, matrix) < 20) expect(sa.dash, `${a} vs ${b}: close hues need distinct dashes`).not.toBe(sb.dash);
        }
      }
    }
    // The time window: spans shorter than the trace, then all; its data for the script.
    expect([...section.matchAll(/<button type="button" data-span="([^"]+)"/g)].map((m) => m[1])).toEqual(['600', '3600', '21600', '86400', 'all']);
    const data = JSON.parse(/<script type="application\/json" id="chart0-data">(.*?)<\/script>/s.exec(section)![1]!) as { t: number[]; series: { key: string; values: (number | null)[] }[] };
    expect(data.t).toHaveLength(2880);
    expect(data.series.map((s) => s.key)).toEqual(['load', 'demand', ...rows]);
    // The comparison table: the legend's columns with their definitions as headings' titles.
    const headings = [...section.matchAll(/<th(?: title="([^"]*)")?>([^<]+)<\/th>/g)].slice(0, COMPARISON_HEADERS.length);
    expect(headings.map((h) => decode(h[2]!))).toEqual([...COMPARISON_HEADERS]);
    for (const h of headings) expect(h[1], h[2]).toBeTruthy();
    // Metrics: every definition of the legend.
    const metrics = html.slice(html.indexOf('<section id="metrics">'));
    const terms = [...metrics.matchAll(/<dt>([^<]+)<\/dt>/g)].map((m) => decode(m[1]!));
    expect(terms).toEqual([...ROW_DEFINITIONS, ...METRIC_DEFINITIONS].map((d) => d.name));
    // Offline: one inline script, nothing fetched.
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link|<iframe|@import|https?:\/\//i);
    expect(html).not.toContain('No oracle');
  }, 60_000);

  it('a metric replay without a busy column says why it has no oracle, and leaves the oracle rows out', async () => {
    // Prepare
    const config = await loadSimulationConfig('examples/seeds/003-projects.json');
    const trace = parseTrace(`t_seconds,cpu\n${Array.from({ length: 60 }, (_, i) => `${i * 60},${i < 30 ? 70 : 20}`).join('\n')}\n`);
    const comparison = await compare(config, config.pools[0]!, trace, { threads: 0 });

    // Act
    const html = renderReport({ title: 'r', trace, comparisons: [comparison], settings: 's' });

    // Assess
    expect(html).toMatch(/<p class="note">No oracle: this trace replays cpu as observed/);
    const table = html.slice(html.indexOf('<table class="comparison">'), html.indexOf('</table>'));
    expect(table).not.toMatch(/<td>oracle/);
    expect([...table.matchAll(/<tr><td>[^<]+<\/td><td>[^<]+<\/td><td>([^<]+)<\/td>/g)].map((m) => m[1])).toEqual(['n/a', 'n/a', 'n/a', 'n/a']);
    // A 1-hour trace offers 10m and all only.
    expect([...html.matchAll(/data-span="([^"]+)"/g)].map((m) => m[1])).toEqual(['600', 'all']);
  }, 60_000);

  it('the frontier: labelled axes, a key per family in its comparison colour, the fair oracle line labelled', async () => {
    // Prepare
    const config = await loadSimulationConfig('examples/recommended.yaml');
    const trace = parseTrace(`t_seconds,arrivals\n${Array.from({ length: 240 }, (_, i) => `${i * 60},${20 + (i % 60 < 10 ? 60 : 0)}`).join('\n')}\n`);
    const pool = config.pools[0]!;
    const frontier = await sweep(pool, trace, { threads: 0 });

    // Act
    const html = renderReport({ title: 'r', trace, comparisons: [], settings: 's', sweeps: [frontier] });

    // Assess
    const section = html.slice(html.indexOf('<section class="frontier">'));
    expect(section).toContain('>worker-hours</text>');
    expect(section).toContain('>under-provisioned time (%)</text>');
    const keys = legendKeys(section);
    expect([...keys.keys()]).toEqual([pool.id, 'hpa', 'target-tracking', 'fair oracle']);
    expect(keys.get(pool.id)!.colour).toBe(SERIES_STYLES.policy!.colour);
    expect(keys.get('hpa')!.colour).toBe(SERIES_STYLES.hpa!.colour);
    expect(section).toMatch(/<text [^>]*>fair oracle [\d,.]+ worker-h<\/text>/);
    expect([...section.matchAll(/<circle /g)]).toHaveLength(frontier.points.length);
  }, 60_000);
});
