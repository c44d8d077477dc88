/**
 * `simulate --sweep` on every trace in shared/traces (not the .gaps file): the frontier of the
 * recommended policy, HPA-style and target-tracking-style over target utilization 0.5-0.9
 * (worker-hours vs under-provisioned time), with wall time per trace (one thread, the default).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../shared/config/load';
import { formatSweep, sweep } from '../shared/sim/sweep';
import { parseTrace } from '../shared/sim/trace';
import type { Bench } from './run';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const bench: Bench = {
  name: 'sweep',
  description: 'frontier: recommended policy, HPA-style, target-tracking-style over target utilization on every trace',
  async run(log) {
    const dir = join(root, '..', 'shared', 'traces');
    const { config, problems } = await loadConfigFile(join(root, 'examples', 'recommended.yaml'));
    if (!config) throw new Error(`examples/recommended.yaml: ${JSON.stringify(problems)}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.csv') && !f.endsWith('.gaps.csv')).sort();
    for (const file of files) {
      const trace = parseTrace(readFileSync(join(dir, file), 'utf8'));
      const started = performance.now();
      const s = await sweep(config.pools[0]!, trace, {});
      log(`\n### ${file} (${trace.rows} rows): ${((performance.now() - started) / 1000).toFixed(1)} s for ${s.points.length} runs; fair oracle ${s.oracleWorkerHours.toFixed(1)} worker-h`);
      log(formatSweep(s));
    }
  },
};

export default bench;
