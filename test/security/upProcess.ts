/**
 * `poolscale up` as a user runs it: a child process, its output, the API address and token it
 * prints, and helpers to wait for conditions with a deadline and to read its listening sockets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { GiveUp, waitFor } from '../support/waitFor';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface UpProcess {
  child: ChildProcess;
  output(): string;
  url: string;
  port: number;
  token: string;
  dashboard: string;
  /** fetch against the API with the token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  alive(): boolean;
  /** SIGINT and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** The suite's one polling helper (test/support/waitFor.ts), re-exported for the tests of `up`. */
export { GiveUp, waitFor } from '../support/waitFor';

export async function startUp(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<UpProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/poolscale.js'), 'up', '--port', '0', ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const match = await waitFor(
    'poolscale up to print its dashboard address',
    () => {
      if (child.exitCode !== null) throw new GiveUp(`poolscale up exited with ${child.exitCode}:\n${output}`);
      return /dashboard (http:\/\/127\.0\.0\.1:(\d+))\/dashboard#token=(\S+)/.exec(output);
    },
    { timeoutMs: 90_000, everyMs: 100 },
  );
  const url = match[1]!;
  const token = decodeURIComponent(match[3]!);
  return {
    child,
    output: () => output,
    url,
    port: Number(match[2]),
    token,
    dashboard: `${url}/dashboard#token=${encodeURIComponent(token)}`,
    api: (path, init = {}) => fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** Sends raw bytes to a TCP port and returns the status code of the answer (undefined if none). */
export function rawRequest(port: number, payload: string): Promise<number | undefined> {
  return new Promise((resolveStatus) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n\r\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolveStatus(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1]) || undefined));
    socket.write(payload);
  });
}

/** TCP ports a process listens on: LISTEN rows of /proc/<pid>/net/tcp{,6} whose socket inode is one of its fds. */
export function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // fd closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.trim().split('\n').slice(1)) {
      const cells = row.trim().split(/\s+/);
      const [, local, , state] = cells;
      const inode = cells[9];
      if (state === '0A' && inode && inodes.has(inode)) ports.add(parseInt(local!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Processes whose environment names this pool: the agent's workers. */
export function workersOf(poolName: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`POOLSCALE_POOL=${poolName}`)) pids.push(Number(entry));
    } catch {
      // The process ended or is not ours to read.
    }
  }
  return pids;
}
