/**
 * Start time of the installed CLI (issue 13): packs and installs the package into a temporary
 * prefix (scripts/build.pack.ts; `npm pack` builds it first), then times, in one run and
 * interleaved so that the machine's load falls on each alike, N runs each of `node -e 0`,
 * `poolscale --help` and `poolscale validate examples/demo.yaml`. Prints the medians and each
 * command's ratio to `node -e 0`. Goal: <= 4x for --help and validate.
 * `STARTUP_RUNS` sets N (default 21).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Bench } from './run';
import { packAndInstall, ROOT } from '../scripts/build.pack';

const GOAL = 4;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return ms;
}

const bench: Bench = {
  name: 'startup',
  description: 'installed `poolscale --help` and `validate` against a bare `node -e 0` (median of N runs each, interleaved)',
  async run(log) {
    const runs = Math.max(3, Number(process.env.STARTUP_RUNS ?? 21));
    const dir = mkdtempSync(join(tmpdir(), 'poolscale-startup-'));
    try {
      const packing = performance.now();
      const installed = await packAndInstall(dir);
      log(`packed and installed in ${((performance.now() - packing) / 1000).toFixed(1)} s: ${installed.bin}`);
      // The installed command is a `#!/usr/bin/env node` script: put this Node first on PATH so
      // that it and `node -e 0` run on the same binary.
      const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
      const demo = join(ROOT, 'examples/demo.yaml');
      const commands: { name: string; command: string; args: string[] }[] = [
        { name: 'node -e 0', command: process.execPath, args: ['-e', '0'] },
        { name: 'poolscale --help', command: installed.bin, args: ['--help'] },
        { name: 'poolscale validate examples/demo.yaml', command: installed.bin, args: ['validate', demo] },
      ];
      const times = commands.map(() => [] as number[]);
      for (const c of commands) timed(c.command, c.args, dir, env); // warm the file cache
      const loadBefore = loadavg();
      for (let run = 0; run < runs; run += 1) {
        for (const [i, c] of commands.entries()) times[i]!.push(timed(c.command, c.args, dir, env));
      }
      const base = median(times[0]!);
      const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
      log(`${runs} runs each; load average ${load(loadBefore)} before, ${load(loadavg())} after`);
      log('| command | median ms | min ms | x node -e 0 | goal |');
      log('|:--|--:|--:|--:|:--|');
      for (const [i, c] of commands.entries()) {
        const ratio = median(times[i]!) / base;
        const goal = i === 0 ? '' : ratio <= GOAL ? `<= ${GOAL}x: met` : `<= ${GOAL}x: NOT met`;
        log(`| \`${c.name}\` | ${median(times[i]!).toFixed(0)} | ${Math.min(...times[i]!).toFixed(0)} | ${ratio.toFixed(2)} | ${goal} |`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
