import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../shared/domain/policy';
import { compare } from '../../shared/sim/compare';
import { simulate } from '../../shared/sim/simulate';
import type { Span } from '../../shared/sim/timeline';
import { parseTrace } from '../../shared/sim/trace';

const run = promisify(execFile);

/** A short bursty closed-loop trace: idle, a ramp, a burst, a drop, recurring every 20 minutes. */
const ARRIVALS = Array.from({ length: 90 }, (_, i) => [4, 4, 10, 30, 80, 120, 60, 20, 8, 4, 2, 0, 0, 6, 12, 40, 16, 6, 4, 4][i % 20]!);
const CSV = `t_seconds,arrivals\n${ARRIVALS.map((a, i) => `${i * 60},${a}`).join('\n')}\n`;

interface Figures {
  workerHours: number;
  underTimePct: number;
  overTimePct: number;
  underAccuracyPct: number;
  overAccuracyPct: number;
  instabilityPct: number;
  jitterPerHour: number;
  maxSupply: number;
  maxDemand: number;
}

/** The figures a row's summary carries that the spans determine (waits come from the queue model's job histogram). */
const FIGURES = ['workerHours', 'underTimePct', 'overTimePct', 'underAccuracyPct', 'overAccuracyPct', 'instabilityPct', 'jitterPerHour', 'maxSupply', 'maxDemand'] as const;

/**
 * Every figure from the spans alone (evaluation interval = row length: one span per row), by
 * the definitions in the README: under/over-provisioned time = spans where demand > serving
 * (resp. <); accuracy = the shortfall (excess) relative to max(demand, 1), time-weighted;
 * instability = spans where serving and demand moved in different directions (or one did not);
 * jitter = serving changes minus demand changes per hour.
 */
function recompute(spans: Span[]): Figures {
  let billed = 0;
  let total = 0;
  let under = 0;
  let over = 0;
  let underAmount = 0;
  let overAmount = 0;
  let unstable = 0;
  let unstableTotal = 0;
  let servingChanges = 0;
  let demandChanges = 0;
  let maxSupply = 0;
  let maxDemand = 0;
  let previous: Span | undefined;
  const sign = (x: number) => (x > 1e-9 ? 1 : x < -1e-9 ? -1 : 0);
  for (const s of spans) {
    const dt = s.until - s.t;
    billed += s.billed * dt;
    expect(s.billed).toBeCloseTo(s.serving + s.starting + s.draining, 9);
    maxSupply = Math.max(maxSupply, s.serving);
    if (s.demand === null) continue;
    maxDemand = Math.max(maxDemand, s.demand);
    total += dt;
    const base = Math.max(s.demand, 1);
    if (s.demand - s.serving > 1e-9) {
      under += dt;
      underAmount += ((s.demand - s.serving) / base) * dt;
    } else if (s.serving - s.demand > 1e-9) {
      over += dt;
      overAmount += ((s.serving - s.demand) / base) * dt;
    }
    if (previous) {
      const ds = sign(s.serving - previous.serving);
      const dd = sign(s.demand - previous.demand!);
      if (ds !== 0) servingChanges += 1;
      if (dd !== 0) demandChanges += 1;
      if (ds !== dd) unstable += dt;
      unstableTotal += dt;
    }
    previous = s;
  }
  return {
    workerHours: billed / 3600,
    underTimePct: (100 * under) / total,
    overTimePct: (100 * over) / total,
    underAccuracyPct: (100 * underAmount) / total,
    overAccuracyPct: (100 * overAmount) / total,
    instabilityPct: (100 * unstable) / unstableTotal,
    jitterPerHour: ((servingChanges - demandChanges) * 3600) / total,
    maxSupply,
    maxDemand,
  };
}

const spansOf = (x: { start?: Span; timeline: Span[] }) => [...(x.start ? [x.start] : []), ...x.timeline];

const raw = {
  version: 1,
  pools: [
    {
      id: 'p',
      target: { kind: 'none' },
      min: 1,
      max: 200,
      rules: [
        { type: 'target', metric: 'utilization', targetValue: 0.8, tolerance: 0.05 },
        { type: 'target', name: 'jobs', metric: 'jobs_in_system', perWorker: 1 },
      ],
      behaviour: { cooldownUp: 0, cooldownDown: '1m', stabilizationDown: '3m' },
    },
  ],
};
const config = ConfigSchema.parse(raw);

const dir = mkdtempSync(join(tmpdir(), 'poolscale-recompute-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Timeline: every summary figure recomputes from it', () => {
  it('simulate: worker-hours, under- and over-provisioned time of the policy', async () => {
    // Act
    const result = await simulate(config, parseTrace(CSV), { startupSeconds: 90 });

    // Assess
    const pool = result.pools[0]!;
    const figures = recompute(spansOf(pool));
    for (const name of FIGURES) expect(figures[name], name).toBeCloseTo(pool.summary[name], 9);
    expect(pool.summary.underTimePct).toBeGreaterThan(0);
    // Workers ordered a startup earlier are serving when the entry says so (startup 90 s).
    expect(pool.timeline.some((e) => e.starting > 0)).toBe(true);
  });

  it('compare: the same for every baseline and both oracles', async () => {
    // Act
    const comparison = await compare(config, config.pools[0]!, parseTrace(CSV), { baselineTimelines: true });

    // Assess
    expect(comparison.rows.map((r) => r.name)).toEqual(['p', 'hpa', 'target-tracking', 'static-peak', 'oracle', 'oracle-no-startup']);
    const oracleHours = recompute(spansOf(comparison.rows.find((r) => r.name === 'oracle')!.run!)).workerHours;
    for (const row of comparison.rows) {
      const figures = recompute(spansOf(row.run!));
      for (const name of FIGURES) expect(figures[name], `${row.name} ${name}`).toBeCloseTo(row.summary[name], 9);
      expect(figures.workerHours / oracleHours, `${row.name} x oracle`).toBeCloseTo(row.summary.xOracle!, 9);
    }
  });

  it('poolscale simulate --compare --json: from the printed JSON alone, for every row', async () => {
    // Prepare
    const trace = join(dir, 'bursty.csv');
    const yaml = join(dir, 'policy.json');
    writeFileSync(trace, CSV);
    writeFileSync(yaml, JSON.stringify(raw));

    // Act
    const { stdout } = await run(process.execPath, ['bin/poolscale.js', 'simulate', '--config', yaml, '--trace', trace, '--compare', '--json'], { maxBuffer: 64 * 2 ** 20 });

    // Assess
    const out = JSON.parse(stdout) as { pools: { comparison: { name: string; summary: Figures & { xOracle: number }; start?: Span; timeline: Span[] }[] }[] };
    const rows = out.pools[0]!.comparison;
    expect(rows).toHaveLength(6);
    const oracleHours = recompute(spansOf(rows.find((r) => r.name === 'oracle')!)).workerHours;
    for (const row of rows) {
      expect(row.timeline.length, row.name).toBeGreaterThan(0);
      const figures = recompute(spansOf(row));
      // The printed summary is rounded to 3 decimals.
      for (const name of FIGURES) expect(Math.abs(figures[name] - row.summary[name]), `${row.name} ${name}`).toBeLessThan(0.001 + 1e-9);
      expect(Math.abs(figures.workerHours / oracleHours - row.summary.xOracle), `${row.name} x oracle`).toBeLessThan(0.001 + 1e-6);
    }
  }, 60_000);
});
