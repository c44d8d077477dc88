import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError, type FieldProblem } from '../domain/errors';
import type { Policy } from '../domain/policy';
import { parsePolicy } from '../config/validate';
import { AgentConfigSchema, type AgentConfig, type AgentPool } from './AgentConfigSchema';

export interface LoadedAgentConfig {
  config: AgentConfig;
  secret?: string;
  /** Local policies by pool name (the `policy` blocks, completed and validated). */
  localPolicies: Record<string, Policy>;
}

/** Parses and checks an agent config object; paths are resolved against `baseDir`. */
export function parseAgentConfig(input: unknown, env: Record<string, string | undefined>, baseDir: string): LoadedAgentConfig {
  const parsed = AgentConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, severity: 'error' as const })),
    );
  }
  const config = parsed.data;
  const problems: FieldProblem[] = [];
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  config.stateFile = at(config.stateFile);
  if (config.logDir) config.logDir = at(config.logDir);
  if (config.secretFile) config.secretFile = at(config.secretFile);
  const names = new Set<string>();
  config.pools.forEach((pool, index) => {
    if (names.has(pool.name)) problems.push({ path: `pools.${index}.name`, message: `Duplicate pool name "${pool.name}"`, severity: 'error' });
    names.add(pool.name);
    pool.cwd = at(pool.cwd ?? '.');
    if (pool.kind === 'gunicorn') {
      if (pool.pidFile) pool.pidFile = at(pool.pidFile);
      if (!pool.pidFile && !pool.command) problems.push({ path: `pools.${index}`, message: 'A gunicorn pool needs `pidFile` or `command`', severity: 'error' });
      if (pool.command && daemonizes(pool.command, ['--daemon', '-D'])) {
        problems.push({ path: `pools.${index}.command`, message: 'The agent supervises the master it starts: remove --daemon (or run gunicorn elsewhere and give `pidFile`)', severity: 'error' });
      }
    }
    if (pool.kind === 'celery' && daemonizes(pool.extraArgs, ['--detach'])) {
      problems.push({ path: `pools.${index}.extraArgs`, message: 'The agent supervises its Celery workers: remove --detach', severity: 'error' });
    }
  });

  let secret = config.secret;
  if (!secret && config.secretFile) {
    try {
      secret = readFileSync(config.secretFile, 'utf8').trim();
    } catch (error) {
      problems.push({ path: 'secretFile', message: `Cannot read ${config.secretFile}: ${(error as Error).message}`, severity: 'error' });
    }
  }
  secret ??= env[config.secretEnv];
  if (config.relayUrl && !secret) {
    problems.push({ path: 'secret', message: `A relay needs the host secret: set secret, secretFile or $${config.secretEnv}`, severity: 'error' });
  }

  const localPolicies: Record<string, Policy> = {};
  config.pools.forEach((pool, index) => {
    if (!pool.policy) return;
    try {
      localPolicies[pool.name] = parsePolicy({ id: poolIdOf(pool), ...pool.policy, target: { kind: 'host', host: config.hostId, pool: pool.name } });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const problem of error.problems) problems.push({ ...problem, path: `pools.${index}.policy.${problem.path}`.replace(/\.$/, '') });
    }
  });
  if (problems.some((p) => p.severity === 'error')) throw new ValidationError(problems);
  return { config, ...(secret ? { secret } : {}), localPolicies };
}

/** A command line that forks into the background (its process would exit at once). */
function daemonizes(command: string | readonly string[], flags: readonly string[]): boolean {
  const args = typeof command === 'string' ? command.split(/\s+/) : command;
  return args.some((arg) => flags.includes(arg) || flags.some((flag) => flag.startsWith('--') && arg.startsWith(`${flag}=`)));
}

export const poolIdOf = (pool: AgentPool) => pool.poolId ?? pool.name.toLowerCase().replace(/[^a-z0-9_-]/g, '-');

/** Reads `agent.yaml` (or JSON) from disk. */
export function loadAgentConfig(path: string, env: Record<string, string | undefined> = process.env): LoadedAgentConfig {
  const text = readFileSync(path, 'utf8');
  return parseAgentConfig(parseYaml(text), env, dirname(resolve(path)));
}
