/**
 * Issue 9: scale-in of real Celery workers must not lose or repeat a task. The agent runs as
 * users run it (`node bin/poolscale.js agent`), with a local policy that follows Celery's own
 * backlog, so a burst scales the pool up and then in, step by step, while tasks run; then
 * `agent stop --workers` is asked while tasks still run. With task_acks_late off and on
 * (reject_on_worker_lost off), every task that started finishes exactly once.
 *
 * (The old agent sent SIGTERM to the worker's process group: prefork children died mid-task,
 * so started tasks never finished, or ran twice after redelivery.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/support';
import { celeryWorld, repeated, type CeleryWorld } from './celeryWorld';

let world: CeleryWorld | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const policy = {
  min: 1,
  max: 3,
  interval: '1s',
  metrics: { queue_length: { source: 'host', type: 'queue_length' } },
  rules: [{ type: 'target', metric: 'queue_length', perWorker: 3 }],
  behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
};

/** The drain scenario, registered by one test file per acks_late setting (they run in parallel). */
export function drainScenario(acksLate: boolean): void {
  describe('Celery pool through the agent (real Celery 5.2 workers, Redis broker)', () => {
    it(
      `drains on every scale-in and on \`agent stop --workers\`: every task finishes exactly once (task_acks_late ${acksLate ? 'on' : 'off'})`,
      async () => {
        // Prepare: a burst of 12 tasks of 1-2 s; the pool follows the backlog, 3 per worker, 1..3
        world = await celeryWorld({ acksLate, pool: { policy } });
        const burst = world.enqueue('sleep', 12, 'burst', 1, 2);
        const agent = world.startAgent();

        // Act 1: the burst is worked off; the pool scales up, then in while tasks still run
        await waitFor('3 workers', async () => (await world!.status())?.pools[0]?.running === 3, { timeoutMs: 40_000, everyMs: 200 });
        // Generous: on a saturated 2-core machine Celery's prefork workers start slowly. On a
        // timeout the message says which tasks started and never finished (a lost task).
        await waitFor(
          'the burst done',
          async () => {
            const done = await world!.done();
            if (Object.keys(done).length === burst.length) return true;
            const started = await world!.started();
            throw new Error(`${Object.keys(done).length}/${burst.length} done; started, not done: ${started.filter((id) => !(id in done)).join(', ') || 'none'}`);
          },
          { timeoutMs: 150_000, everyMs: 200 },
        );
        await waitFor('scale-in to 1', async () => (await world!.status())?.pools[0]?.running === 1, { timeoutMs: 30_000, everyMs: 200 });

        // Assess 1: at least two drained scale-ins, each drained before its SIGTERM
        const scaleIns = agent.log().split('\n').filter((line) => line.includes('"draining worker"') && line.includes('"scale-in"'));
        expect(scaleIns.length).toBeGreaterThanOrEqual(2);
        expect(agent.log()).not.toContain('did not stop within the grace period');
        expect(Object.values(await world.done()).every((n) => n === 1)).toBe(true);
        expect(repeated(await world.started())).toEqual([]);

        // Act 2: `agent stop --workers` while tasks run (3 s tasks, more queued than the pool holds)
        const tail = world.enqueue('sleep', 4, 'tail', 3, 3);
        await waitFor('tail tasks running', async () => (await world!.started()).filter((id) => id.startsWith('tail')).length >= 1, { timeoutMs: 30_000, everyMs: 100 });
        const workers = (await world.status())!.pools[0]!.workers.map((w) => w.pid);
        const stopped = world.cli('stop', '--workers');
        expect(stopped.status).toBe(0);
        expect(await agent.exited).toBe(0);

        // Assess 2, once every worker process is gone (a worker restores its prefetched messages
        // to the broker during its warm shutdown): each tail task either finished exactly once,
        // or is still held by the broker (queued, or delivered and not acked) exactly once and
        // never started. Neither is a lost task; both is one that will run twice.
        await waitFor('the workers gone', () => world!.livePids().filter((pid) => workers.includes(pid)).length === 0, { timeoutMs: 60_000, everyMs: 200 });
        const started = await world.started();
        const done = await world.done();
        const queued = await world.queued();
        expect(repeated(started)).toEqual([]);
        expect(repeated(queued)).toEqual([]);
        expect(tail.filter((id) => started.includes(id)).length).toBeGreaterThanOrEqual(1);
        const fate = (id: string) => (done[id] === 1 && !queued.includes(id) ? 'done once' : queued.includes(id) && !started.includes(id) && !(id in done) ? 'queued' : `lost or repeated (started ${started.includes(id)}, done ${done[id] ?? 0}, queued ${queued.includes(id)})`);
        expect(tail.map((id) => [id, fate(id)]), agent.log()).toEqual(tail.map((id) => [id, expect.stringMatching(/^(done once|queued)$/)]));
        expect(agent.log()).toContain('worker drained; SIGTERM to its main process');
      },
      300_000,
    );
  });
}
