/**
 * Host and per-worker figures for one agent interval: memory from /proc/meminfo, CPU percent
 * from /proc/stat deltas between two samples, load from os.loadavg, and each worker's memory
 * and CPU over its whole process tree from /proc (a Celery worker's task runs in a prefork
 * child: the main process alone shows a few MB while the task holds GBs). The reader is
 * injectable so tests can set memory values.
 */
import { cpus, loadavg } from 'node:os';
import { descendantPids, fsProcReader, parseMeminfo, parseStat, readMemoryGb, readPidStat, readRssGb, type ProcReader } from '../adapters/host/procfs';

export interface HostSample {
  memAvailableGb: number;
  memTotalGb: number;
  /** Whole-host CPU busy percent (0..100) since the previous sample. */
  cpu: number;
  load1: number;
  /**
   * Per pid, over the process and all its descendants: memory in GiB (a lone process: VmRSS;
   * a tree: PSS summed, so pages a fork shares are counted once; VmRSS where PSS is
   * unavailable) and CPU percent of one core since the previous sample.
   */
  processes: Map<number, { rssGb: number; cpu: number }>;
}

const KB_PER_GB = 1024 ** 2;

export class HostMetrics {
  private previous?: { total: number; idle: number };
  private previousTicks = new Map<number, number>();

  constructor(
    private readonly reader: ProcReader = fsProcReader,
    private readonly load: () => number = () => loadavg()[0] ?? 0,
  ) {}

  sample(pids: readonly number[]): HostSample {
    const mem = parseMeminfo(this.reader.read('/proc/meminfo') ?? '');
    const memTotalGb = (mem.MemTotal ?? 0) / KB_PER_GB;
    // Old kernels lack MemAvailable: free + page cache is the usual estimate.
    const memAvailableGb = (mem.MemAvailable ?? (mem.MemFree ?? 0) + (mem.Cached ?? 0)) / KB_PER_GB;

    const stat = parseStat(this.reader.read('/proc/stat') ?? '');
    let cpu = 0;
    let elapsedPerCpu = 0;
    if (stat) {
      if (this.previous && stat.total > this.previous.total) {
        const total = stat.total - this.previous.total;
        cpu = Math.min(100, Math.max(0, (100 * (total - (stat.idle - this.previous.idle))) / total));
        elapsedPerCpu = total / stat.cpus;
      }
      this.previous = { total: stat.total, idle: stat.idle };
    }

    const processes = new Map<number, { rssGb: number; cpu: number }>();
    const ticks = new Map<number, number>();
    const sampled = new Set(pids);
    for (const pid of pids) {
      const pidStat = readPidStat(this.reader, pid);
      // Descendants sampled in their own right (a gunicorn master's workers) are not added to the
      // parent too: each is measured once.
      const descendants = descendantPids(this.reader, pid).filter((descendant) => !sampled.has(descendant));
      // A lone process: VmRSS (cheap). A tree, or a fork of another sampled process (a gunicorn
      // worker of its master): PSS (pages a fork shares counted once, not once per worker; PSS
      // costs the kernel a page-table walk, ~1 ms per process, so only where it matters).
      const forked = pidStat !== undefined && sampled.has(pidStat.ppid);
      const memoryOf = descendants.length === 0 && !forked ? readRssGb : readMemoryGb;
      const mainGb = memoryOf(this.reader, pid);
      if (!pidStat || mainGb === undefined) continue;
      let rssGb = mainGb;
      let treeTicks = pidStat.cpuTicks;
      for (const descendant of descendants) {
        rssGb += memoryOf(this.reader, descendant) ?? 0;
        treeTicks += readPidStat(this.reader, descendant)?.cpuTicks ?? 0;
      }
      ticks.set(pid, treeTicks);
      const before = this.previousTicks.get(pid);
      // Jiffies of one CPU elapsed since the last sample are the clock: no wall time needed.
      // (A child that exited takes its ticks with it: the share is clamped at 0.)
      const share = before !== undefined && elapsedPerCpu > 0 ? (100 * (treeTicks - before)) / elapsedPerCpu : 0;
      processes.set(pid, { rssGb, cpu: Math.max(0, share) });
    }
    this.previousTicks = ticks;
    return { memAvailableGb, memTotalGb, cpu, load1: this.load(), processes };
  }
}

export const cpuCount = () => cpus().length;
