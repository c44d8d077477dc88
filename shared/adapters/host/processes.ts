/**
 * Starting and signalling worker processes. Workers run detached in their own process group,
 * so an agent restart (or crash) does not take them down and a signal reaches the whole group
 * (a shell wrapper and its child, celery's pool processes).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ScaleTargetError } from '../../domain/errors';
import { randomUUID } from 'node:crypto';
import { fsProcReader, pidsWithEnv, readPidStat, type ProcReader } from './procfs';

/**
 * Set in every worker's environment to a value unique to that start: inherited by all its
 * descendants, even one that forked, called setsid and left the process group (`gunicorn
 * --daemon`, `sh -c 'sleep 300 & exit 0'`), so they can be found and stopped with it.
 */
export const WORKER_MARK_ENV = 'POOLSCALE_WORKER_MARK';

export interface SpawnRequest {
  /** argv; a single string runs through `/bin/sh -c "exec ..."`. */
  command: string | readonly string[];
  /** Added to the agent's environment minus its credentials (see `workerEnvironment`). */
  env?: Record<string, string>;
  /** Extra variables of the agent's own environment to keep out of the worker's (its secret's). */
  scrub?: readonly string[];
  cwd?: string;
  /** Append stdout and stderr here; otherwise they are discarded (a pipe would die with the agent). */
  logFile?: string;
}

export interface SpawnedProcess {
  pid: number;
  /** /proc start time: identifies this process even after its pid is reused. */
  startTime: string;
  /** The WORKER_MARK_ENV value of this start. */
  mark?: string;
}

/**
 * The environment a worker starts with: the agent's own, without any `POOLSCALE_*` variable
 * (the agent's secret and control settings are not the workers' business) nor the names in
 * `scrub`, plus the request's own variables and the worker mark.
 */
export function workerEnvironment(base: NodeJS.ProcessEnv, request: Pick<SpawnRequest, 'env' | 'scrub'>, mark: string): Record<string, string> {
  const scrub = new Set(request.scrub ?? []);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || name.startsWith('POOLSCALE_') || scrub.has(name)) continue;
    env[name] = value;
  }
  return { ...env, ...request.env, [WORKER_MARK_ENV]: mark };
}

export function spawnDetached(request: SpawnRequest, reader: ProcReader = fsProcReader): SpawnedProcess {
  const [file, ...args] =
    typeof request.command === 'string' ? ['/bin/sh', '-c', `exec ${request.command}`] : [...request.command];
  if (!file) throw new ScaleTargetError('Empty worker command', false);
  let fd: number | undefined;
  if (request.logFile) {
    mkdirSync(dirname(request.logFile), { recursive: true });
    fd = openSync(request.logFile, 'a');
  }
  const mark = randomUUID();
  try {
    const child = spawn(file, args, {
      cwd: request.cwd,
      env: workerEnvironment(process.env, request, mark),
      detached: true,
      stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
    });
    // Without an error listener a missing binary would crash the agent.
    child.on('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new ScaleTargetError(`Could not start ${file}`, true);
    const stat = readPidStat(reader, child.pid);
    return { pid: child.pid, startTime: stat?.startTime ?? '?', mark };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Signals the process group of `pid` (falling back to the process). False when it is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Signals one process only (gunicorn's master: SIGTTIN/SIGTTOU). */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * After a worker's main process has exited: SIGKILL whatever it left behind, its process
 * group and any process carrying its mark (descendants that left the group). Returns the pids
 * signalled, for the log.
 */
export function killLeftovers(pid: number, mark: string | undefined, reader: ProcReader = fsProcReader): number[] {
  const killed: number[] = [];
  try {
    process.kill(-pid, 'SIGKILL');
    killed.push(-pid);
  } catch {
    /* no group left */
  }
  if (mark) {
    for (const leftover of pidsWithEnv(reader, WORKER_MARK_ENV, mark, new Set([process.pid]))) {
      if (signalProcess(leftover, 'SIGKILL')) killed.push(leftover);
    }
  }
  return killed;
}
