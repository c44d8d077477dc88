/**
 * The `poolscale` command line. Each command lives in `commands/<name>.ts` and exports
 * `run(argv, io)`; they are loaded on demand so `poolscale validate` does not pay for the
 * AWS SDK or the agent.
 */
import type { CliIo } from './io';
import { processIo } from './io';

type CommandModule = { run(argv: string[], io: CliIo): Promise<number>; summary: string };

// `named` commands share one module and receive their own name as the first argument.
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule>; named?: boolean }> = {
  validate: { summary: 'Check a config file; list every problem', load: () => import('./commands/validate') },
  import: { summary: 'Convert a seed-format config (000/001/003/004/002) to poolscale YAML', load: () => import('./commands/import') },
  simulate: { summary: 'Replay a trace through a policy; compare with baselines', load: () => import('./commands/simulate') },
  agent: { summary: 'Run the on-host agent (or `agent status`, `agent stop`)', load: () => import('./commands/agent') },
  up: { summary: 'Run the whole control plane locally (API, ticks, agent, dashboard)', load: () => import('./commands/up') },
  status: { summary: 'Show pools from a local or deployed API', load: () => import('./commands/operator'), named: true },
  scale: { summary: 'Set a pool\'s desired count manually: scale ID N --reason TEXT', load: () => import('./commands/operator'), named: true },
  pause: { summary: 'Pause a pool', load: () => import('./commands/operator'), named: true },
  resume: { summary: 'Resume a pool', load: () => import('./commands/operator'), named: true },
  history: { summary: 'Show a pool\'s decision history', load: () => import('./commands/operator'), named: true },
  apply: { summary: 'Validate a config, show the diff and apply it to an API', load: () => import('./commands/operator'), named: true },
  hosts: { summary: 'Enrol and manage agent hosts: hosts add|list|remove|rotate-secret', load: () => import('./commands/hosts') },
  dashboard: { summary: 'Serve a deployed API\'s dashboard on 127.0.0.1 through a SigV4-signing proxy', load: () => import('./commands/dashboard') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: poolscale <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `poolscale <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`poolscale: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(command.named ? [name, ...rest] : rest, io);
}
