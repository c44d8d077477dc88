/**
 * Linux /proc parsing. Reads go through a ProcReader so tests can inject memory figures and
 * the agent's maths can be checked without a real host.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcReader {
  /** Contents of a /proc file, or undefined when it does not exist (process gone). */
  read(path: string): string | undefined;
  /** Entries of a /proc directory (`/proc`, `/proc/<pid>/task`, `/proc/<pid>/fd`); undefined when gone. */
  list?(path: string): string[] | undefined;
  /** Target of a /proc symlink (`/proc/<pid>/fd/3` -> `socket:[1234]`). */
  link?(path: string): string | undefined;
}

export const fsProcReader: ProcReader = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(path) {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
  link(path) {
    try {
      return readlinkSync(path);
    } catch {
      return undefined;
    }
  },
};

/** A reader answering some paths itself (tests: `/proc/meminfo`) and the rest from `base`. */
export function overlayProcReader(overrides: Record<string, () => string | undefined>, base: ProcReader = fsProcReader): ProcReader {
  return {
    read: (path) => (overrides[path] ? overrides[path]() : base.read(path)),
    ...(base.list ? { list: (path: string) => base.list!(path) } : {}),
    ...(base.link ? { link: (path: string) => base.link!(path) } : {}),
  };
}

/** `/proc/meminfo` -> values in kB by field name. */
export function parseMeminfo(text: string): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match) fields[match[1]!] = Number(match[2]);
  }
  return fields;
}

/** Aggregate CPU jiffies from `/proc/stat`: total and idle (idle + iowait), and the CPU count. */
export function parseStat(text: string): { total: number; idle: number; cpus: number } | undefined {
  const lines = text.split('\n');
  const aggregate = lines.find((line) => line.startsWith('cpu '));
  if (!aggregate) return undefined;
  const values = aggregate.trim().split(/\s+/).slice(1).map(Number);
  // guest and guest_nice are already counted in user and nice.
  const total = values.slice(0, 8).reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const cpus = lines.filter((line) => /^cpu\d+\s/.test(line)).length || 1;
  return { total, idle, cpus };
}

export interface PidStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  /** Start time after boot in clock ticks: with the pid, identifies one process for good. */
  startTime: string;
}

/** `/proc/<pid>/stat`. The command name may contain spaces and parentheses: split after the last `)`. */
export function parsePidStat(text: string): PidStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  const fields = text.slice(end + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state) of proc(5).
  const at = (field: number) => fields[field - 3];
  const startTime = at(22);
  if (startTime === undefined) return undefined;
  return {
    state: at(3) ?? '?',
    ppid: Number(at(4)),
    pgrp: Number(at(5)),
    cpuTicks: Number(at(14)) + Number(at(15)),
    startTime,
  };
}

export function readPidStat(reader: ProcReader, pid: number): PidStat | undefined {
  const text = reader.read(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parsePidStat(text);
}

/** Resident memory of a process in GiB (VmRSS), undefined when it is gone. */
export function readRssGb(reader: ProcReader, pid: number): number | undefined {
  const text = reader.read(`/proc/${pid}/status`);
  const match = text && /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) / 1024 ** 2 : undefined;
}

/** Alive and still the same process (not a recycled pid, not a zombie). */
export function isSameProcess(reader: ProcReader, pid: number, startTime: string): boolean {
  const stat = readPidStat(reader, pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Child pids of a process (gunicorn's workers of a master), living ones only. Children are
 * listed per thread in /proc, so every thread of a multi-threaded parent is read.
 */
export function childPids(reader: ProcReader, pid: number): number[] {
  const threads = reader.list?.(`/proc/${pid}/task`) ?? [String(pid)];
  const children = new Set<number>();
  for (const thread of threads) {
    const text = reader.read(`/proc/${pid}/task/${thread}/children`);
    for (const child of text?.trim().split(/\s+/).filter(Boolean) ?? []) children.add(Number(child));
  }
  return [...children].filter((child) => {
    const stat = readPidStat(reader, child);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  });
}

/** Every living descendant of a process (children, their children, ...), parents first. */
export function descendantPids(reader: ProcReader, pid: number): number[] {
  const found: number[] = [];
  const seen = new Set<number>([pid]);
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childPids(reader, queue.shift()!)) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Memory of one process in GiB as its share of the host: PSS from smaps_rollup (pages shared
 * with the parent after a fork count once across the tree, not once per prefork child), else
 * VmRSS on kernels without smaps_rollup (< 4.14) or when it is not readable.
 */
export function readMemoryGb(reader: ProcReader, pid: number): number | undefined {
  const rollup = reader.read(`/proc/${pid}/smaps_rollup`);
  const pss = rollup && /^Pss:\s+(\d+)\s+kB/m.exec(rollup);
  if (pss) return Number(pss[1]) / 1024 ** 2;
  return readRssGb(reader, pid);
}

/** Pids (other than `exclude`) whose environment holds `NAME=value`: a worker's escaped descendants. */
export function pidsWithEnv(reader: ProcReader, name: string, value: string, exclude: ReadonlySet<number> = new Set()): number[] {
  const needle = `\0${name}=${value}\0`;
  const pids: number[] = [];
  for (const entry of reader.list?.('/proc') ?? []) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (exclude.has(pid)) continue;
    const environ = reader.read(`/proc/${pid}/environ`);
    if (environ && `\0${environ}`.includes(needle)) pids.push(pid);
  }
  return pids;
}

/** Socket inodes a process holds open (`/proc/<pid>/fd/* -> socket:[inode]`). */
export function socketInodes(reader: ProcReader, pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of reader.list?.(`/proc/${pid}/fd`) ?? []) {
    const target = reader.link?.(`/proc/${pid}/fd/${fd}`);
    const match = target && /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  return inodes;
}

export interface TcpSocket {
  localPort: number;
  /** Kernel TCP state: 01 ESTABLISHED, 08 CLOSE_WAIT, 0A LISTEN, ... */
  state: string;
  inode: string;
}

/** `/proc/<pid>/net/tcp` and `tcp6` (the network namespace of `pid`). */
export function readTcpSockets(reader: ProcReader, pid: number | 'self' = 'self'): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const file of ['tcp', 'tcp6']) {
    const text = reader.read(`/proc/${pid}/net/${file}`);
    for (const line of text?.split('\n').slice(1) ?? []) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const port = Number.parseInt(fields[1]!.split(':').pop() ?? '', 16);
      if (!Number.isFinite(port)) continue;
      sockets.push({ localPort: port, state: fields[3]!, inode: fields[9]! });
    }
  }
  return sockets;
}

/**
 * Requests in flight per worker of a server master (gunicorn): the connections a worker holds
 * on a port its master listens on. A sync worker holds one while it serves a request (it does
 * not keep connections alive); a worker's own client connections (database, Redis) are on
 * other ports and do not count.
 */
export function connectionsPerWorker(reader: ProcReader, master: number, workers: readonly number[]): Map<number, number> {
  const sockets = readTcpSockets(reader, master);
  const masterInodes = socketInodes(reader, master);
  const listening = new Set(sockets.filter((s) => s.state === '0A' && masterInodes.has(s.inode)).map((s) => s.localPort));
  const served = new Map<string, number>();
  for (const socket of sockets) {
    if ((socket.state === '01' || socket.state === '08') && listening.has(socket.localPort)) served.set(socket.inode, socket.localPort);
  }
  const counts = new Map<number, number>();
  for (const worker of workers) {
    let count = 0;
    for (const inode of socketInodes(reader, worker)) if (served.has(inode)) count++;
    counts.set(worker, count);
  }
  return counts;
}
