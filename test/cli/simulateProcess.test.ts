import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/parseConfigText';

/** Runs the CLI as a user does; resolves with the exit code and both streams. */
function poolscale(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/poolscale.js', ...args], { maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'poolscale-simproc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Four weeks of one-minute rows (40,320), a daily wave: a few seconds of CPU to simulate. */
const month = join(dir, 'month.csv');
writeFileSync(month, `t_seconds,arrivals\n${Array.from({ length: 40_320 }, (_, i) => `${i * 60},${Math.round(60 + 50 * Math.sin((2 * Math.PI * i) / 1440))}`).join('\n')}\n`);

describe('Process: poolscale output into a reader that stops early (`| head`)', () => {
  it.each([
    { case: 'simulate --compare', args: ['simulate', '--config', 'examples/recommended.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--compare'] },
    { case: 'validate', args: ['validate', '--config', 'examples/recommended.yaml'] },
  ])('$case ends quietly (exit 0, no EPIPE stack) when the pipe closes after the first chunk', async ({ args }) => {
    // Act: read the first chunk, then close our end, as `head -1` does
    const child = spawn(process.execPath, ['bin/poolscale.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', (status) => resolve(status)));

    // Assess
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  }, 60_000);
});

describe('Process: poolscale simulate', () => {
  it('a run over a second reports progress on stderr only: stdout stays one JSON document', async () => {
    // Act
    const { code, stdout, stderr } = await poolscale(['simulate', '--config', 'examples/recommended.yaml', '--trace', month, '--json']);

    // Assess
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { pools: { timeline: unknown[] }[] };
    expect(json.pools[0]!.timeline.length).toBeGreaterThan(1000);
    const lines = stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^simulating 40320 rows: (\d+ % after|done in) \S/);
    expect(lines.at(-1)).toMatch(/^simulating 40320 rows: done in (\d+s|\d+m( \d+s)?)$/);
    expect(stderr).not.toContain('\r');
  }, 180_000);

  it('--quiet: the same run prints nothing on stderr, and the same JSON', async () => {
    // Act
    const [quiet, loud] = [
      await poolscale(['simulate', '--config', 'examples/recommended.yaml', '--trace', month, '--json', '--quiet']),
      await poolscale(['simulate', '--config', 'examples/recommended.yaml', '--trace', month, '--json']),
    ];

    // Assess: the loud run is the one above (progress lines); the quiet one has none.
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(loud.stderr).toMatch(/done in/);
    expect(quiet.stdout).toBe(loud.stdout);
  }, 240_000);

  it('a rule with `spread: observed`: the simulated decisions size from the observed spread of a load burstier than Poisson, and say so', async () => {
    // Prepare: 4 hours around 400 arrivals a minute with a spread of ~60 (Poisson would be 20), seeded.
    let seed = 5;
    const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const rows = Array.from({ length: 240 }, (_, i) => `${i * 60},${Math.max(0, Math.round(400 + 60 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())))}`);
    const trace = join(dir, 'noisy.csv');
    writeFileSync(trace, `t_seconds,arrivals\n${rows.join('\n')}\n`);
    const config = join(dir, 'observed.yaml');
    writeFileSync(config, 'version: 1\npools:\n  - id: web\n    target: { kind: none }\n    min: 1\n    max: 500\n    rules:\n      - { type: target, name: offered, metric: offered_load, perWorker: 1, beta: 2, spread: observed }\n');

    // Act
    const { code, stdout, stderr } = await poolscale(['simulate', '--quiet', '--json', '--config', config, '--trace', trace]);

    // Assess
    expect(code, stderr).toBe(0);
    const timeline = (JSON.parse(stdout) as { pools: { timeline: { reasons: { code: string; message: string }[] }[] }[] }).pools[0]!.timeline;
    const sized = timeline.slice(-60).flatMap((entry) => entry.reasons).filter((reason) => reason.code.startsWith('rule.target.backlog'));
    expect(sized.length).toBeGreaterThan(0);
    for (const reason of sized) expect(reason.message).toMatch(/ \+ 2 x observed spread [\d.]+ \(> sqrt\([\d.]+\)\) -> \d+$/);
  }, 60_000);

  it('--out into a missing directory: one line on stderr, exit 2, no stack trace, nothing on stdout', async () => {
    // Act
    const { code, stdout, stderr } = await poolscale(['simulate', '--config', 'examples/recommended.yaml', '--trace', month, '--compare', '--out', '/missing/dir/r.html']);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('poolscale simulate: --out /missing/dir/r.html: the directory /missing/dir does not exist\n');
    expect(existsSync('/missing/dir')).toBe(false);
  }, 60_000);
});

describe('Process: poolscale tune', () => {
  it('on a template that staffs by square root, searches the spread too and prints the one it chose in the line and the YAML', async () => {
    // Prepare: two hours of a large load climbing and falling 50 workers a minute, where the
    // observed rise is cheaper to provision than Poisson headroom covering the same climbs.
    const trace = join(dir, 'saw.csv');
    writeFileSync(trace, `t_seconds,arrivals\n${Array.from({ length: 120 }, (_, i) => `${i * 60},${3000 + 100 * Math.abs((i % 30) - 15)}`).join('\n')}\n`);
    const config = join(dir, 'staffed.yaml');
    writeFileSync(config, 'version: 1\npools:\n  - id: q\n    target: { kind: none }\n    min: 1\n    max: 100000\n    rules:\n      - { type: target, name: offered, metric: offered_load, perWorker: 1, beta: 2 }\n      - { type: target, name: util, metric: utilization, targetValue: 0.8 }\n');

    // Act
    const { code, stdout, stderr } = await poolscale(['tune', '--config', config, '--trace', trace, '--under', '1', '--quiet']);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# chosen: target utilization [\d.]+, stabilizationDown \d+m, spread observed$/m);
    const yaml = stdout.slice(stdout.indexOf('# Tuned by'));
    expect(yaml.split('\n')[0]).toContain('spread observed');
    const rules = parseConfigText(yaml).config!.pools[0]!.rules;
    expect(rules.map((r) => [r.name, r.type === 'target' ? r.spread : undefined])).toEqual([
      ['offered', 'observed'],
      ['util', 'poisson'],
    ]);
  }, 120_000);
});
