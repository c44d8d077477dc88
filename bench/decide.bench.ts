/**
 * decide() throughput: decisions per second for a realistic mixed policy (target + buffer +
 * schedule) and for each rule alone. Each run feeds the state back (samples, recommendations,
 * forecast grow as in production) and advances the clock by one minute per decision.
 * Target: >= 100,000 decisions/s.
 */
import { cpus, loadavg } from 'node:os';
import type { Bench } from './run';
import { PoolSchema, type PolicyInput } from '../shared/domain/policy';
import { initialState, type Observations } from '../shared/domain/types';
import { decide } from '../shared/engine';

const START = Date.UTC(2026, 2, 30, 0, 0, 0);
const MINUTE = 60_000;

const CASES: { name: string; rules: PolicyInput['rules'] }[] = [
  {
    name: 'mixed (target + buffer + schedule)',
    rules: [
      { type: 'target', targetValue: 0.6 },
      { type: 'buffer', minFree: 3, batch: 5, maxFree: 12 },
      { type: 'schedule', windows: [{ cron: '0 8 * * MON-FRI', duration: '10h', timezone: 'Europe/Madrid', min: 8 }] },
    ],
  },
  { name: 'buffer', rules: [{ type: 'buffer', minFree: 3, batch: 5 }] },
  { name: 'memory', rules: [{ type: 'memory', perWorkerGb: 4, thresholdGb: 8 }] },
  {
    name: 'steps (seed 003)',
    rules: [
      {
        type: 'steps',
        up: [{ above: 65, workers: 2 }, { above: 75, workers: 3 }, { above: 80, workers: 4 }, { above: 85, workers: 5 }, { above: 90, workers: 6 }],
        down: [{ below: 45, workers: 2 }, { below: 35, workers: 1 }],
        memoryPerWorkerGb: 0.5,
        scaleDownMinAvailableGb: 8,
      },
    ],
  },
  { name: 'target (proportional)', rules: [{ type: 'target', targetValue: 0.6 }] },
  { name: 'target (thresholds, 5m window)', rules: [{ type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, requirePending: true, window: '5m' }] },
  { name: 'schedule (cron window, Madrid)', rules: [{ type: 'schedule', windows: [{ cron: '0 8 * * MON-FRI', duration: '10h', timezone: 'Europe/Madrid', min: 8 }] }] },
  { name: 'predictive (daily, forecast-and-scale)', rules: [{ type: 'predictive', mode: 'forecast-and-scale', minHistory: '1h' }] },
  { name: 'emergency', rules: [{ type: 'emergency', above: 0.95, add: 5 }] },
];

function observations(i: number, now: number): Observations {
  // A smooth daily wave with some jitter from the index (deterministic). No target status:
  // the count carries over through state.desired, as for a `none` target in the simulator.
  const wave = 0.5 + 0.4 * Math.sin((i / 1440) * 2 * Math.PI) + ((i * 7919) % 13) / 100;
  const at = now;
  return {
    at,
    metrics: {
      utilization: { value: wave, at },
      busy: { value: Math.round(20 * wave), at },
      mem_available_gb: { value: 12 + (i % 8), at },
      cpu: { value: wave * 100, at },
      pending: { value: i % 3, at },
    },
  };
}

/** Returns decisions per wall-clock second and per CPU second (robust on a shared, loaded machine). */
function measure(rules: PolicyInput['rules'], iterations: number): { wall: number; cpu: number } {
  const policy = PoolSchema.parse({ id: 'bench', target: { kind: 'none' }, min: 1, max: 50, rules });
  let state = initialState('bench');
  // Inputs are built before timing: the figure is decide() alone.
  const inputs = Array.from({ length: iterations }, (_, i) => observations(i, START + i * MINUTE));
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    state = decide(policy, inputs[i]!, state, START + i * MINUTE, 'schedule').state;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { wall: iterations / seconds, cpu: iterations / ((cpu.user + cpu.system) / 1e6) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);

const bench: Bench = {
  name: 'decide',
  description: 'pure decide() throughput, state fed back, one simulated minute per decision (target >= 100,000/s)',
  async run(log) {
    log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs (wall figures drop on a shared machine)`);
    for (const c of CASES) {
      measure(c.rules, 20_000); // warm-up
      const runs = [measure(c.rules, 100_000), measure(c.rules, 100_000), measure(c.rules, 100_000)];
      const wall = Math.max(...runs.map((r) => r.wall));
      const cpu = Math.max(...runs.map((r) => r.cpu));
      const verdict = wall >= 100_000 ? 'ok' : cpu >= 100_000 ? 'ok per CPU second (machine loaded)' : 'BELOW TARGET';
      log(`${c.name.padEnd(40)} ${fmt(wall)} decisions/s wall, ${fmt(cpu)} per CPU-s  ${verdict}`);
    }
  },
};

export default bench;
