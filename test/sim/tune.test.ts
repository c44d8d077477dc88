import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../shared/cli/commands/tune';
import { memoryIo } from '../../shared/cli/io';
import { parseConfigText } from '../../shared/config/parseConfigText';
import { ConfigSchema } from '../../shared/domain/policy';
import { sliceTrace, spreadsFor, tune, tunedPool, TUNE_STABILIZATION_SECONDS, TUNE_UTILIZATIONS } from '../../shared/sim/tune';
import { parseTrace } from '../../shared/sim/trace';

/** Two hours of a ramp-and-burst pattern repeating every 20 minutes. */
const ARRIVALS = Array.from({ length: 120 }, (_, i) => [10, 10, 20, 40, 60, 60, 40, 20, 10, 10, 8, 8, 10, 30, 50, 30, 10, 10, 10, 10][i % 20]!);
const CSV = `t_seconds,arrivals\n${ARRIVALS.map((a, i) => `${i * 60},${a}`).join('\n')}\n`;
const raw = {
  version: 1,
  pools: [{ id: 'p', target: { kind: 'none' }, min: 1, max: 200, rules: [{ type: 'target', metric: 'utilization', targetValue: 0.8, tolerance: 0.05 }] }],
};

/** A template with square-root staffing on the offered load beside a utilization rule. */
const staffed = {
  version: 1,
  pools: [
    {
      id: 'q',
      target: { kind: 'none' },
      min: 1,
      max: 200,
      metrics: { offered_load: { source: 'redis', type: 'number', key: 'jobs:offered_load' } },
      rules: [
        { type: 'target', name: 'offered', metric: 'offered_load', perWorker: 1, beta: 2 },
        { type: 'target', name: 'util', metric: 'utilization', targetValue: 0.8 },
      ],
    },
  ],
};

const dir = mkdtempSync(join(tmpdir(), 'poolscale-tune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Function: sliceTrace', () => {
  it('keeps the rows and their times; the last row keeps its length', () => {
    const trace = parseTrace(CSV);
    const tail = sliceTrace(trace, 100, 120);
    expect(tail.rows).toBe(20);
    expect(tail.t[0]).toBe(6000);
    expect(tail.endSeconds).toBe(trace.endSeconds);
    expect(sliceTrace(trace, 0, 10).endSeconds).toBe(600);
  });
});

describe('Function: tune', () => {
  it('picks the cheapest setting meeting the goal on the fit part and reports it on the held-back part', async () => {
    // Prepare
    const pool = ConfigSchema.parse(raw).pools[0]!;

    // Act
    const result = await tune(pool, parseTrace(CSV), { kind: 'under', maxPct: 10 });

    // Assess
    expect(result.fitRows + result.heldBackRows).toBe(120);
    expect(result.fitRows).toBe(84);
    const meeting = result.candidates.filter((c) => c.meets);
    expect(meeting.length).toBeGreaterThan(0);
    for (const c of meeting) expect(result.chosen!.summary.workerHours).toBeLessThanOrEqual(c.summary.workerHours);
    expect(result.chosen!.summary.underTimePct).toBeLessThanOrEqual(10);
    expect(result.heldBack!.summary.hours).toBeCloseTo(36 / 60);
    expect(result.pool!.rules[0]).toMatchObject({ targetValue: result.chosen!.utilization });
    // No square-root staffing rule: no spread searched.
    expect(result.candidates).toHaveLength(TUNE_UTILIZATIONS.length * TUNE_STABILIZATION_SECONDS.length);
    expect(result.candidates.every((c) => c.spread === undefined)).toBe(true);
  });

  it('searches both spreads when the template staffs by square root, and sets the chosen one on those rules only', async () => {
    const pool = ConfigSchema.parse(staffed).pools[0]!;
    expect(spreadsFor(pool)).toEqual(['poisson', 'observed']);
    expect(spreadsFor(ConfigSchema.parse(raw).pools[0]!)).toEqual([undefined]);
    // A large load climbing and falling 50 workers a minute: the observed rise is cheaper to
    // provision than the Poisson headroom that would cover the same climbs.
    const saw = `t_seconds,arrivals\n${Array.from({ length: 120 }, (_, i) => `${i * 60},${3000 + 100 * Math.abs((i % 30) - 15)}`).join('\n')}\n`;

    const result = await tune({ ...pool, max: 100_000 }, parseTrace(saw), { kind: 'under', maxPct: 1 });

    expect(result.candidates).toHaveLength(2 * TUNE_UTILIZATIONS.length * TUNE_STABILIZATION_SECONDS.length);
    expect(new Set(result.candidates.map((c) => c.spread))).toEqual(new Set(['poisson', 'observed']));
    const meeting = result.candidates.filter((c) => c.meets);
    for (const c of meeting) expect(result.chosen!.summary.workerHours).toBeLessThanOrEqual(c.summary.workerHours);
    expect(result.chosen!.spread).toBe('observed');
    const [offered, util] = result.pool!.rules;
    expect(offered).toMatchObject({ name: 'offered', spread: 'observed' });
    // The utilization rule keeps the template's (default) spread.
    expect(util).toHaveProperty('spread', 'poisson');
  });

  it('tunedPool: the spread goes on rules with perWorker and beta, not on a beta-less perWorker rule', () => {
    const pool = ConfigSchema.parse({
      ...staffed,
      pools: [{ ...staffed.pools[0]!, rules: [...staffed.pools[0]!.rules, { type: 'target', name: 'plain', metric: 'offered_load', perWorker: 0.8 }] }],
    }).pools[0]!;
    const tuned = tunedPool(pool, 0.8, 300, 'observed')!;
    expect(tuned.rules.map((r) => (r.type === 'target' ? r.spread : undefined))).toEqual(['observed', 'poisson', 'poisson']);
    expect(tuned.behaviour.stabilizationDown).toBe(300_000);
  });
});

describe('Command: tune', () => {
  /** Writes `config` (as `name`.json) and the trace CSV, then runs the command on them with `args`. */
  async function tuneFiles(name: string, config: unknown, args: string[]) {
    const trace = join(dir, `${name}.csv`);
    const file = join(dir, `${name}.json`);
    writeFileSync(trace, CSV);
    writeFileSync(file, JSON.stringify(config));
    const capture = memoryIo();
    const code = await run(['--config', file, '--trace', trace, ...args], capture.io);
    return { code, capture };
  }

  it('prints the chosen settings, fit and held-back figures, and YAML that loads back', async () => {
    // Act
    const { code, capture } = await tuneFiles('c', raw, ['--wait-p95', '60', '--fit', '0.5']);

    // Assess
    // stderr carries only progress lines (printed for runs over a second, as on a loaded machine).
    const notProgress = capture.errors().split('\n').filter((line) => line !== '' && !/^tuning \S+ \(\d+ rows\): (\d+ % after .+|done in .+)$/.test(line));
    expect(notProgress).toEqual([]);
    expect(code).toBe(0);
    const out = capture.text();
    expect(out).toMatch(/fitted on the first 60 rows, checked on the last 60/);
    expect(out).toMatch(/held-back part: [\d.]+ worker-h/);
    const yaml = out.slice(out.indexOf('# Tuned by'));
    const parsed = parseConfigText(yaml);
    expect(parsed.config?.pools[0]?.id).toBe('p');
    // The whole of stdout is a config: `tune ... > tuned.yaml` needs no editing
    expect(parseConfigText(out).config?.pools[0]?.id).toBe('p');
  });

  it('names the chosen spread, in the chosen line and the YAML, when the template staffs by square root', async () => {
    const { code, capture } = await tuneFiles('staffed', staffed, ['--under', '10', '--quiet']);

    expect(code).toBe(0);
    const out = capture.text();
    const chosen = /^# chosen: target utilization [\d.]+, stabilizationDown \d+m, spread (poisson|observed)$/m.exec(out);
    expect(chosen).not.toBeNull();
    expect(out).toContain(`# Tuned by`);
    const yaml = out.slice(out.indexOf('# Tuned by'));
    expect(yaml.split('\n')[0]).toContain(`spread ${chosen![1]}`);
    const offered = parseConfigText(yaml).config!.pools[0]!.rules[0]!;
    expect(offered).toMatchObject({ name: 'offered', spread: chosen![1] });
  });

  it.each([
    { args: ['--under', '1', '--wait-p95', '5'], message: /exactly one goal/ },
    { args: ['--under', '1', '--fit', '1.5'], message: /--fit: expected a share between 0 and 1/ },
    { args: ['--under', 'x'], message: /--under: expected a number >= 0 \(got "x"\)/ },
  ])('refuses bad input naming the option: $args', async ({ args, message }) => {
    const capture = memoryIo();
    const code = await run(['--config', 'examples/recommended.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', ...args], capture.io);
    expect(code).toBe(2);
    expect(capture.errors()).toMatch(message);
  });
});
