/**
 * Starting and signalling worker processes. Workers run detached in their own process group,
 * so an agent restart (or crash) does not take them down and a signal reaches the whole group
 * (a shell wrapper and its child, celery's pool processes).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ScaleTargetError } from '../../domain/errors';
import { fsProcReader, readPidStat, type ProcReader } from './procfs';

export interface SpawnRequest {
  /** argv; a single string runs through `/bin/sh -c "exec ..."`. */
  command: string | readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Append stdout and stderr here; otherwise they are discarded (a pipe would die with the agent). */
  logFile?: string;
}

export interface SpawnedProcess {
  pid: number;
  /** /proc start time: identifies this process even after its pid is reused. */
  startTime: string;
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
  try {
    const child = spawn(file, args, {
      cwd: request.cwd,
      env: { ...process.env, ...request.env },
      detached: true,
      stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
    });
    // Without an error listener a missing binary would crash the agent.
    child.on('error', () => {});
    child.unref();
    if (child.pid === undefined) throw new ScaleTargetError(`Could not start ${file}`, true);
    const stat = readPidStat(reader, child.pid);
    return { pid: child.pid, startTime: stat?.startTime ?? '?' };
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
