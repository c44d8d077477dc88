/**
 * A month of per-minute rows (synthetic-diurnal-4w.csv, 40 320 rows) through the recommended
 * policy: every minute one real runtime tick over the closed-loop queue model (2.4 M simulated
 * seconds). Target: seconds, not minutes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../shared/config/load';
import { simulate } from '../shared/sim/simulate';
import { parseTrace } from '../shared/sim/trace';
import type { Bench } from './run';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const bench: Bench = {
  name: 'simulate',
  description: 'a month of per-minute rows through the recommended policy (runTick + queue model)',
  async run(log) {
    const tracePath = join(root, '..', 'shared', 'traces', 'synthetic-diurnal-4w.csv');
    const parseStarted = performance.now();
    const trace = parseTrace(readFileSync(tracePath, 'utf8'));
    const parseMs = performance.now() - parseStarted;
    const { config, problems } = await loadConfigFile(join(root, 'examples', 'recommended.yaml'));
    if (!config) throw new Error(`examples/recommended.yaml: ${JSON.stringify(problems)}`);
    const runs: number[] = [];
    let ticks = 0;
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      const result = await simulate(config, trace, { timeline: i === 0 });
      runs.push(performance.now() - started);
      ticks = result.pools[0]!.timeline.length || ticks;
    }
    const best = Math.min(...runs);
    log(`trace: ${trace.rows} rows (${(trace.endSeconds / 86400).toFixed(0)} days), parsed in ${parseMs.toFixed(0)} ms`);
    log(`runs (ms): ${runs.map((ms) => ms.toFixed(0)).join(', ')} (first keeps the ${ticks}-entry timeline)`);
    log(`best: ${(best / 1000).toFixed(2)} s wall, ${Math.round(trace.rows / (best / 1000))} rows/s, ${Math.round(trace.endSeconds / (best / 1000))} simulated s per s`);
  },
};

export default bench;
