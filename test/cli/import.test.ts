import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { memoryIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';
import { parseConfigText } from '../../shared/config/load';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'poolscale-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Command: import', () => {
  it.each([
    { file: '000-bots.env', format: 'seed000-env', ids: ['bot-pool'] },
    { file: '001-celery.env', format: 'seed001-env', ids: ['celery'] },
    { file: '002-templates.yaml', format: 'seed002-templates', ids: ['general', 'embedding', 'generation', 'classification'] },
    { file: '003-projects.json', format: 'seed003-json', ids: ['backdipro'] },
    { file: '004-autoscaler.json', format: 'seed004-json', ids: ['workers'] },
  ])('prints $file as native YAML that re-parses to the same policies', async ({ file, format, ids }) => {
    // Prepare
    const out = memoryIo({}, ROOT);
    const path = `examples/seeds/${file}`;
    // Act
    const code = await main(['import', path], out.io);
    // Assess
    expect(code).toBe(0);
    const yaml = out.text();
    expect(yaml.split('\n')[0]).toBe(`# Converted from ${format} (${path}) by \`poolscale import\`.`);
    const reparsed = parseConfigText(yaml);
    expect(reparsed.format).toBe('poolscale');
    expect(reparsed.config!.pools.map((p) => p.id)).toEqual(ids);
    const direct = parseConfigText(readFileSync(join(ROOT, path), 'utf8'));
    expect(reparsed.config).toEqual(direct.config);
  });

  it('puts warnings on stderr, keeping stdout valid YAML', async () => {
    // Prepare
    const out = memoryIo({}, ROOT);
    // Act
    const code = await main(['import', 'examples/seeds/000-bots.env'], out.io);
    // Assess
    expect(code).toBe(0);
    expect(out.errors()).toMatch(/^warning: pools\[0\]\.target: .*target `none`/);
    expect(() => parseYaml(out.text())).not.toThrow();
  });

  it('prints JSON with --json', async () => {
    // Prepare
    const out = memoryIo({}, ROOT);
    // Act
    const code = await main(['import', 'examples/seeds/004-autoscaler.json', '--json'], out.io);
    // Assess
    expect(code).toBe(0);
    const config = JSON.parse(out.text());
    expect(config.pools[0]).toMatchObject({ id: 'workers', min: 2, max: 10, behaviour: { cooldownUp: '5m', stabilizationDown: '0s' } });
  });

  it('honours --format and --host', async () => {
    // Prepare
    const path = join(dir, 'projects.txt');
    writeFileSync(path, '{"api": {"min_workers": 1, "max_workers": 3, "cpu_thresholds": {"scale_up_2": 60, "scale_up_3": 80}}}');
    const out = memoryIo();
    // Act
    const code = await main(['import', path, '--format', 'seed003-json', '--host', 'web-7'], out.io);
    // Assess
    expect(code).toBe(0);
    expect(parseYaml(out.text()).pools[0].target).toEqual({ kind: 'host', host: 'web-7', pool: 'api' });
  });

  it('exits 1 listing every problem when the input is invalid', async () => {
    // Prepare
    const path = join(dir, 'bad.env');
    writeFileSync(path, 'MIN_FREE_BOTS=lots\nMAX_TOTAL_BOTS=0\nSCALE_BATCH=5\nCHECK_INTERVAL=30\n');
    const out = memoryIo();
    // Act
    const code = await main(['import', path], out.io);
    // Assess
    expect(code).toBe(1);
    expect(out.text()).toBe('');
    expect(out.errors()).toContain('2 error(s)');
    expect(out.errors()).toContain('error: MIN_FREE_BOTS: Expected an integer (got "lots")');
    expect(out.errors()).toContain('error: pools[0].max: Too small');
  });

  it.each([
    { case: 'unknown option', argv: ['x.env', '--yaml'], message: 'unknown option --yaml' },
    { case: 'no file', argv: [], message: 'missing FILE' },
    { case: 'two files', argv: ['a', 'b'], message: 'expected one FILE, got 2' },
    { case: 'unknown format', argv: ['a', '--format', 'ini'], message: 'unknown format "ini"' },
  ])('exits 2 with a clear error for $case', async ({ argv, message }) => {
    // Prepare
    const out = memoryIo();
    // Act
    const code = await main(['import', ...argv], out.io);
    // Assess
    expect(code).toBe(2);
    expect(out.errors()).toContain(`poolscale import: ${message}`);
  });

  it('prints usage listing the formats with --help', async () => {
    // Prepare
    const out = memoryIo();
    // Act
    const code = await main(['import', '--help'], out.io);
    // Assess
    expect(code).toBe(0);
    expect(out.text()).toContain('seed003-json');
  });
});
