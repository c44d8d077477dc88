/**
 * The package as users install it (issue 13): `npm pack` (its `prepack` runs `npm run build`,
 * so this works in a fresh clone with no dist/), `npm install -g` of the tarball into a prefix
 * of its own, then the installed `poolscale` run from a folder outside the repository. It runs
 * the compiled CLI (dist/esm/): the package holds no TypeScript sources and no tsx.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, ROOT, type InstalledPackage } from '../../scripts/build.pack';
import { GiveUp, waitFor } from '../security/upProcess';

const exec = promisify(execFile);
/** CI clones the repository with the shared folder beside it. */
const TRACE = join(ROOT, '../shared/traces/azure_llm_code_2023-11-16_1h.csv');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let dir = '';
let work = '';
let installed: InstalledPackage;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'poolscale-package-'));
  work = join(dir, 'work');
  mkdirSync(work);
  installed = await packAndInstall(dir);
}, 20 * 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `command args` in `cwd` (this Node first on PATH, for the `#!/usr/bin/env node` line); never throws. */
async function run(command: string, args: string[], cwd = work): Promise<Run> {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, POOLSCALE_API: '' };
  try {
    const { stdout, stderr } = await exec(command, args, { cwd, env, timeout: 5 * 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

const poolscale = (...args: string[]) => run(installed.bin, args);

/**
 * Writes dir/register.mjs (for `node --import`): a resolve hook that appends the URL of every
 * module the run loads to `log`.
 */
function writeHooks(log: string): void {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
}

// Each process may wait long on a loaded machine (the library case runs tsc).
describe('Package: npm pack, then npm install -g of the tarball', { timeout: 180_000 }, () => {
  it('installs the compiled CLI with its examples and schema, without TypeScript sources or tsx', () => {
    // Assess
    expect(existsSync(installed.bin)).toBe(true);
    for (const path of ['dist/esm/main.js', 'dist/esm/simWorker.mjs', 'dist/types/shared/config/load.d.ts', 'examples/recommended.yaml', 'schema/poolscale.schema.json']) {
      expect(existsSync(join(installed.home, path)), path).toBe(true);
    }
    expect(existsSync(join(installed.home, 'shared'))).toBe(false);
    expect(existsSync(join(installed.home, 'node_modules/tsx'))).toBe(false);
  });

  it('prints the version of package.json with --version', async () => {
    // Act
    const { code, out } = await poolscale('--version');

    // Assess
    expect(code).toBe(0);
    expect(out.trim()).toBe(VERSION);
  });

  it('prints the usage with every command with --help', async () => {
    // Act
    const { code, out } = await poolscale('--help');

    // Assess
    expect(code).toBe(0);
    expect(out).toContain('Usage: poolscale <command>');
    for (const command of ['validate', 'simulate', 'up', 'completion']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it.each([
    // The AWS SDK, ioredis, dynalite... are imported from node_modules; zod and yaml are compiled
    // into dist/esm/ (scripts/build.ts), so --help is checked for their code too.
    { case: '--help', args: () => ['--help'], bundled: /\bclass ZodError\b|ZodError = |function parseDocument\b/ },
    { case: 'validate', args: () => ['validate', join(installed.home, 'examples/demo.yaml')], bundled: undefined },
  ])('loads only what $case needs: no package from node_modules', async ({ args, bundled }) => {
    // Prepare: a resolve hook that appends every module URL the run loads to a file.
    const log = join(dir, `loaded-${args()[0]}.txt`);
    writeHooks(log);

    // Act
    const { code } = await run(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(installed.home, 'bin/poolscale.js'), ...args()]);

    // Assess
    expect(code).toBe(0);
    const loaded = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))].filter((url) => url.startsWith('file:'));
    expect(loaded).toContain(pathToFileURL(join(installed.home, 'dist/esm/main.js')).href);
    expect(loaded.filter((url) => url.includes('/node_modules/poolscale/node_modules/'))).toEqual([]);
    if (bundled) for (const url of loaded) expect(readFileSync(fileURLToPath(url), 'utf8'), url).not.toMatch(bundled);
  });

  it.each([
    { case: 'demo', example: 'demo.yaml', pools: 1 },
    { case: 'recommended', example: 'recommended.yaml', pools: 1 },
  ])('validates the packaged example $case', async ({ example, pools }) => {
    // Act
    const { code, out } = await poolscale('validate', join(installed.home, 'examples', example));

    // Assess
    expect(code).toBe(0);
    expect(out).toContain(`OK: ${pools} pool(s)`);
  });

  it('refuses a broken config by field, exit 1', async () => {
    // Prepare
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, 'pools:\n  - id: x\n    target: { kind: none }\n    min: 5\n    max: 2\n');

    // Act
    const { code, out, err } = await poolscale('validate', broken);

    // Assess
    expect(code).toBe(1);
    expect(out + err).toContain('pools[0].min: Expected `min` to be at most `max` (got 5 > 2)');
  });

  it('simulates a shared trace', async () => {
    // Act
    // --quiet: a run over a second prints progress on stderr (a loaded machine); anything else there fails.
    const { code, out, err } = await poolscale('simulate', '--quiet', '--config', join(installed.home, 'examples/recommended.yaml'), '--trace', TRACE);

    // Assess
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('pool recommended: 58m simulated');
    expect(out).toMatch(/worker-hours\s+\d/);
  });

  it('compares in worker threads (the compiled worker) exactly as in one thread', async () => {
    // Prepare
    const args = ['simulate', '--quiet', '--config', join(installed.home, 'examples/recommended.yaml'), '--trace', TRACE, '--compare'];

    // Act
    const threaded = await poolscale(...args, '--threads', '2');
    const single = await poolscale(...args, '--threads', '0');

    // Assess
    expect(threaded.err).toBe('');
    expect(threaded.code).toBe(0);
    expect(threaded.out).toMatch(/^\| oracle /m);
    expect(single.code).toBe(0);
    expect(threaded.out).toBe(single.out);
  });

  it('runs `up` with its embedded storage on disk (dynalite, LevelDB\'s native module) and stops on Ctrl-C', async () => {
    // Prepare
    const folder = mkdtempSync(join(dir, 'up-'));
    const config = join(folder, 'pools.yaml');
    writeFileSync(config, 'pools:\n  - id: web\n    target: { kind: none }\n    min: 1\n    max: 3\n    metrics: { busy: { source: static, value: 1 } }\n    rules: [{ type: buffer, minFree: 1, batch: 1 }]\n');
    const child = spawn(installed.bin, ['up', '--config', config, '--port', '0'], { cwd: folder, env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    try {
      // Act
      const match = (await waitFor('poolscale up to print its dashboard address', () => {
        if (child.exitCode !== null) throw new GiveUp(`poolscale up exited with ${child.exitCode}:\n${output}`);
        return /dashboard (http:\/\/127\.0\.0\.1:\d+)\/dashboard#token=(\S+)/.exec(output);
      }, 120_000)) as RegExpExecArray;
      const pools = (await waitFor('the pool to be evaluated', async () => {
        const response = await fetch(`${match[1]}/pools`, { headers: { authorization: `Bearer ${decodeURIComponent(match[2]!)}` } });
        const body = (await response.json()) as { pools: { id: string; desired: number; lastEvaluatedAt?: number }[] };
        return body.pools.find((pool) => pool.lastEvaluatedAt !== undefined) ? body.pools : undefined;
      }, 120_000))!;

      // Assess
      expect(pools.map((pool) => [pool.id, pool.desired])).toEqual([['web', 2]]);
      expect(existsSync(join(folder, '.poolscale/data'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('poolscale up: stopped');
  }, 300_000);

  it('leaves the clone on its sources: bin/poolscale.js there runs shared/cli/main.ts through tsx, not the dist/ just built', async () => {
    // Prepare
    const log = join(dir, 'loaded-clone.txt');
    writeHooks(log);

    // Act
    const { code, out } = await run(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(ROOT, 'bin/poolscale.js'), '--version']);

    // Assess
    expect(code).toBe(0);
    expect(out.trim()).toBe(VERSION);
    expect(existsSync(join(ROOT, 'dist/esm/main.js'))).toBe(true);
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain(pathToFileURL(join(ROOT, 'shared/cli/main.ts')).href);
    expect(loaded).not.toContain(pathToFileURL(join(ROOT, 'dist/esm')).href);
  });

  it('serves the library entries poolscale/config and poolscale/engine, typed for Node resolution', async () => {
    // Prepare: a consumer beside the installed package (prefix/lib/node_modules/poolscale).
    const lib = dirname(dirname(installed.home));
    writeFileSync(
      join(lib, 'consumer.mts'),
      `import { parseConfigText } from 'poolscale/config';
import { decide } from 'poolscale/engine';
const parsed = parseConfigText('pools:\\n  - id: web\\n    target: { kind: none }\\n    min: 1\\n    max: 3\\n    metrics: { busy: { source: static, value: 1 } }\\n    rules: [{ type: buffer, minFree: 1, batch: 1 }]\\n');
const problems: number = parsed.problems.length;
// @ts-expect-error problems is a list, not a string: the declarations are followed, not any
const wrong: string = parsed.problems;
console.log(JSON.stringify({ id: parsed.config?.pools[0]?.id, problems, decide: typeof decide, wrong: typeof wrong }));
`,
    );
    writeFileSync(join(lib, 'consumer.mjs'), readFileSync(join(lib, 'consumer.mts'), 'utf8').replace('const problems: number', 'const problems').replace(/^\/\/ @ts-expect-error.*\n/m, '').replace('const wrong: string', 'const wrong'));

    // Act
    const ran = await run(process.execPath, ['consumer.mjs'], lib);
    const typed = await run(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023',
      '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), 'consumer.mts',
    ], lib);

    // Assess
    expect(ran.err).toBe('');
    expect(JSON.parse(ran.out)).toEqual({ id: 'web', problems: 0, decide: 'function', wrong: 'object' });
    expect(typed.out + typed.err).toBe('');
    expect(typed.code).toBe(0);
  });
});
