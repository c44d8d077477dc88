import { describe, expect, it } from 'vitest';
import { overlayProcReader, parseMeminfo, parsePidStat, parseStat } from '../../shared/adapters/host/procfs';
import { HostMetrics } from '../../shared/agent/hostMetrics';

const STAT_LINE = (pid: number, utime: number, stime: number, start: number) =>
  `${pid} (my (odd) worker) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 ${start} 1000 100 18446744073709551615`;

describe('Function: parsePidStat', () => {
  it('reads state, ppid, CPU ticks and start time past a command name with spaces and parentheses', () => {
    expect(parsePidStat(STAT_LINE(42, 70, 30, 123456))).toEqual({ state: 'S', ppid: 1, pgrp: 42, cpuTicks: 100, startTime: '123456' });
  });

  it('returns undefined for garbage', () => {
    expect(parsePidStat('nonsense')).toBeUndefined();
  });
});

describe('Function: parseMeminfo', () => {
  it('reads kB fields by name', () => {
    expect(parseMeminfo('MemTotal:       65536000 kB\nMemAvailable:   32768000 kB\nHugePages_Total:       0\n')).toMatchObject({
      MemTotal: 65_536_000,
      MemAvailable: 32_768_000,
    });
  });
});

describe('Function: parseStat', () => {
  it('sums the aggregate line and counts CPUs', () => {
    const text = 'cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\ncpu1 50 0 50 350 50 0 0 0 0 0\nintr 1\n';
    expect(parseStat(text)).toEqual({ total: 1000, idle: 800, cpus: 2 });
  });
});

describe('Class: HostMetrics', () => {
  it('computes host CPU and per-process CPU from deltas, and memory in GiB', () => {
    // Prepare: 2 CPUs; between samples 400 jiffies pass (200 per CPU), 100 of them idle.
    let stat = 'cpu  100 0 100 700 100 0 0 0\ncpu0 0\ncpu1 0\n';
    let pidTicks = [10, 0];
    const reader = overlayProcReader({
      '/proc/meminfo': () => `MemTotal: ${64 * 1024 ** 2} kB\nMemAvailable: ${24 * 1024 ** 2} kB\n`,
      '/proc/stat': () => stat,
      '/proc/7/stat': () => STAT_LINE(7, pidTicks[0]!, pidTicks[1]!, 99),
      '/proc/7/status': () => 'Name: w\nVmRSS:\t  524288 kB\n',
    });
    const metrics = new HostMetrics(reader, () => 1.5);
    metrics.sample([7]);
    stat = 'cpu  250 0 250 800 100 0 0 0\ncpu0 0\ncpu1 0\n';
    pidTicks = [60, 50];

    // Act
    const sample = metrics.sample([7]);

    // Assess: busy 300 of 400 = 75 %; the process used 100 ticks of 200 per CPU = 50 % of a core
    expect(sample.cpu).toBeCloseTo(75);
    expect(sample.memAvailableGb).toBe(24);
    expect(sample.memTotalGb).toBe(64);
    expect(sample.load1).toBe(1.5);
    expect(sample.processes.get(7)).toEqual({ rssGb: 0.5, cpu: 50 });
  });

  it('measures a fork of another sampled process (a gunicorn worker of its master) by PSS, a lone process by VmRSS', () => {
    // Prepare: master 10 with worker 11 (sharing the master's pages), and a lone process 12
    const stat = (pid: number, ppid: number) => `${pid} (w) S ${ppid} ${pid} ${pid} 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 ${pid}00 0 0`;
    const files: Record<string, string> = {
      '/proc/meminfo': '',
      '/proc/stat': '',
      '/proc/10/stat': stat(10, 1),
      '/proc/11/stat': stat(11, 10),
      '/proc/12/stat': stat(12, 1),
      '/proc/10/task/10/children': '11',
      '/proc/11/task/11/children': '',
      '/proc/12/task/12/children': '',
      '/proc/10/status': 'VmRSS:\t 30000 kB\n',
      '/proc/11/status': 'VmRSS:\t 25500 kB\n',
      '/proc/12/status': 'VmRSS:\t 40000 kB\n',
      '/proc/10/smaps_rollup': 'Rss: 30000 kB\nPss: 20000 kB\n',
      '/proc/11/smaps_rollup': 'Rss: 25500 kB\nPss: 10438 kB\n',
      '/proc/12/smaps_rollup': 'Rss: 40000 kB\nPss: 39000 kB\n',
    };
    const reader = { read: (path: string) => files[path], list: (path: string) => (/^\/proc\/(\d+)\/task$/.test(path) ? [path.split('/')[2]!] : []) };

    // Act
    const sample = new HostMetrics(reader, () => 0).sample([10, 11, 12]);

    // Assess (GiB from kB)
    const gb = (kb: number) => kb / 1024 ** 2;
    expect(sample.processes.get(11)?.rssGb).toBeCloseTo(gb(10438), 12);
    // the master alone (its worker is sampled in its own right, not counted twice): VmRSS of a lone process
    expect(sample.processes.get(10)?.rssGb).toBeCloseTo(gb(30000), 12);
    expect(sample.processes.get(12)?.rssGb).toBeCloseTo(gb(40000), 12);
  });

  it('leaves out processes that are gone', () => {
    const reader = overlayProcReader({ '/proc/meminfo': () => '', '/proc/stat': () => '', '/proc/8/stat': () => undefined });
    expect(new HostMetrics(reader, () => 0).sample([8]).processes.size).toBe(0);
  });
});
