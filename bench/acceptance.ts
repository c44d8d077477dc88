/**
 * Issue-12 acceptance check and ablation harness:
 *   npx tsx bench/acceptance.ts [config.yaml ...]
 * For each config (default examples/recommended.yaml) and each trace in ../shared/traces (the
 * .gaps file excluded): the policy's worker-hours and under-provisioned time beside HPA-style,
 * target-tracking-style and the fair oracle, and whether the acceptance holds:
 *  - traces of a day or more: worker-hours <= both baselines and under-provisioned time <= half
 *    of each baseline's (or both under 0.1 %);
 *  - 1-hour traces: no worse than HPA-style on both;
 *  - x fair oracle <= 1.3 on the diurnal and web (nasa) traces.
 * With --scaled, also on the larger traffic of bench/scaledTraces.ts (not part of the acceptance:
 * a check that the policy generalises to pools 5-10x the recorded ones; the pool's `max` is
 * raised to 1,000,000 there, and the x-oracle item is not applied).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../shared/config/load';
import { compare } from '../shared/sim/compare';
import type { Comparison } from '../shared/sim/compare';
import { parseTrace } from '../shared/sim/trace';
import type { Trace } from '../shared/sim/trace';
import { scaledTraces } from './scaledTraces';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TRACE_DIR = join(root, '..', 'shared', 'traces');

export function traceFiles(): string[] {
  return readdirSync(TRACE_DIR).filter((f) => f.endsWith('.csv') && !f.endsWith('.gaps.csv')).sort();
}

export interface Verdict {
  trace: string;
  pass: boolean;
  line: string;
}

export function judge(file: string, c: Comparison, options: { xOracle?: boolean } = {}): Verdict {
  const by = Object.fromEntries(c.rows.map((r) => [r.name, r.summary]));
  const p = c.rows[0]!.summary;
  const hpa = by.hpa!;
  const tt = by['target-tracking']!;
  const long = p.hours >= 24;
  let pass: boolean;
  const notes: string[] = [];
  if (long) {
    const cost = p.workerHours <= hpa.workerHours && p.workerHours <= tt.workerHours;
    const under = (p.underTimePct <= hpa.underTimePct / 2 || (p.underTimePct < 0.1 && hpa.underTimePct < 0.1)) && (p.underTimePct <= tt.underTimePct / 2 || (p.underTimePct < 0.1 && tt.underTimePct < 0.1));
    pass = cost && under;
    if (!cost) notes.push('cost');
    if (!under) notes.push('under');
  } else {
    pass = p.workerHours <= hpa.workerHours && p.underTimePct <= hpa.underTimePct;
    if (!pass) notes.push('vs hpa');
  }
  if ((options.xOracle ?? true) && /diurnal|nasa/.test(file) && (p.xOracle ?? Infinity) > 1.3) {
    pass = false;
    notes.push('x oracle');
  }
  const f = (n: number | undefined, d = 1) => (n === undefined ? 'n/a' : n.toFixed(d));
  const line = `| ${file.replace('.csv', '')} | ${f(p.workerHours)} | ${f(p.underTimePct, 2)} | ${f(p.xOracle, 3)} | ${f(hpa.workerHours)} | ${f(hpa.underTimePct, 2)} | ${f(tt.workerHours)} | ${f(tt.underTimePct, 2)} | ${f(by.oracle!.workerHours)} | ${pass ? 'yes' : `no (${notes.join(', ')})`} |`;
  return { trace: file, pass, line };
}

export const HEADER = '| trace | policy worker-h | policy under % | x oracle | HPA worker-h | HPA under % | TT worker-h | TT under % | fair oracle worker-h | acceptance |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const scaled = args.includes('--scaled');
  const configs = args.filter((a) => a !== '--scaled');
  if (configs.length === 0) configs.push(join(root, 'examples', 'recommended.yaml'));
  const traces: { file: string; trace: Trace; scaled?: true }[] = traceFiles().map((f) => ({ file: f, trace: parseTrace(readFileSync(join(TRACE_DIR, f), 'utf8')) }));
  if (scaled) for (const t of scaledTraces(TRACE_DIR)) traces.push({ file: `${t.name} (scaled)`, trace: parseTrace(t.csv), scaled: true });
  for (const path of configs) {
    const { config, problems } = await loadConfigFile(path);
    if (!config) throw new Error(`${path}: ${JSON.stringify(problems)}`);
    console.log(`\n### ${path}\n${HEADER}`);
    let passed = 0;
    for (const { file, trace, scaled: large } of traces) {
      const pool = large ? { ...config.pools[0]!, max: Math.max(config.pools[0]!.max, 1_000_000) } : config.pools[0]!;
      const c = await compare(large ? { ...config, pools: [pool] } : config, pool, trace, { timeline: false });
      const v = judge(file, c, { xOracle: !large });
      if (v.pass) passed += 1;
      console.log(v.line);
    }
    console.log(`passed ${passed}/${traces.length}`);
  }
}
