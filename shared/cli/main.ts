/**
 * The `poolscale` command line. Each command lives in `commands/<name>.ts` and exports
 * `run(argv, io)`; they are loaded on demand so `poolscale validate` does not pay for the
 * AWS SDK or the agent.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closest } from '../config/closest';
import type { CliIo } from './io';
import { processIo } from './io';

type CommandModule = { run(argv: string[], io: CliIo): Promise<number>; summary: string };

// `named` commands share one module and receive their own name as the first argument.
export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule>; named?: boolean }> = {
  validate: { summary: 'Check a config file; list every problem', load: () => import('./commands/validate') },
  import: { summary: 'Convert a seed-format config (000/001/003/004/002) to poolscale YAML', load: () => import('./commands/import') },
  simulate: { summary: 'Replay a trace through a policy; compare with baselines', load: () => import('./commands/simulate') },
  agent: { summary: 'Run the on-host agent (or `agent status`, `agent stop`)', load: () => import('./commands/agent') },
  up: { summary: 'Run the whole control plane locally (API, ticks, agent, dashboard)', load: () => import('./commands/up') },
  status: { summary: 'Show pools from a local or deployed API', load: () => import('./commands/operator'), named: true },
  scale: { summary: 'Set a pool\'s desired count manually: scale ID DESIRED --reason TEXT', load: () => import('./commands/operator'), named: true },
  pause: { summary: 'Pause a pool', load: () => import('./commands/operator'), named: true },
  resume: { summary: 'Resume a pool', load: () => import('./commands/operator'), named: true },
  history: { summary: 'Show a pool\'s decision history', load: () => import('./commands/operator'), named: true },
  apply: { summary: 'Validate a config, show the diff and apply it to an API', load: () => import('./commands/operator'), named: true },
  delete: { summary: 'Delete a pool (asks first; --yes in scripts)', load: () => import('./commands/operator'), named: true },
  hosts: { summary: 'Enrol and manage agent hosts: hosts add|list|remove|rotate-secret', load: () => import('./commands/hosts') },
  dashboard: { summary: 'Serve a deployed API\'s dashboard on 127.0.0.1 through a SigV4-signing proxy', load: () => import('./commands/dashboard') },
  tune: { summary: 'Find the cheapest policy settings that meet a goal on a trace', load: () => import('./commands/tune') },
  completion: { summary: 'Print a shell completion script: completion bash|zsh', load: () => import('./commands/completion') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: poolscale <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Options: --version (-v) prints the version, --help (-h) this help.',
    'Run `poolscale <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(version());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const option = name.startsWith('-');
    const suggestion = option ? closest(name.replace(/^-+/, ''), ['version', 'help']) : closest(name, Object.keys(COMMANDS));
    const what = option ? `unknown option "${name}"` : `unknown command "${name}"`;
    io.err(`poolscale: ${what}${suggestion ? ` (did you mean "${option ? '--' : ''}${suggestion}"?)` : ''}\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(command.named ? [name, ...rest] : rest, io);
}

/**
 * The version in the package.json of this installation, read at run time (the nearest
 * package.json named poolscale above this file: the source tree or an installed package).
 */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'poolscale' && pkg.version) return pkg.version;
    } catch {
      // No (readable) package.json here: look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
