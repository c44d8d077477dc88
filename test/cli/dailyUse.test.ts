/**
 * Issue 13 (CLI gaps): `--version`, did-you-mean for commands and options, clean messages for
 * number arguments, `delete ID`, `apply --dry-run` showing a new pool in full, `completion
 * bash|zsh`. All run as users run them: `node bin/poolscale.js ...` as a process. Pools whose
 * rules can never receive data: unfedPools.test.ts.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../shared/api';
import { botsApiDeps, startApiServer, type ApiServer } from '../support/apiServer';
import { CLI, ROOT, cliWorkspace, exec } from '../support/cliProcess';

const workspace = cliWorkspace('poolscale-daily-');
const { cli, file } = workspace;

// Each case is its own process with no shared state: run them side by side.
describe.concurrent('Process: version, did-you-mean, number arguments, completion', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it.each(['--version', '-v'])('%s prints the version from package.json', async (flag) => {
    expect(await cli(flag)).toMatchObject({ code: 0, out: `${version}\n` });
  }, 60_000);

  it.each([
    { typed: ['stauts'], message: 'poolscale: unknown command "stauts" (did you mean "status"?)' },
    { typed: ['--verison'], message: 'poolscale: unknown option "--verison" (did you mean "--version"?)' },
    { typed: ['validate', 'x.yaml', '--jsn'], message: 'poolscale validate: unknown option --jsn (did you mean --json?)' },
    { typed: ['import', 'x.env', '--fromat', 'h'], message: 'poolscale import: unknown option --fromat (did you mean --format?)' },
    { typed: ['status', '--api', 'not a url'], message: 'poolscale status: --api must be an http(s) URL such as http://127.0.0.1:8080, got "not a url" (Invalid URL)' },
    { typed: ['history', 'demo', '--limt', '3'], message: 'poolscale history: unknown option --limt (did you mean --limit?)' },
  ])('$typed.0 $typed.1: says what was meant, exit 2', async ({ typed, message }) => {
    const result = await cli(...typed);
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(message);
  }, 60_000);

  it.each([
    { args: ['scale', 'demo', '-1', '--reason', 'x'], message: 'poolscale scale: DESIRED must be a whole number ≥ 0, got "-1"' },
    { args: ['scale', 'demo', 'abc', '--reason', 'x'], message: 'poolscale scale: DESIRED must be a whole number ≥ 0, got "abc"' },
    { args: ['history', 'demo', '--limit', '-3'], message: 'poolscale history: --limit must be a whole number from 1 to 500, got "-3"' },
  ])('$args.0 $args.2: a clean message, not parseArgs\'s, exit 2', async ({ args, message }) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(message);
    expect(result.err).not.toContain('ERR_PARSE_ARGS');
  }, 60_000);

  it('completion bash completes commands and each command\'s options in bash itself', async () => {
    const script = await cli('completion', 'bash');
    expect(script.code).toBe(0);
    const path = file('completion.bash', script.out);
    const complete = async (...words: string[]) => {
      const line = `source ${path}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _poolscale; echo "\${COMPREPLY[*]}"`;
      return (await exec('bash', ['-c', line])).stdout.trim().split(' ');
    };

    expect(await complete('poolscale', 'st')).toEqual(['status']);
    expect(await complete('poolscale', 'de')).toEqual(['delete']);
    expect(await complete('poolscale', 'apply', '--d')).toEqual(['--dry-run']);
    expect(await complete('poolscale', 'delete', '--')).toContain('--yes');
    expect(await complete('poolscale', 'validate', '--')).toEqual(expect.arrayContaining(['--config', '--format', '--json', '--help']));
    expect(await complete('poolscale', 'completion', '')).toEqual(['bash', 'zsh']);
  }, 60_000);

  it('completion zsh lists every command and option; an unknown shell is a usage error', async () => {
    const zsh = await cli('completion', 'zsh');
    const fish = await cli('completion', 'fish');

    expect(zsh.code).toBe(0);
    expect(zsh.out).toMatch(/^#compdef poolscale/);
    expect(zsh.out).toMatch(/apply\) compadd -- .*--dry-run/);
    expect(zsh.out).toMatch(/compadd -- validate import simulate .*delete .*completion --help --version/);
    expect(fish.code).toBe(2);
    expect(fish.err).toContain('unsupported "fish" (bash or zsh)');
  }, 60_000);
});

describe('Process: delete and apply --dry-run against an API', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function start(): Promise<ApiDeps> {
    const { deps } = botsApiDeps();
    server = await startApiServer(deps);
    return deps;
  }

  it('delete without --yes and without a terminal refuses and deletes nothing; --yes deletes', async () => {
    const deps = await start();

    const refused = await cli('delete', 'bots', '--api', server!.url);
    const kept = await deps.policies.get('bots');
    const deleted = await cli('delete', 'bots', '--yes', '--api', server!.url);
    const missing = await cli('delete', 'bots', '--yes', '--api', server!.url);

    expect(refused.code).toBe(2);
    expect(refused.err).toContain('refusing to delete without --yes: stdin is not a terminal');
    expect(kept).toBeDefined();
    expect(deleted).toMatchObject({ code: 0 });
    expect(deleted.out).toMatch(/^deleted pool bots: target none, bounds 1\.\.20/);
    expect(await deps.policies.get('bots')).toBeUndefined();
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('404');
  }, 120_000);

  it.each([
    { answer: 'n', code: 1, kept: true },
    { answer: 'y', code: 0, kept: false },
  ])('delete on a terminal asks first; answering $answer', async ({ answer, code, kept }) => {
    const deps = await start();
    // util-linux `script` gives the CLI a pseudo-terminal as stdin; the answer is typed into it.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} delete bots --api ${server!.url}; echo "exit=$?"`;
    const child = execFile('script', ['-qec', command, '/dev/null'], { cwd: workspace.dir, env: { ...process.env, POOLSCALE_API: '' }, timeout: 60_000 });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[y/N]') && !child.stdin!.writableEnded) child.stdin!.end(`${answer}\n`);
    });
    await new Promise((resolve) => child.on('close', resolve));

    expect(output).toMatch(/Delete pool bots: target none, bounds 1\.\.20, desired -\? \[y\/N\]/);
    expect(output).toContain(`exit=${code}`);
    expect((await deps.policies.get('bots')) !== undefined).toBe(kept);
  }, 120_000);

  it('apply --dry-run shows a new pool in full (its YAML) and writes nothing', async () => {
    const deps = await start();
    const config = file(
      'new-pool.yaml',
      'pools:\n  - id: fresh\n    target: {kind: none}\n    min: 0\n    max: 4\n    metrics:\n      busy: {source: static, value: 1}\n    rules:\n      - {type: buffer, minFree: 1, batch: 2}\n',
    );

    const result = await cli('apply', config, '--dry-run', '--api', server!.url);

    expect(result.code).toBe(0);
    expect(result.out).toContain('+ pool fresh (new)');
    for (const line of ['  + id: fresh', '  + max: 4', '  + metrics:', '  +     source: static', '  +   - type: buffer', '  +     minFree: 1']) {
      expect(result.out).toContain(line);
    }
    expect(result.out).toContain('dry run: 1 pool(s) would change');
    expect(await deps.policies.get('fresh')).toBeUndefined();
  }, 120_000);
});
