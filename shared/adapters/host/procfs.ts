/**
 * Linux /proc parsing. Reads go through a ProcReader so tests can inject memory figures and
 * the agent's maths can be checked without a real host.
 */
import { readFileSync } from 'node:fs';

export interface ProcReader {
  /** Contents of a /proc file, or undefined when it does not exist (process gone). */
  read(path: string): string | undefined;
}

export const fsProcReader: ProcReader = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** A reader answering some paths itself (tests: `/proc/meminfo`) and the rest from `base`. */
export function overlayProcReader(overrides: Record<string, () => string | undefined>, base: ProcReader = fsProcReader): ProcReader {
  return { read: (path) => (overrides[path] ? overrides[path]() : base.read(path)) };
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

/** Child pids of a process (gunicorn's workers of a master). */
export function childPids(reader: ProcReader, pid: number): number[] {
  const text = reader.read(`/proc/${pid}/task/${pid}/children`);
  if (text === undefined) return [];
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((child) => {
      const stat = readPidStat(reader, child);
      return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
    });
}
