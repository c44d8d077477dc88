/**
 * What issue 12's acceptance asks of the traces it fails on, measured against policies that know
 * more than any real one: `npm run bench -- bounds`.
 *
 * For each trace of a day or more in ../shared/traces, demand per row is the simulator's
 * (ceil(arrivals x 30 s / 60 s) workers) and the under-provisioning goal is the acceptance's: at
 * most half of the lower of the HPA-style and target-tracking-style baselines' under-provisioned
 * time (their runs are the comparison's, with the default model settings).
 *
 * 1. **Clairvoyant rate.** Supply in row k = ceil(L + beta x sqrt(L)), where L is the mean offered
 *    load of rows k-7 .. k+7: the policy knows the load's level 7 minutes ahead and pays no
 *    startup, but not each minute's count. The cheapest beta (steps of 0.05) that meets the goal
 *    gives worker-hours that no policy reacting to the past can expect to beat by much; divided by
 *    the fair oracle's, it says how far the "x fair-oracle <= 1.3" item can be met at that goal.
 * 2. **Jumps no reactive policy sees in time.** With one-minute evaluations and a 60 s startup,
 *    the workers serving row k were ordered with the rows up to k-2 in view. A row whose demand is
 *    above (1 + h) x the highest demand of rows k-6 .. k-2 is under-provisioned by every policy
 *    whose supply stays within (1 + h) x what it has seen; the bench counts such rows for several
 *    h beside the rows the goal allows, and what holding that headroom everywhere costs
 *    (supply = ceil((1 + h) x that highest demand), also without startup).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bench } from './run';
import { TRACE_DIR, traceFiles } from './acceptance';
import { loadConfigFile } from '../shared/config/load';
import { compare } from '../shared/sim/compare';
import { demandOf } from '../shared/sim/queueModel';
import { parseTrace, rowSeconds } from '../shared/sim/trace';

const SERVICE = 30;
const HALF = 7;

function underPct(demand: Float64Array, supply: (k: number) => number): { under: number; workerHours: number } {
  let under = 0;
  let paid = 0;
  for (let k = 0; k < demand.length; k += 1) {
    const s = supply(k);
    paid += s;
    if (demand[k]! > s + 1e-9) under += 1;
  }
  return { under: (100 * under) / demand.length, workerHours: paid / 60 };
}

const bench: Bench = {
  name: 'bounds',
  description: 'issue 12: clairvoyant-rate supply and unseen jumps on each trace of a day or more',
  async run(log) {
    const { config } = await loadConfigFile(join(import.meta.dirname, '..', 'examples', 'recommended.yaml'));
    const pool = config!.pools[0]!;
    log('| trace | goal: under % <= | recommended worker-h / under % | fair oracle worker-h | clairvoyant rate: beta | its worker-h | x fair oracle | rows allowed | rows above 1.25x / 1.5x / 2x the highest of k-6..k-2 | worker-h of holding 1.25x / 1.5x / 2x |');
    log('|---|---:|---|---:|---:|---:|---:|---:|---|---|');
    for (const file of traceFiles()) {
      const trace = parseTrace(readFileSync(join(TRACE_DIR, file), 'utf8'));
      if (trace.endSeconds - trace.t[0]! < 86_400) continue;
      const c = await compare(config!, pool, trace, { timeline: false });
      const by = Object.fromEntries(c.rows.map((r) => [r.name, r.summary]));
      const goal = Math.min(by.hpa!.underTimePct, by['target-tracking']!.underTimePct) / 2;
      const fair = by.oracle!.workerHours;
      const arrivals = trace.columns.arrivals!;
      const n = trace.rows;
      const load = new Float64Array(n);
      const demand = new Float64Array(n);
      for (let k = 0; k < n; k += 1) {
        load[k] = (arrivals[k]! * SERVICE) / rowSeconds(trace, k);
        demand[k] = demandOf(arrivals[k]!, SERVICE, rowSeconds(trace, k));
      }
      const level = new Float64Array(n);
      for (let k = 0; k < n; k += 1) {
        let sum = 0;
        let count = 0;
        for (let j = Math.max(0, k - HALF); j <= Math.min(n - 1, k + HALF); j += 1) {
          sum += load[j]!;
          count += 1;
        }
        level[k] = sum / count;
      }
      let best: { beta: number; workerHours: number } | undefined;
      for (let step = 0; step <= 160 && !best; step += 1) {
        const beta = step * 0.05;
        const r = underPct(demand, (k) => Math.max(pool.min, Math.ceil(level[k]! + beta * Math.sqrt(level[k]!))));
        if (r.under <= goal) best = { beta, workerHours: r.workerHours };
      }
      const seen = (k: number) => {
        let m = 0;
        for (let j = Math.max(0, k - 6); j <= k - 2; j += 1) m = Math.max(m, demand[j]!);
        return m;
      };
      const heads = [0.25, 0.5, 1];
      const jumps = heads.map((h) => {
        let rows = 0;
        for (let k = 2; k < n; k += 1) if (demand[k]! > (1 + h) * seen(k) + 1e-9) rows += 1;
        return rows;
      });
      const holding = heads.map((h) => underPct(demand, (k) => Math.max(pool.min, Math.ceil((1 + h) * seen(k)))).workerHours);
      const p = c.rows[0]!.summary;
      log(
        `| ${file.replace('.csv', '')} | ${goal.toFixed(3)} | ${p.workerHours.toFixed(0)} / ${p.underTimePct.toFixed(2)} | ${fair.toFixed(0)} | ${best ? best.beta.toFixed(2) : '> 8'} | ${best ? best.workerHours.toFixed(0) : 'n/a'} | ${best ? (best.workerHours / fair).toFixed(3) : 'n/a'} | ${Math.floor((goal / 100) * n)} | ${jumps.join(' / ')} | ${holding.map((w) => w.toFixed(0)).join(' / ')} |`,
      );
    }
  },
};

export default bench;
