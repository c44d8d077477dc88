import { describe, expect, it } from 'vitest';
import { fsProcReader } from '../../shared/adapters/host/procfs';
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
