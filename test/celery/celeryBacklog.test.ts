/**
 * The Celery pool's `queue_length` with real Celery 5.2 workers: the tasks waiting (ready in the
 * queue, or prefetched by a worker), never the ones running. With task_acks_late a running task
 * stays in kombu's `unacked` hash until it ends, beside the prefetched ones; the agent counted it
 * there, so the same load read 6 with acks_late and 4 without, and the running tasks were in
 * both `busy` and the backlog.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/support';
import { celeryWorld, type CeleryWorld } from './celeryWorld';

let world: CeleryWorld | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

describe('Celery pool backlog (real Celery 5.2 workers)', () => {
  it.each([{ acksLate: true }, { acksLate: false }])(
    'acks_late $acksLate: 6 tasks on one worker running 2 read busy 2 and queue_length 4',
    async ({ acksLate }) => {
      // Prepare: one worker of concurrency 2 (prefetch multiplier 1), no policy: it stays at 1
      world = await celeryWorld({ acksLate });
      world.startAgent();
      await waitFor('a worker answering Celery remote control', async () => (await world!.status())?.pools[0]?.workers[0]?.tasks !== undefined, {
        timeoutMs: 60_000,
        everyMs: 200,
      });

      // Act: 6 tasks of 20 s: 2 run, the rest wait (in the queue, or prefetched)
      world.enqueue('sleep', 6, 'slow', 20, 20);

      // Assess: the first sample with both running (the backlog is read after the workers answered)
      const pool = await waitFor('2 tasks running', async () => {
        const seen = (await world!.status())?.pools[0];
        return seen?.busy === 2 && seen.queueLength !== undefined && seen;
      }, { timeoutMs: 60_000, everyMs: 100 });
      expect(pool.queueLength).toBe(4);
    },
    120_000,
  );
});
