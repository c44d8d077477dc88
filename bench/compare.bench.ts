/**
 * `simulate --compare` on every trace in shared/traces (not the .gaps file): the recommended
 * policy and the four baselines, wall time per trace, and the comparison tables (the figures
 * recorded in bench/RESULTS.md, "Simulation and comparison").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../shared/config/load';
import { compare, formatComparison } from '../shared/sim/compare';
import { parseTrace } from '../shared/sim/trace';
import type { Bench } from './run';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const bench: Bench = {
  name: 'compare',
  description: 'recommended policy vs HPA-style, target-tracking-style, static peak and both oracles on every trace',
  async run(log) {
    const dir = join(root, '..', 'shared', 'traces');
    const { config, problems } = await loadConfigFile(join(root, 'examples', 'recommended.yaml'));
    if (!config) throw new Error(`examples/recommended.yaml: ${JSON.stringify(problems)}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.csv') && !f.endsWith('.gaps.csv')).sort();
    let total = 0;
    for (const file of files) {
      const trace = parseTrace(readFileSync(join(dir, file), 'utf8'));
      const started = performance.now();
      const comparison = await compare(config, config.pools[0]!, trace, {});
      const ms = performance.now() - started;
      total += ms;
      log(`\n### ${file} (${trace.rows} rows): ${(ms / 1000).toFixed(2)} s for the policy, 3 baselines and 2 oracles`);
      log(formatComparison(comparison));
    }
    log(`\ntotal compare wall time: ${(total / 1000).toFixed(1)} s`);
  },
};

export default bench;
