import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../shared/cli/io';
import { progressReporter } from '../../shared/cli/commands/simulate';
import { main } from '../../shared/cli/main';

interface Entry {
  t: number;
  until: number;
  desired: number;
  ready: number;
  serving: number;
  starting: number;
  draining: number;
  billed: number;
  demand: number | null;
  action: string;
  reasons: { code: string; message: string }[];
}
interface JsonOut {
  pools: { id: string; summary: Record<string, number>; timeline: Entry[]; comparison?: { name: string }[] }[];
}

async function simulate(args: string[]) {
  const capture = memoryIo();
  const code = await main(['simulate', ...args], capture.io);
  return { code, out: capture.text(), err: capture.errors() };
}

/** stderr without progress lines (printed for phases over a second, which a loaded machine can make of any run). */
const withoutProgress = (err: string) =>
  err
    .split('\n')
    .filter((line) => !/: (\d+ % after|done in) /.test(line))
    .join('\n');

async function simulateJson(args: string[]): Promise<JsonOut> {
  const { code, out, err } = await simulate([...args, '--json']);
  expect(withoutProgress(err)).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as JsonOut;
}

const scaleEvents = (timeline: Entry[]) => timeline.filter((e) => e.action !== 'none');

const dir = mkdtempSync(join(tmpdir(), 'poolscale-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Command: simulate (seed configs)', () => {
  it('seed 000: 10 bots, 8 busy -> buys a batch of 5: 15 bots, 7 free', async () => {
    // Act
    const out = await simulateJson(['--config', 'examples/seeds/000-bots.env', '--trace', 'examples/traces/seed000-bots.csv', '--initial', '10', '--startup', '20']);

    // Assess
    const timeline = out.pools[0]!.timeline;
    expect(timeline[0]).toMatchObject({ t: 0, action: 'scale_up', desired: 15 });
    expect(timeline[0]!.reasons.map((r) => r.message).join(' ')).toMatch(/free 2 .*< minFree 3.*\+5/);
    expect(timeline[1]).toMatchObject({ t: 30, action: 'none', desired: 15, ready: 15 });
  });

  it('seed 001: the memory formula sizes the Celery workers', async () => {
    // Act
    const out = await simulateJson(['--config', 'examples/seeds/001-celery.env', '--trace', 'examples/traces/seed001-memory.csv']);

    // Assess: 40 GB -> (40-4)/6 = 6; 58 GB -> 9 capped at max 8; 20 GB -> 2 (the min).
    const at = (t: number) => out.pools[0]!.timeline.find((e) => e.t === t)!.desired;
    expect([at(0), at(120), at(240), at(360)]).toEqual([6, 8, 2, 2]);
  });

  it('seed 003: CPU above 65 for 3 minutes -> 2 workers, below 35 for 15 minutes -> 1', async () => {
    // Act
    const out = await simulateJson(['--config', 'examples/seeds/003-projects.json', '--trace', 'examples/traces/seed003-cpu.csv']);

    // Assess: CPU is 70 from t=120 to 480, then 20.
    const [up, down, ...rest] = scaleEvents(out.pools[0]!.timeline);
    expect(up).toMatchObject({ action: 'scale_up', desired: 2 });
    expect(up!.t).toBeGreaterThanOrEqual(120 + 180);
    expect(down).toMatchObject({ action: 'scale_down', desired: 1 });
    expect(down!.t).toBeGreaterThanOrEqual(480 + 900);
    expect(rest).toEqual([]);
  });

  it('seed 004: utilization with pending tasks scales up one at a time, 300 s cooldown respected', async () => {
    // Act
    const out = await simulateJson(['--config', 'examples/seeds/004-autoscaler.json', '--trace', 'examples/traces/seed004-utilization.csv']);

    // Assess
    const events = scaleEvents(out.pools[0]!.timeline);
    expect(events.filter((e) => e.action === 'scale_up').length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.t - events[i - 1]!.t).toBeGreaterThanOrEqual(300);
    for (const e of events) expect(Math.abs(e.desired - out.pools[0]!.timeline.find((x) => x.t === e.t - 60)!.desired)).toBe(1);
  });

  it('seed 002: a template pool follows a closed-loop burst of jobs and scales back', async () => {
    // Act
    const out = await simulateJson(['--config', 'examples/seeds/002-templates.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--pool', 'generation']);

    // Assess
    const pool = out.pools[0]!;
    expect(pool.id).toBe('generation');
    const events = scaleEvents(pool.timeline);
    expect(events.some((e) => e.action === 'scale_up' && e.t >= 600)).toBe(true);
    expect(pool.timeline.at(-1)!.desired).toBeLessThan(Math.max(...pool.timeline.map((e) => e.desired)));
    expect(pool.summary.jobs).toBe(10 * 4 + 20 * 16 + 20 * 4);
  });
});

describe('Command: simulate (output)', () => {
  const args = ['--config', 'examples/seeds/002-templates.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--pool', 'general'];

  it('--json prints pools with id, summary and timeline entries', async () => {
    // Act
    const out = await simulateJson(args);

    // Assess
    expect(out.pools).toHaveLength(1);
    const pool = out.pools[0]!;
    expect(Object.keys(pool).sort()).toEqual(['id', 'start', 'summary', 'timeline']);
    expect(pool.summary).toMatchObject({ workerHours: expect.any(Number), underTimePct: expect.any(Number), waitP95Seconds: expect.any(Number) });
    expect(Object.keys(pool.timeline[0]!).sort()).toEqual(['action', 'billed', 'demand', 'desired', 'draining', 'ready', 'reasons', 'serving', 'starting', 't', 'until']);
  });

  it('--compare prints an aligned table with the baselines', async () => {
    // Act
    const { code, out } = await simulate([...args, '--compare']);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/\| policy +\| worker-h \| x oracle \| under %/);
    for (const name of ['general', 'hpa', 'target-tracking', 'static-peak', 'oracle']) expect(out).toMatch(new RegExp(`\\| ${name} +\\|`));
    const widths = new Set(out.split('\n').filter((l) => l.startsWith('|')).map((l) => l.length));
    expect(widths.size).toBe(1);
  });

  it('--out writes self-contained HTML with SVG and no network references', async () => {
    // Prepare
    const file = join(dir, 'report.html');

    // Act
    const { code } = await simulate([...args, '--out', file]);

    // Assess
    expect(code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('<polyline');
    expect(html).toContain('static-peak');
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link|<iframe|@import|https?:\/\//i);
  });

  it.each([
    { case: 'missing trace file', extra: ['--config', 'examples/seeds/000-bots.env', '--trace', 'nope.csv'], message: /--trace file not found: .*nope\.csv/ },
    { case: 'unknown pool', extra: [...args.slice(0, 4), '--pool', 'ghost'], message: /unknown pool "ghost"; the config has: general, embedding, generation, classification/ },
    { case: 'bad number', extra: [...args, '--startup', 'soon'], message: /--startup: expected a number >= 0 \(got "soon"\)/ },
    { case: 'fractional initial', extra: [...args, '--initial', '2.5'], message: /--initial: expected a whole number/ },
    { case: 'missing config', extra: ['--trace', 'examples/traces/seed000-bots.csv'], message: /--config is required/ },
  ])('refuses $case with a clear message', async ({ extra, message }) => {
    // Act
    const { code, err } = await simulate(extra);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('prints a per-pool summary in human numbers', async () => {
    // Act
    const { code, out } = await simulate(args);

    // Assess: durations as 50m / 30s, figures to 3 significant digits.
    expect(code).toBe(0);
    expect(out).toMatch(/service time 30s, startup 1m, SLO 1m/);
    expect(out).toMatch(/pool general: 50m simulated\n {2}worker-hours +\d\.\d\d?\n {2}under-provisioned +[\d.]+ % of time \(a_U [\d.]+ %\)/);
    expect(out).toMatch(/wait p95 +(\d+[smh] ?)+ \(mean (\d+(\.\d+)?[smh] ?)+\)/);
  });

  it('warns on stderr, and still simulates, when rows are missing from the trace (quiet minutes left out)', async () => {
    // Prepare: minutes 2-4 missing
    const file = join(dir, 'gaps.csv');
    writeFileSync(file, 't_seconds,arrivals\n0,4\n60,4\n300,4\n360,4\n420,4\n');

    // Act
    const { code, out, err } = await simulate(['--config', 'examples/seeds/002-templates.yaml', '--trace', file, '--pool', 'general']);

    // Assess
    expect(code).toBe(0);
    expect(err).toMatch(/warning: trace .*gaps\.csv: rows are not evenly spaced: most are 60 s apart, but 1 is not \(the first: t_seconds 60 is followed 240 s later\)/);
    expect(out).toMatch(/pool general/);
  });

  it.each([
    { case: 'a job longer than a row', extra: ['--service-time', '90'], warned: true },
    { case: 'the default 30 s jobs', extra: [], warned: false },
  ])('with --compare warns that the oracles are no strict bound for $case: $warned', async ({ extra, warned }) => {
    const { code, err } = await simulate([...args, '--compare', ...extra]);
    expect(code).toBe(0);
    expect(/warning: a job \(90 s\) is not shorter than a row \(60 s\)/.test(err)).toBe(warned);
  });

  it('names the line and column of a bad trace row', async () => {
    // Prepare
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 't_seconds,arrivals\n0,1\n60,x\n');

    // Act
    const { code, err } = await simulate(['--config', 'examples/seeds/000-bots.env', '--trace', file]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/line 3, column "arrivals": expected a decimal number/);
  });
});

describe('Command: simulate and tune (usage)', () => {
  it.each([
    { command: 'simulate', typed: '--confg', suggestion: '--config' },
    { command: 'simulate', typed: '--compre', suggestion: '--compare' },
    { command: 'simulate', typed: '--explian', suggestion: '--explain' },
    { command: 'simulate', typed: '--startp', suggestion: '--startup' },
    { command: 'tune', typed: '--undr', suggestion: '--under' },
    { command: 'tune', typed: '--wait-p59', suggestion: '--wait-p95' },
  ])('$command $typed: unknown, did you mean $suggestion (exit 2)', async ({ command, typed, suggestion }) => {
    // Prepare
    const capture = memoryIo();

    // Act
    const code = await main([command, typed, 'x'], capture.io);

    // Assess
    expect(code).toBe(2);
    expect(capture.errors().split('\n')[0]).toBe(`poolscale ${command}: unknown option ${typed} (did you mean ${suggestion}?)`);
  });

  it('tune: a negative number is named as such, not as an unknown option', async () => {
    // Prepare
    const capture = memoryIo();

    // Act
    const code = await main(['tune', '--config', 'examples/recommended.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--under', '-1'], capture.io);

    // Assess
    expect(code).toBe(2);
    expect(capture.errors()).toMatch(/^poolscale tune: --under: expected a number >= 0 \(got "-1"\)/);
  });
});

describe('Command: simulate --out (checked before the work)', () => {
  const badTrace = join(dir, 'bad-for-out.csv');
  writeFileSync(badTrace, 't_seconds,arrivals\n0,1\n60,x\n');
  const aFile = join(dir, 'a-file.txt');
  writeFileSync(aFile, 'not a folder');
  const readOnly = join(dir, 'read-only');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);
  // root writes anywhere a mode forbids; sysfs refuses new files even to root.
  const unwritable = process.getuid?.() === 0 ? '/sys/poolscale-report.html' : join(readOnly, 'r.html');

  it.each([
    { case: 'a missing directory', out: '/missing/dir/r.html', message: 'the directory /missing/dir does not exist' },
    { case: 'a directory given as the file', out: dir, message: `is a directory; give a file name, e.g. ${join(dir, 'report.html')}` },
    { case: 'a file given as the directory', out: join(aFile, 'r.html'), message: `${aFile} is not a directory` },
    { case: 'a place that cannot be written', out: unwritable, message: 'cannot be written (permission denied)' },
  ])('$case: one line naming --out and the path, exit 2, before the trace is even read', async ({ out, message }) => {
    // Act: the trace is malformed, so a check made after reading it would report the trace instead.
    const { code, out: stdout, err } = await simulate(['--config', 'examples/seeds/002-templates.yaml', '--trace', badTrace, '--out', out]);

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(`poolscale simulate: --out ${out}: ${message}`);
    expect(stdout).toBe('');
    expect(existsSync(out) && statSync(out).isFile()).toBe(false);
  });

  it('an existing report is overwritten, and a new path is left absent when the run fails later', async () => {
    // Prepare
    const existing = join(dir, 'existing.html');
    writeFileSync(existing, 'old');
    const fresh = join(dir, 'fresh.html');

    // Act
    const ok = await simulate(['--config', 'examples/seeds/002-templates.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--pool', 'general', '--out', existing]);
    const failed = await simulate(['--config', 'examples/seeds/002-templates.yaml', '--trace', badTrace, '--out', fresh]);

    // Assess
    expect(ok.code).toBe(0);
    expect(readFileSync(existing, 'utf8')).toMatch(/^<!doctype html>/);
    expect(failed.code).toBe(2);
    expect(failed.err).toMatch(/line 3, column "arrivals"/);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('Command: simulate --explain', () => {
  const args = ['--config', 'examples/seeds/002-templates.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--pool', 'general'];
  /** Terms the legend defines: the indented names at the start of its lines. */
  const definedTerms = (legend: string) => new Set(legend.split('\n').flatMap((line) => (/^ {2}(\S.*?)(?: {2,}|$)/.exec(line)?.[1] ?? '').split(', ').filter(Boolean)));

  it('alone prints the legend: every column of the --compare and --sweep tables and every row is defined', async () => {
    // Prepare: the headers as the tables print them.
    const compared = await simulate([...args, '--compare']);
    const swept = await simulate([...args, '--sweep']);
    const headers = (text: string) => text.split('\n').filter((l) => /^\| (policy|family) /.test(l)).flatMap((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
    const rowNames = compared.out.split('\n').filter((l) => /^\| /.test(l) && !/^\| policy /.test(l)).map((l) => l.split('|')[1]!.trim());

    // Act
    const { code, out } = await simulate(['--explain']);

    // Assess
    expect(code).toBe(0);
    const terms = definedTerms(out);
    const columns = new Set([...headers(compared.out), ...headers(swept.out)].filter((h) => h !== 'policy' && h !== 'family'));
    expect(columns.size).toBe(13);
    for (const column of columns) expect(terms, `column "${column}"`).toContain(column);
    for (const name of rowNames.filter((n) => n !== 'general')) expect(terms, `row "${name}"`).toContain(name);
    expect(terms).toContain('<pool id>');
    expect(out).toMatch(/a_U %\s+under-provisioning accuracy/);
  });

  it('with a run, the legend follows the tables; without it, a one-line pointer to it', async () => {
    // Act
    const withLegend = await simulate([...args, '--compare', '--explain']);
    const without = await simulate([...args, '--compare']);

    // Assess
    expect(withLegend.out.indexOf('Columns and figures:')).toBeGreaterThan(withLegend.out.indexOf('| general'));
    expect(without.out).not.toContain('Columns and figures:');
    expect(without.out).toContain('poolscale simulate --explain');
  });

  it('refuses --explain with --json (stdout stays JSON only)', async () => {
    // Act
    const { code, out, err } = await simulate([...args, '--json', '--explain']);

    // Assess
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/--explain .* does not go with --json/);
  });
});

describe('Command: simulate (traces without an oracle, human numbers)', () => {
  it('a metric replay (cpu) says why there is no oracle: x oracle n/a, the oracle rows left out', async () => {
    // Act
    const { code, out } = await simulate(['--config', 'examples/seeds/003-projects.json', '--trace', 'examples/traces/seed003-cpu.csv', '--compare']);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/No oracle: this trace replays cpu as observed\. Without a busy column/);
    const rows = out.split('\n').filter((l) => /^\| /.test(l) && !/^\| policy/.test(l)).map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => r[1])).toEqual(['backdipro', 'hpa', 'target-tracking', 'static-peak']);
    for (const row of rows) {
      expect(row[3]).toBe('n/a');
      expect(row.at(-2)).toBe('n/a');
    }
  });

  it('--sweep on a metric replay: no oracle in the heading, x oracle n/a, the same note', async () => {
    // Act
    const { code, out } = await simulate(['--config', 'examples/seeds/003-projects.json', '--trace', 'examples/traces/seed003-cpu.csv', '--sweep']);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/frontier over target utilization \(no oracle for this trace\)/);
    const rows = out.split('\n').filter((l) => /^\| (hpa|target-tracking) /.test(l)).map((l) => l.split('|').map((c) => c.trim()));
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row[4]).toBe('n/a');
      expect(row[5]).not.toBe('n/a');
    }
    expect(out).toMatch(/No oracle: this trace replays cpu as observed/);
  });

  it('a replay without demand (memory) says so, and the demand-based figures read n/a, not 0', async () => {
    // Act
    const { code, out } = await simulate(['--config', 'examples/seeds/001-celery.env', '--trace', 'examples/traces/seed001-memory.csv']);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/under-provisioned +n\/a \(demand unknown\)/);
    expect(out).toMatch(/No oracle and no demand: this trace replays mem_available_gb as observed/);
  });

  it('a closed-loop trace has an oracle and no such note', async () => {
    // Act
    const { out } = await simulate(['--config', 'examples/seeds/002-templates.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--pool', 'general', '--compare']);

    // Assess
    expect(out).not.toContain('No oracle');
    expect(out).toMatch(/\| oracle +\| +[\d.]+ \| +1 \|/);
  });

  it('table cells read as people read them: at most 3 significant digits, durations; --json keeps the exact values', async () => {
    // Prepare
    const args = ['--config', 'examples/seeds/002-templates.yaml', '--trace', 'examples/traces/seed002-arrivals.csv', '--pool', 'general', '--compare'];

    // Act
    const { out } = await simulate(args);
    const json = await simulateJson(args);

    // Assess
    const lines = out.split('\n').filter((l) => /^\| /.test(l));
    const head = lines[0]!.split('|').map((c) => c.trim()).filter(Boolean);
    const cells = lines.slice(1).map((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
    const significant = (text: string) => text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').length;
    for (const row of cells) {
      row.slice(1).forEach((cell, k) => {
        const column = head[k + 1]!;
        if (column === 'wait p95') expect(cell, column).toMatch(/^(\d+(\.\d+)?s|\d+[mhd]( \d+[smh])?)$/);
        else if (cell !== 'n/a' && cell !== '0') {
          expect(cell, column).toMatch(/^-?[\d,]+(\.\d+)?$/);
          if (!cell.includes(',') && cell.includes('.')) expect(significant(cell), `${column}: ${cell}`).toBeLessThanOrEqual(3);
        }
      });
    }
    const policy = json.pools[0]!.summary;
    const printed = cells.find((r) => r[0] === 'general')!;
    expect(Number(printed[1])).toBeCloseTo(policy.workerHours!, 1);
    // The exact values: at least one figure of the row has more digits in --json than printed.
    const exact = [policy.workerHours, policy.xOracle, policy.underTimePct, policy.overTimePct].filter((n): n is number => typeof n === 'number');
    expect(exact.some((n) => String(n).replace('.', '').replace(/^0+/, '').length > 3)).toBe(true);
  });
});

describe('Function: progressReporter', () => {
  const sparse = (isTty: boolean) => {
    const capture = memoryIo();
    capture.io.isTty = isTty;
    const rewritten: string[] = [];
    capture.io.progress = (text) => rewritten.push(text);
    let now = 1_000_000;
    const progress = progressReporter(capture.io, 'simulating 9 rows', () => now);
    return { capture, rewritten, progress, advance: (ms: number) => (now += ms) };
  };

  it('off a terminal: nothing in the first second, then a line every ~2 s, and the time taken at the end', () => {
    // Prepare
    const { capture, rewritten, progress, advance } = sparse(false);

    // Act: 100 updates over 10 s.
    for (let k = 1; k <= 100; k += 1) {
      advance(100);
      progress.update(k / 100);
    }
    progress.done();

    // Assess
    expect(rewritten).toEqual([]);
    expect(capture.stdout).toEqual([]);
    expect(capture.stderr).toEqual([
      'simulating 9 rows: 20 % after 2s',
      'simulating 9 rows: 40 % after 4s',
      'simulating 9 rows: 60 % after 6s',
      'simulating 9 rows: 80 % after 8s',
      'simulating 9 rows: 100 % after 10s',
      'simulating 9 rows: done in 10s',
    ]);
  });

  it('a run under a second prints nothing at all', () => {
    // Prepare
    const { capture, rewritten, progress, advance } = sparse(true);

    // Act
    for (let k = 1; k <= 9; k += 1) {
      advance(100);
      progress.update(k / 10);
    }
    progress.done();

    // Assess
    expect([...capture.stderr, ...rewritten]).toEqual([]);
  });

  it('on a terminal: the line is rewritten at most 4 times a second, then cleared, and the time taken stays', () => {
    // Prepare
    const { capture, rewritten, progress, advance } = sparse(true);

    // Act: 3 s in steps of 50 ms.
    for (let k = 1; k <= 60; k += 1) {
      advance(50);
      progress.update(k / 60);
    }
    progress.done();

    // Assess
    const lines = rewritten.filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines.length).toBeLessThanOrEqual(9);
    expect(rewritten[0]).toBe('simulating 9 rows: 33 % after 1s');
    expect(rewritten.at(-1)).toBe('');
    expect(capture.stderr).toEqual(['simulating 9 rows: done in 3s']);
  });
});
