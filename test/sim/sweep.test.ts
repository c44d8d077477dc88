import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigSchema } from '../../shared/domain/policy';
import { loadConfigFile } from '../../shared/config/load';
import { betaAt, floorAt, sweep, withKnob } from '../../shared/sim/sweep';
import { parseTrace } from '../../shared/sim/trace';

const run = promisify(execFile);
const ARRIVALS = Array.from({ length: 40 }, (_, i) => [10, 10, 40, 60, 60, 20, 10, 10][i % 8]!);
const CSV = `t_seconds,arrivals\n${ARRIVALS.map((a, i) => `${i * 60},${a}`).join('\n')}\n`;
const raw = {
  version: 1,
  pools: [
    {
      id: 'mine',
      target: { kind: 'none' },
      min: 1,
      max: 100,
      rules: [
        { type: 'target', metric: 'utilization', targetValue: 0.8 },
        { type: 'target', metric: 'jobs_in_system', perWorker: 2 },
        { type: 'predictive', mode: 'forecast-and-scale', targetUtilization: 0.9 },
      ],
    },
  ],
};
const pool = ConfigSchema.parse(raw).pools[0]!;

const dir = mkdtempSync(join(tmpdir(), 'poolscale-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Function: withKnob', () => {
  it.each([
    { floor: 0.9, knob: 0.8, expected: 0.9 },
    { floor: 0.9, knob: 0.6, expected: 0.7 },
    { floor: 1, knob: 0.8, expected: 1 },
    { floor: 1, knob: 0.7, expected: 0.9 },
    { floor: 1, knob: 0.9, expected: 1 },
    { floor: 0.1, knob: 0.5, expected: 0.05 },
  ])('floorAt: a floor at $floor is at $expected at knob $knob (the template at 0.8)', ({ floor, knob, expected }) => {
    expect(floorAt(floor, knob)).toBe(expected);
  });

  it('examples/recommended.yaml at knob 0.8 is the template itself (its beta, its floor): the sweep point matches the policy as written', async () => {
    const { config } = await loadConfigFile(join(import.meta.dirname, '../../examples/recommended.yaml'));
    const recommended = config!.pools[0]!;
    expect(withKnob(recommended, 0.8)!.rules).toEqual(recommended.rules);
    expect(withKnob(recommended, 0.7)!.rules).not.toEqual(recommended.rules);
  });

  it('sets every utilization-tracking target, moves the predictive floor with the knob (0.9 at 0.8: 0.7 at 0.6), and leaves backlog rules alone', () => {
    const rules = withKnob(pool, 0.6)!.rules;
    expect(rules[0]).toMatchObject({ type: 'target', targetValue: 0.6 });
    expect(rules[1]).toMatchObject({ type: 'target', perWorker: 2 });
    expect((rules[2] as { targetUtilization: number }).targetUtilization).toBeCloseTo(0.7);
  });

  it('sizing on the offered load (Little: perWorker on offered_load) is utilization tracking: its perWorker is the knob', () => {
    const little = ConfigSchema.parse({
      pools: [{ id: 'l', target: { kind: 'none' }, min: 1, max: 9, rules: [{ type: 'target', metric: 'offered_load', perWorker: 0.8 }, { type: 'target', metric: 'jobs_in_system', perWorker: 2 }] }],
    }).pools[0]!;
    const rules = withKnob(little, 0.65)!.rules;
    expect(rules[0]).toMatchObject({ metric: 'offered_load', perWorker: 0.65 });
    expect(rules[1]).toMatchObject({ metric: 'jobs_in_system', perWorker: 2 });
  });

  it.each([
    { knob: 0.5, beta: 8 },
    { knob: 0.6, beta: 5.33 },
    { knob: 0.7, beta: 3.43 },
    { knob: 0.8, beta: 2 },
    { knob: 0.9, beta: 0.89 },
    { knob: 0.95, beta: 0.42 },
  ])('square-root staffing (beta 2 on the offered load) at knob $knob: beta $beta, perWorker kept', ({ knob, beta }) => {
    const sqrt = ConfigSchema.parse({
      pools: [{ id: 's', target: { kind: 'none' }, min: 1, max: 9, rules: [{ type: 'target', metric: 'offered_load', perWorker: 1, beta: 2 }] }],
    }).pools[0]!;
    const rule = withKnob(sqrt, knob)!.rules[0] as { perWorker: number; beta: number };
    expect(rule.perWorker).toBe(1);
    expect(rule.beta).toBe(beta);
  });

  it('square-root staffing: a higher knob never adds headroom (beta nonincreasing in the knob), and beta 0 keeps the perWorker knob', () => {
    fc.assert(fc.property(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.double({ min: 0.05, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), (k1, k2, b) => {
      const [lo, hi] = k1 <= k2 ? [k1, k2] : [k2, k1];
      expect(betaAt(b, hi)).toBeLessThanOrEqual(betaAt(b, lo));
      expect(betaAt(b, hi)).toBeGreaterThanOrEqual(0);
    }));
    const zero = ConfigSchema.parse({
      pools: [{ id: 'z', target: { kind: 'none' }, min: 1, max: 9, rules: [{ type: 'target', metric: 'offered_load', perWorker: 0.8, beta: 0 }] }],
    }).pools[0]!;
    expect(withKnob(zero, 0.6)!.rules[0]).toMatchObject({ perWorker: 0.6, beta: 0 });
  });

  it('has no knob for a pool without a utilization-tracking rule', () => {
    const backlogOnly = ConfigSchema.parse({ pools: [{ id: 'b', target: { kind: 'none' }, min: 1, max: 9, rules: [{ type: 'target', metric: 'queue_length', perWorker: 5 }] }] }).pools[0]!;
    expect(withKnob(backlogOnly, 0.7)).toBeUndefined();
  });
});

describe('Function: sweep', () => {
  it('runs the policy, HPA-style and target-tracking-style at each knob; a lower target costs more', async () => {
    // Act
    const s = await sweep(pool, parseTrace(CSV), {}, [0.5, 0.9]);

    // Assess
    expect(s.points.map((p) => `${p.family}@${p.knob}`)).toEqual(['mine@0.5', 'hpa@0.5', 'target-tracking@0.5', 'mine@0.9', 'hpa@0.9', 'target-tracking@0.9']);
    for (const family of ['mine', 'hpa']) {
      const [low, high] = s.points.filter((p) => p.family === family);
      expect(low!.workerHours, family).toBeGreaterThan(high!.workerHours);
    }
    for (const p of s.points) expect(p.xOracle).toBeCloseTo(p.workerHours / s.oracleWorkerHours, 9);
  });

  it('poolscale simulate --sweep --json prints the points; --out draws the frontier', async () => {
    // Prepare
    const trace = join(dir, 't.csv');
    const config = join(dir, 'c.json');
    const out = join(dir, 'r.html');
    writeFileSync(trace, CSV);
    writeFileSync(config, JSON.stringify(raw));

    // Act
    const { stdout } = await run(process.execPath, ['bin/poolscale.js', 'simulate', '--config', config, '--trace', trace, '--sweep', '--json', '--out', out]);

    // Assess
    const json = JSON.parse(stdout) as { pools: { id: string; sweep: { points: { family: string; knob: number; workerHours: number; underTimePct: number }[] } }[] };
    expect(json.pools[0]!.sweep.points).toHaveLength(15);
    expect(new Set(json.pools[0]!.sweep.points.map((p) => p.family))).toEqual(new Set(['mine', 'hpa', 'target-tracking']));
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Frontier of mine');
    expect(html).toMatch(/<polyline[^>]*><title>target-tracking<\/title>/);
  }, 60_000);
});
