import { describe, expect, it } from 'vitest';
import { fsProcReader, type ProcReader } from '../../shared/adapters/host/procfs';
import { GunicornSupervisor } from '../../shared/agent/supervisors/GunicornSupervisor';
import { silentLogger } from './agentWorld';
import { alive, killGroups, tempDir, waitFor } from './support';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const MASTER = join(import.meta.dirname, '..', 'fixtures', 'worker-master.mjs');

describe('Class: GunicornSupervisor (with a stand-in master process)', () => {
  it('starts the master with the desired workers and moves the count with SIGTTIN/SIGTTOU', async () => {
    // Prepare
    const pool = new GunicornSupervisor({
      pool: 'web',
      commandFor: (workers) => ({ command: ['node', MASTER, '--workers', String(workers)] }),
      gracePeriodMs: 10_000,
      reader: fsProcReader,
      logger: silentLogger,
    });
    let master: number | undefined;
    try {
      // Act + Assess: start with 2
      pool.reconcile(2, undefined, 0);
      master = pool.save().master?.pid;
      expect(master).toBeDefined();
      await waitFor('2 workers', () => pool.running() === 2);

      // up to 4, then down to 1
      // (the agent reconciles every interval; here every poll)
      await waitFor('4 workers', () => (pool.reconcile(4, undefined, Date.now()), pool.running() === 4));
      await waitFor('1 worker', () => (pool.reconcile(1, undefined, Date.now()), pool.running() === 1));

      // Adoption: a new supervisor takes the same master over
      const again = new GunicornSupervisor({ pool: 'web', gracePeriodMs: 10_000, reader: fsProcReader, logger: silentLogger, commandFor: () => ({ command: ['false'] }) });
      again.adopt(pool.save(), 3);
      expect(again.save().master?.pid).toBe(master);
      await waitFor('3 workers', () => (again.reconcile(3, undefined, Date.now()), again.running() === 3));

      // Stop
      await again.stopAll();
      expect(alive(master!)).toBe(false);
    } finally {
      if (master) killGroups([master]);
    }
  }, 60_000);

  it('drives a master started elsewhere through its pid file, and leaves it alone at desired 0', async () => {
    // Prepare: the master runs under "systemd" (here: this test), writing its pid file
    const dir = tempDir();
    const pidFile = join(dir.path, 'gunicorn.pid');
    const master = spawn(process.execPath, [MASTER, '--workers', '1', '--pid', pidFile], { stdio: 'ignore', detached: true });
    try {
      await waitFor('pid file', () => existsSync(pidFile));
      const pool = new GunicornSupervisor({ pool: 'site', pidFile, gracePeriodMs: 10_000, reader: fsProcReader, logger: silentLogger });
      pool.adopt(undefined, 0);

      // Act + Assess
      await waitFor('3 workers', () => (pool.reconcile(3, undefined, Date.now()), pool.running() === 3));
      await waitFor('1 worker (gunicorn keeps one)', () => (pool.reconcile(0, undefined, Date.now()), pool.running() === 1));
      expect(pool.save().master?.pid).toBe(master.pid);
      expect(alive(master.pid!)).toBe(true);
    } finally {
      killGroups([master.pid!]);
      dir.remove();
    }
  }, 60_000);
});

describe('Method: GunicornSupervisor.drainLimitMs (how long a SIGTTOU may take to show)', () => {
  /** A master (pid 42) with this command line, adopted by a supervisor with these options. */
  const adopted = (argv: string[], options: { gracefulTimeoutMs?: number; workerTimeoutMs?: number } = {}) => {
    const reader: ProcReader = {
      read: (path) =>
        path === '/proc/42/stat' ? '42 (gunicorn) S 1 42 42 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 777 0 0' : path === '/proc/42/cmdline' ? `${argv.join('\0')}\0` : undefined,
    };
    const pool = new GunicornSupervisor({ pool: 'web', gracePeriodMs: 10_000, reader, logger: silentLogger, ...options });
    pool.adopt({ workers: [], master: { name: 'web-master', pid: 42, startTime: '777', startedAt: 0, state: 'running' } }, 0);
    return pool;
  };

  it.each([
    { case: 'gunicorn defaults (30 s each)', argv: ['gunicorn', 'app:app'], options: {}, ms: 30_000 },
    { case: '--timeout above --graceful-timeout (a sync worker in a long request)', argv: ['gunicorn', '--graceful-timeout', '20', '--timeout', '60', 'app:app'], options: {}, ms: 60_000 },
    { case: '--graceful-timeout above --timeout', argv: ['gunicorn', '--graceful-timeout=90', '--timeout=10', 'app:app'], options: {}, ms: 90_000 },
    { case: '-t 120', argv: ['gunicorn', '-t', '120', 'app:app'], options: {}, ms: 120_000 },
    { case: '-t120', argv: ['gunicorn', '-t120', 'app:app'], options: {}, ms: 120_000 },
    { case: '--timeout 0 (no worker timeout): unbounded', argv: ['gunicorn', '--timeout', '0', '--graceful-timeout', '15', 'app:app'], options: {}, ms: Number.POSITIVE_INFINITY },
    { case: 'agent.yaml over the command line', argv: ['gunicorn', '--timeout', '60', 'app:app'], options: { workerTimeoutMs: 100_000, gracefulTimeoutMs: 5_000 }, ms: 100_000 },
  ])('$case: $ms ms', ({ argv, options, ms }) => {
    expect(adopted(argv, options).drainLimitMs()).toBe(ms);
  });
});

describe('Class: GunicornSupervisor, a restart while a SIGTTOU is unconfirmed', () => {
  const reader: ProcReader = { read: (path) => (path === '/proc/42/stat' ? '42 (gunicorn) S 1 42 42 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 777 0 0' : undefined) };
  const master = { name: 'web-master', pid: 42, startTime: '777', startedAt: 0, state: 'running' as const };

  it.each([
    { case: 'a bounded drain', pending: { up: false, expect: 2, at: 1_000, timeoutMs: 65_000 } },
    { case: 'an unbounded drain (--timeout 0), saved as -1 since JSON has no Infinity', pending: { up: false, expect: 2, at: 1_000, timeoutMs: -1 } },
  ])('keeps the pending signal across save and adopt ($case), so the new agent waits for it instead of sending another', ({ pending }) => {
    // Prepare: what the killed agent saved (after a JSON round trip, as the state file does)
    const saved = JSON.parse(JSON.stringify({ workers: [], master, ownMaster: true, requested: 2, pendingSignal: pending }));

    // Act
    const pool = new GunicornSupervisor({ pool: 'web', gracePeriodMs: 10_000, reader, logger: silentLogger });
    pool.adopt(saved, 2_000);

    // Assess
    expect(JSON.parse(JSON.stringify(pool.save())).pendingSignal).toEqual(pending);
  });
});
