/**
 * The CLI as users run it: `node bin/poolscale.js ...` as a process, in a temporary working
 * folder of the test file's own (created before its tests, removed after).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'bin/poolscale.js');
export const exec = promisify(execFile);

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface CliWorkspace {
  /** The working folder (set once the file's tests start). */
  readonly dir: string;
  /** Runs the CLI in `dir` with no default API (`POOLSCALE_API` empty); never throws. */
  cli(...args: string[]): Promise<CliResult>;
  /** Writes `text` to `dir/name` and returns its path. */
  file(name: string, text: string): string;
}

/** Registers the folder's beforeAll/afterAll in the calling test file. */
export function cliWorkspace(prefix: string): CliWorkspace {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    async cli(...args) {
      try {
        const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, POOLSCALE_API: '' }, timeout: 60_000 });
        return { code: 0, out: stdout, err: stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
      }
    },
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
