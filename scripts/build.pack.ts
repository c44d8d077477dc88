/**
 * The package as users get it: `npm pack` (whose `prepack` runs `npm run build`) and
 * `npm install -g` of the tarball into a prefix of its own. Used by test/cli/package.test.ts
 * and bench/startup.bench.ts, which run the installed `poolscale`.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface InstalledPackage {
  tarball: string;
  /** The `poolscale` command npm linked into `<prefix>/bin`. */
  bin: string;
  /** The package's folder under `<prefix>/lib/node_modules`. */
  home: string;
  /** What npm printed (pack, then install). */
  log: string;
}

/** `npm` from PATH, as a user runs it. */
function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return exec('npm', args, { cwd, timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/**
 * Packs the repository at ROOT into `dir` and installs the tarball globally under
 * `dir/prefix`. Rejects with npm's output when either step fails.
 */
export async function packAndInstall(dir: string): Promise<InstalledPackage> {
  const packed = await npm(['pack', '--pack-destination', dir], ROOT);
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball to ${dir}:\n${packed.stdout}\n${packed.stderr}`);
  const prefix = join(dir, 'prefix');
  const installed = await npm(['install', '-g', '--prefix', prefix, join(dir, tarball), '--prefer-offline', '--no-audit', '--no-fund'], dir);
  return {
    tarball: join(dir, tarball),
    bin: join(prefix, 'bin', 'poolscale'),
    home: join(prefix, 'lib', 'node_modules', 'poolscale'),
    log: [packed.stdout, packed.stderr, installed.stdout, installed.stderr].join('\n'),
  };
}
