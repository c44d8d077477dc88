import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'poolscale-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const INVALID = `pools:
  - id: a
    target: { kind: none }
    min: 9
    max: 3
    interval: often
    rules: [{ type: target, targetValue: 0.6 }]
  - id: b
    target: { kind: k8s }
    min: 1
    max: 2
    rules: [{ type: target, targetValue: 0.6 }]
`;

describe('Command: validate', () => {
  it('prints OK with the pool count and exits 0 for a valid config', async () => {
    // Prepare
    const out = memoryIo({}, ROOT);
    // Act
    const code = await main(['validate', '--config', 'examples/seeds/003-projects.json'], out.io);
    // Assess
    expect(code).toBe(0);
    expect(out.text()).toMatch(/^OK: 1 pool\(s\) in examples\/seeds\/003-projects.json \(seed003-json\)/);
  });

  it('prints warnings with a valid config', async () => {
    // Prepare
    const out = memoryIo();
    const path = file('warn.env', 'MIN_FREE_BOTS=5\nMAX_TOTAL_BOTS=20\nSCALE_BATCH=2\nCHECK_INTERVAL=60\n');
    // Act
    const code = await main(['validate', '--config', path], out.io);
    // Assess
    expect(code).toBe(0);
    expect(out.text()).toContain('warning: pools[0].rules[0].batch: batch (2) is below minFree (5)');
    expect(out.text()).toContain('(got 2)');
  });

  it('lists every problem as `path: message (got VALUE)` and exits 1', async () => {
    // Prepare
    const out = memoryIo();
    const path = file('bad.yaml', INVALID);
    // Act
    const code = await main(['validate', '--config', path], out.io);
    // Assess
    expect(code).toBe(1);
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(/: 3 error\(s\)$/);
    expect(lines.slice(1).sort()).toEqual([
      'error: pools[0].interval: Expected a duration such as "30s", "5m", "1h", "1d" or a number of seconds (got "often")',
      'error: pools[0].min: Expected `min` to be at most `max` (got 9 > 3)',
      'error: pools[1].target.kind: Expected `kind` to be one of "ecs", "host", "none" (got "k8s")',
    ]);
  });

  it('prints JSON with --json', async () => {
    // Prepare
    const out = memoryIo();
    const path = file('bad.json', JSON.stringify({ pools: [{ id: 'a', target: { kind: 'none' }, min: 3, max: 1, rules: [{ type: 'target', targetValue: 0.5 }] }] }));
    // Act
    const code = await main(['validate', '--config', path, '--json'], out.io);
    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(out.text());
    expect(report).toMatchObject({ ok: false, format: 'poolscale', pools: [] });
    expect(report.problems).toEqual([{ path: 'pools[0].min', message: 'Expected `min` to be at most `max` (got 3 > 1)', value: 3, severity: 'error' }]);
  });

  it('honours --format', async () => {
    // Prepare: MIN/MAX_WORKERS alone are not recognisable as seed 001.
    const path = file('ambiguous.env', 'MAX_WORKERS=3\n');
    const detected = memoryIo();
    const forced = memoryIo();
    // Act
    const detectedCode = await main(['validate', '--config', path], detected.io);
    const forcedCode = await main(['validate', '--config', path, '--format', 'seed001-env'], forced.io);
    // Assess
    expect(detectedCode).toBe(1);
    expect(detected.text()).toContain('(file): KEY=VALUE file without seed 000 variables');
    expect(forcedCode).toBe(0);
    expect(forced.text()).toContain('OK: 1 pool(s)');
  });

  it('accepts the file as the only argument', async () => {
    // Prepare
    const out = memoryIo({}, ROOT);
    // Act
    const code = await main(['validate', 'examples/seeds/000-bots.env'], out.io);
    // Assess
    expect(code).toBe(0);
  });

  it('reports a missing file as a problem (exit 1)', async () => {
    // Prepare
    const out = memoryIo();
    // Act
    const code = await main(['validate', '--config', join(dir, 'missing.yaml')], out.io);
    // Assess
    expect(code).toBe(1);
    expect(out.text()).toContain('(file): File not found');
  });

  it.each([
    { case: 'unknown option', argv: ['--config', 'x.yaml', '--strict'], message: 'unknown option --strict' },
    { case: 'no file', argv: [], message: 'missing --config FILE' },
    { case: 'unknown format', argv: ['--config', 'x', '--format', 'toml'], message: 'unknown format "toml"' },
    { case: 'two files', argv: ['a.yaml', 'b.yaml'], message: 'unexpected argument "b.yaml"' },
  ])('exits 2 with a clear error for $case', async ({ argv, message }) => {
    // Prepare
    const out = memoryIo();
    // Act
    const code = await main(['validate', ...argv], out.io);
    // Assess
    expect(code).toBe(2);
    expect(out.errors()).toContain(`poolscale validate: ${message}`);
  });

  it('prints usage with --help', async () => {
    // Prepare
    const out = memoryIo();
    // Act
    const code = await main(['validate', '--help'], out.io);
    // Assess
    expect(code).toBe(0);
    expect(out.text()).toContain('Usage: poolscale validate --config FILE');
  });
});
