/**
 * Issue 9 item 5: a gunicorn master the agent did not start (pid-file mode: systemd owns it)
 * gets SIGTTIN/SIGTTOU only. The old agent sent it SIGTERM on `agent stop --workers`,
 * `stopWorkersOnExit` and Ctrl-C, taking the site down.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/redis';
import { alive, waitFor } from './support';
import { APP_DIR, CLI, get, GUNICORN, setup } from './gunicornWorld';

describe('gunicorn pool through the agent (real gunicorn 20.1): a master started elsewhere', () => {
  it('never stops a master it did not start: pid-file mode survives Ctrl-C (stopWorkersOnExit) and `agent stop --workers`', async () => {
    // Prepare: "systemd" runs gunicorn with 1 worker and a pid file
    const port = await freePort();
    const world = await setup({ pidFile: 'gunicorn.pid', initialWorkers: 2 }, { stopWorkersOnExit: true });
    const pidFile = join(world.dir, 'gunicorn.pid');
    const master = spawn(GUNICORN, ['--chdir', APP_DIR, '-b', `127.0.0.1:${port}`, '-w', '1', '--pid', pidFile, 'slow_app:app'], { stdio: 'ignore', detached: true });
    world.pids.add(master.pid!);
    await waitFor('pid file', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) === master.pid, { timeoutMs: 30_000 });

    // Act 1: the agent drives it to 2 workers, then gets Ctrl-C (SIGINT)
    const first = world.startAgent();
    await waitFor('2 workers', async () => (await world.status())?.running === 2, { timeoutMs: 60_000, everyMs: 200 });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.log()).toContain('leaving the gunicorn master running');

    // Assess 1: the master and its workers still serve
    expect(alive(master.pid!)).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/`, 5_000)).status).toBe(200);

    // Act 2: a new agent, then `agent stop --workers`
    const second = world.startAgent();
    await waitFor('the new agent sees the master', async () => (await world.status())?.running === 2, { timeoutMs: 60_000, everyMs: 200 });
    const stopped = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [CLI, 'agent', 'stop', '--workers', '--config', world.configPath], { stdio: 'ignore' }).once('exit', resolve),
    );
    expect(stopped).toBe(0);
    expect(await second.exited).toBe(0);

    // Assess 2: still up and serving
    expect(alive(master.pid!)).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/`, 5_000)).status).toBe(200);
  }, 150_000);
});
