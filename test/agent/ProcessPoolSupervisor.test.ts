import { describe, expect, it } from 'vitest';
import type { ProcReader } from '../../shared/adapters/host/procfs';
import type { WorkerLoad, WorkerTasks } from '../../shared/agent/supervisors/WorkerTasks';
import { waitFor } from './support';
import type { HostSample } from '../../shared/agent/hostMetrics';
import { ProcessPoolSupervisor } from '../../shared/agent/supervisors/ProcessPoolSupervisor';
import { silentLogger } from './agentWorld';

/** Fake processes: pid -> start time while alive. Spawns and signals are recorded. */
function fakeHost() {
  const processes = new Map<number, string>();
  const signals: [number, string][] = [];
  const scopes: [number, string, string][] = [];
  const leftovers: number[] = [];
  let nextPid = 100;
  const reader: ProcReader = {
    read(path) {
      const pid = Number(/^\/proc\/(\d+)\/stat$/.exec(path)?.[1]);
      const start = processes.get(pid);
      return start === undefined ? undefined : `${pid} (w) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 ${start} 0 0`;
    },
  };
  const supervisor = (options: { memoryLimitGb?: number; tasks?: WorkerTasks; terminate?: 'process' | 'group'; gracePeriodMs?: number } = {}) =>
    new ProcessPoolSupervisor({
      pool: 'w',
      kind: 'command',
      commandFor: (name) => ({ command: ['worker', name] }),
      gracePeriodMs: 10_000,
      reader,
      logger: silentLogger,
      spawn: () => {
        const pid = nextPid++;
        processes.set(pid, `start-${pid}`);
        return { pid, startTime: `start-${pid}` };
      },
      signal: (pid, signal, scope) => {
        signals.push([pid, signal]);
        scopes.push([pid, signal, scope]);
        return true;
      },
      leftovers: (pid) => (leftovers.push(pid), []),
      ...options,
    });
  const sample = (figures: Record<number, { rssGb: number; cpu: number }>): HostSample => ({
    memAvailableGb: 10,
    memTotalGb: 64,
    cpu: 0,
    load1: 0,
    processes: new Map(Object.entries(figures).map(([pid, f]) => [Number(pid), f])),
  });
  return { processes, signals, scopes, leftovers, supervisor, sample, exit: (pid: number) => processes.delete(pid) };
}

describe('Class: ProcessPoolSupervisor', () => {
  it('stops idle workers first, the newest among equals, with SIGTERM', () => {
    // Prepare: three workers started at t=0, 1000, 2000
    const host = fakeHost();
    const pool = host.supervisor();
    pool.reconcile(1, undefined, 0);
    pool.reconcile(2, undefined, 1_000);
    pool.reconcile(3, undefined, 2_000);

    // Act: the oldest (100) is idle, 101 busy, 102 idle; scale to 1
    pool.reconcile(1, host.sample({ 100: { rssGb: 1, cpu: 0 }, 101: { rssGb: 1, cpu: 90 }, 102: { rssGb: 1, cpu: 0 } }), 3_000);

    // Assess
    expect(host.signals).toEqual([
      [102, 'SIGTERM'],
      [100, 'SIGTERM'],
    ]);
    expect(pool.running()).toBe(1);
    expect(pool.workers().find((w) => w.state === 'running')?.pid).toBe(101);
  });

  it('kills a stopping worker that outlives the grace period, and forgets it once gone', () => {
    const host = fakeHost();
    const pool = host.supervisor();
    pool.reconcile(1, undefined, 0);
    pool.reconcile(0, undefined, 1_000);
    pool.reconcile(0, undefined, 11_001);
    expect(host.signals).toEqual([
      [100, 'SIGTERM'],
      [100, 'SIGKILL'],
    ]);
    host.exit(100);
    pool.reconcile(0, undefined, 11_500);
    expect(pool.workers()).toEqual([]);
  });

  it.each([
    { case: 'no cap', limit: undefined, started: 3 },
    { case: 'a cap of 4 while 3 drain', limit: 4, started: 0 },
    { case: 'a cap of 5 while 3 drain', limit: 5, started: 1 },
    { case: 'a cap of 8 while 3 drain', limit: 8, started: 3 },
  ])('scaling straight back up with $case starts $started, the draining workers counting against the cap', ({ limit, started }) => {
    // Prepare: 4 workers, then desired 1: 3 are told to stop and keep running (long tasks)
    const host = fakeHost();
    const pool = host.supervisor();
    pool.reconcile(4, undefined, 0);
    pool.reconcile(1, undefined, 1_000);
    const before = pool.pids().length;

    // Act: desired back to 4 before they exit
    pool.reconcile(4, undefined, 2_000, limit);

    // Assess
    expect(before).toBe(4);
    expect(pool.pids().length - before).toBe(started);
    expect(pool.pids().length).toBeLessThanOrEqual(limit ?? Number.POSITIVE_INFINITY);
    // ... and once the drained workers exit, the rest are started
    for (const pid of [100, 101, 102, 103]) if (host.signals.some(([signalled]) => signalled === pid)) host.exit(pid);
    pool.reconcile(4, undefined, 3_000, limit);
    expect(pool.running()).toBe(4);
  });

  it('recycles a worker above its memory limit and starts a replacement', () => {
    const host = fakeHost();
    const pool = host.supervisor({ memoryLimitGb: 4 });
    pool.reconcile(2, undefined, 0);
    pool.reconcile(2, host.sample({ 100: { rssGb: 4.5, cpu: 10 }, 101: { rssGb: 1, cpu: 10 } }), 1_000);
    expect(host.signals).toEqual([[100, 'SIGTERM']]);
    expect(pool.running()).toBe(2);
    expect(pool.pids()).toEqual([100, 101, 102]);
  });

  it('replaces a crashed worker at once, then backs off on repeated crashes', () => {
    const host = fakeHost();
    const pool = host.supervisor();
    pool.reconcile(1, undefined, 0);
    host.exit(100);
    pool.reconcile(1, undefined, 1_000);
    expect(pool.pids()).toEqual([101]);
    host.exit(101);
    pool.reconcile(1, undefined, 1_100);
    expect(pool.pids()).toEqual([]);
    pool.reconcile(1, undefined, 2_100);
    expect(pool.pids()).toEqual([102]);
  });

  it('adopts saved workers that are still the same processes, not recycled pids', () => {
    const host = fakeHost();
    host.processes.set(7, 'start-7');
    host.processes.set(8, 'someone-else');
    const pool = host.supervisor();
    pool.adopt(
      {
        workers: [
          { name: 'w-1', pid: 7, startTime: 'start-7', startedAt: 5, state: 'running' },
          { name: 'w-2', pid: 8, startTime: 'start-8', startedAt: 5, state: 'running' },
          { name: 'w-3', pid: 9, startTime: 'start-9', startedAt: 5, state: 'running' },
        ],
      },
      1_000,
    );
    pool.reconcile(2, undefined, 1_000);
    expect(pool.workers().map((w) => [w.name, w.pid])).toEqual([
      ['w-1', 7],
      ['w-2', 100],
    ]);
    expect(host.signals).toEqual([]);
  });
});

/** Celery as the supervisor sees it: loads per worker name, set by the test. */
function fakeTasks() {
  const loads = new Map<string, WorkerLoad>();
  const stopTaking: string[] = [];
  const polls = { count: 0 };
  const refreshed: { names: readonly string[]; serving: readonly string[] | undefined }[] = [];
  const tasks: WorkerTasks = {
    refresh: async (names, serving) => {
      refreshed.push({ names, serving });
    },
    load: (name) => loads.get(name),
    loadNow: async (name) => (polls.count++, loads.get(name)),
    stopTaking: async (name) => (stopTaking.push(name), true),
    busy: () => [...loads.values()].reduce((sum, load) => sum + load.active, 0),
    backlog: () => 7,
    close: async () => {},
  };
  return { loads, stopTaking, polls, tasks, refreshed };
}

describe('Class: ProcessPoolSupervisor adopting a stopping worker', () => {
  it('does not SIGTERM it twice (a second SIGTERM may cut a warm shutdown short), and kills it after a fresh grace period', () => {
    const host = fakeHost();
    host.processes.set(7, 'start-7');
    const pool = host.supervisor();
    pool.adopt({ workers: [{ name: 'w-1', pid: 7, startTime: 'start-7', startedAt: 5, state: 'stopping' }] }, 1_000);
    pool.reconcile(0, undefined, 5_000);
    expect(host.signals).toEqual([]);
    pool.reconcile(0, undefined, 11_000);
    expect(host.scopes).toEqual([[7, 'SIGKILL', 'group']]);
  });
});

describe('Class: ProcessPoolSupervisor with a worker protocol (Celery drain)', () => {
  it('picks the worker with the fewest running tasks, whatever its CPU share, then fewest prefetched, then newest', () => {
    // Prepare: w-1 idle but busy on CPU, w-2 runs 2 tasks at 0 % CPU, w-3 runs 1 with 1 prefetched, w-4 runs 1
    const host = fakeHost();
    const celery = fakeTasks();
    const pool = host.supervisor({ tasks: celery.tasks, terminate: 'process' });
    for (let i = 1; i <= 4; i++) pool.reconcile(i, undefined, i * 1_000);
    celery.loads.set('w-1', { active: 0, reserved: 0 });
    celery.loads.set('w-2', { active: 2, reserved: 0 });
    celery.loads.set('w-3', { active: 1, reserved: 1 });
    celery.loads.set('w-4', { active: 1, reserved: 0 });

    // Act
    pool.reconcile(2, host.sample({ 100: { rssGb: 0.1, cpu: 95 }, 101: { rssGb: 0.1, cpu: 0 }, 102: { rssGb: 0.1, cpu: 0 }, 103: { rssGb: 0.1, cpu: 0 } }), 5_000);

    // Assess: w-1 (0 tasks) and w-4 (1 task, none prefetched) drain; nothing signalled yet
    expect(pool.workers().filter((w) => w.state === 'stopping').map((w) => w.name).sort()).toEqual(['w-1', 'w-4']);
    expect(pool.workers().find((w) => w.name === 'w-2')).toMatchObject({ tasks: 2, reserved: 0 });
    expect(pool.figures()).toEqual({ busy: 4, queueLength: 7 });
  });

  it('reads draining workers too (their tasks stay visible), but only serving ones make busy', async () => {
    const host = fakeHost();
    const celery = fakeTasks();
    const pool = host.supervisor({ tasks: celery.tasks, terminate: 'process', gracePeriodMs: 60_000 });
    const now = Date.now();
    pool.reconcile(2, undefined, now);
    celery.loads.set('w-1', { active: 1, reserved: 0 });
    celery.loads.set('w-2', { active: 0, reserved: 0 });
    pool.reconcile(1, undefined, now);
    const draining = pool.workers().find((w) => w.state === 'stopping')!;

    // Act
    await pool.refresh();

    // Assess
    expect(celery.refreshed.at(-1)).toEqual({ names: ['w-1', 'w-2'], serving: pool.workers().filter((w) => w.state === 'running').map((w) => w.name) });
    expect(celery.refreshed.at(-1)!.serving).not.toContain(draining.name);
    expect(pool.workers().find((w) => w.name === draining.name)).toHaveProperty('tasks');
  });

  it('drains: stops consuming, waits for the tasks it holds, then SIGTERM to the main process only; never the group', async () => {
    const host = fakeHost();
    const celery = fakeTasks();
    const pool = host.supervisor({ tasks: celery.tasks, terminate: 'process', gracePeriodMs: 60_000 });
    const now = Date.now();
    pool.reconcile(1, undefined, now);
    celery.loads.set('w-1', { active: 1, reserved: 1 });

    // Act: scale in while it holds a running and a prefetched task
    pool.reconcile(0, undefined, now);
    await waitFor('consuming stopped', () => celery.stopTaking.includes('w-1'));
    celery.loads.set('w-1', { active: 1, reserved: 0 });
    const polled = celery.polls.count;
    await waitFor('two more drain polls with a task still running', () => celery.polls.count >= polled + 2);
    expect(host.scopes).toEqual([]);
    celery.loads.set('w-1', { active: 0, reserved: 0 });

    // Assess
    await waitFor('SIGTERM after the drain', () => host.scopes.length > 0);
    expect(host.scopes).toEqual([[100, 'SIGTERM', 'process']]);
    host.exit(100);
    pool.reconcile(0, undefined, Date.now());
    expect(pool.workers()).toEqual([]);
    expect(host.leftovers).toEqual([100]);
  });

  it('an idle worker gets SIGTERM no sooner than settleMs after it stopped consuming (a broker poll sent before may still deliver)', async () => {
    const host = fakeHost();
    const celery = fakeTasks();
    let confirmedAt = 0;
    const tasks: WorkerTasks = {
      ...celery.tasks,
      settleMs: 1_200,
      stopTaking: async (name) => {
        confirmedAt = Date.now();
        return celery.tasks.stopTaking(name);
      },
    };
    let signalledAt = 0;
    const pool = host.supervisor({ tasks, terminate: 'process', gracePeriodMs: 60_000 });
    pool.reconcile(1, undefined, Date.now());
    celery.loads.set('w-1', { active: 0, reserved: 0 });

    // Act: scale in an idle worker
    pool.reconcile(0, undefined, Date.now());
    await waitFor('SIGTERM', () => host.scopes.length > 0 && (signalledAt ||= Date.now()) > 0, { timeoutMs: 10_000, everyMs: 10 });

    // Assess: a lower bound (a slow machine only makes it later); idle readings came before it
    expect(confirmedAt).toBeGreaterThan(0);
    expect(signalledAt - confirmedAt).toBeGreaterThanOrEqual(1_200);
    expect(celery.polls.count).toBeGreaterThanOrEqual(2);
    expect(host.scopes).toEqual([[100, 'SIGTERM', 'process']]);
  });

  it('ends a drain that outlasts the grace period: SIGTERM (warm shutdown) before the end, SIGKILL to the group at the end', async () => {
    const host = fakeHost();
    const celery = fakeTasks();
    const pool = host.supervisor({ tasks: celery.tasks, terminate: 'process', gracePeriodMs: 1_500 });
    const start = Date.now();
    pool.reconcile(1, undefined, start);
    celery.loads.set('w-1', { active: 1, reserved: 0 });
    pool.reconcile(0, undefined, start);
    await waitFor('warm shutdown asked', () => host.scopes.length > 0, { timeoutMs: 5_000 });
    expect(host.scopes).toEqual([[100, 'SIGTERM', 'process']]);
    pool.reconcile(0, undefined, start + 1_500);
    expect(host.scopes).toEqual([
      [100, 'SIGTERM', 'process'],
      [100, 'SIGKILL', 'group'],
    ]);
  });

  it('abandons a drain in flight when the agent exits without its workers (the next agent drains it again)', async () => {
    const host = fakeHost();
    const celery = fakeTasks();
    const pool = host.supervisor({ tasks: celery.tasks, terminate: 'process', gracePeriodMs: 3_600_000 });
    pool.reconcile(1, undefined, Date.now());
    celery.loads.set('w-1', { active: 1, reserved: 0 });
    pool.reconcile(0, undefined, Date.now());
    await waitFor('consuming stopped', () => celery.stopTaking.includes('w-1'));

    // Act: closes within a drain poll, not after the hour of grace
    await pool.close();

    // Assess
    expect(host.scopes).toEqual([]);
    expect(pool.save().workers).toMatchObject([{ name: 'w-1', state: 'stopping' }]);
  });

  it('recycles a worker above its memory limit only after its task: drained like a scale-in, replaced at once', async () => {
    const host = fakeHost();
    const celery = fakeTasks();
    const pool = host.supervisor({ tasks: celery.tasks, terminate: 'process', memoryLimitGb: 1 });
    pool.reconcile(1, undefined, Date.now());
    celery.loads.set('w-1', { active: 1, reserved: 0 });
    pool.reconcile(1, host.sample({ 100: { rssGb: 1.5, cpu: 100 } }), Date.now());
    expect(pool.pids()).toEqual([100, 101]);
    await waitFor('consuming stopped', () => celery.stopTaking.includes('w-1'));
    expect(host.scopes).toEqual([]);
    celery.loads.set('w-1', { active: 0, reserved: 0 });
    await waitFor('SIGTERM after the task', () => host.scopes.length > 0);
    expect(host.scopes).toEqual([[100, 'SIGTERM', 'process']]);
  });
});
