import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../shared/cli/io';
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

async function simulateJson(args: string[]): Promise<JsonOut> {
  const { code, out, err } = await simulate([...args, '--json']);
  expect(err).toBe('');
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
    expect(html).not.toMatch(/<script|<link|https?:\/\//i);
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

  it('prints a per-pool summary and reports progress only on a TTY', async () => {
    // Prepare
    const tty = memoryIo();
    const progress: string[] = [];
    tty.io.isTty = true;
    tty.io.progress = (text) => progress.push(text);
    const plain = memoryIo();

    // Act
    const codes = [await main(['simulate', ...args], tty.io), await main(['simulate', ...args], plain.io)];

    // Assess
    expect(codes).toEqual([0, 0]);
    expect(tty.text()).toMatch(/pool general: 0\.8 h simulated\n {2}worker-hours +[\d.]+\n {2}under-provisioned +[\d.]+ % of time/);
    expect(progress.some((line) => /simulating 50 rows: \d+ %/.test(line))).toBe(true);
    expect(plain.errors()).toBe('');
  });

  it('names the line and column of a bad trace row', async () => {
    // Prepare
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 't_seconds,arrivals\n0,1\n60,x\n');

    // Act
    const { code, err } = await simulate(['--config', 'examples/seeds/000-bots.env', '--trace', file]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/line 3, column "arrivals": expected a number/);
  });
});
