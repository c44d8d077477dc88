/**
 * Issue 9 item 5: gunicorn scale-in paced by the master's graceful timeout, with a real
 * gunicorn 20.1. The desired count comes from the pool's local policy reading a Redis list
 * through a host `queue_length` metric with `key` (item 4: the key is honoured). The old agent
 * sent a second SIGTTOU 10 s after the first while the first worker still drained: two workers
 * gone for one step.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAgentState } from '../../shared/agent/AgentStateFile';
import { freePort } from '../support/redis';
import { waitFor } from './support';
import { APP_DIR, get, GUNICORN, setup } from './gunicornWorld';

describe('gunicorn pool through the agent (real gunicorn 20.1): scale-in', () => {
  it('3 -> 2 while every worker, the oldest included, serves a 25 s request: one SIGTTOU, 2 workers left, every request 200', async () => {
    // Prepare: the agent starts the master with 3 workers (desired = length of the list "want")
    const port = await freePort();
    const world = await setup({
      command: [GUNICORN, '--chdir', APP_DIR, '-b', `127.0.0.1:${port}`, '--graceful-timeout', '40', '--timeout', '120', 'slow_app:app'],
      initialWorkers: 3,
      policy: {
        min: 1,
        max: 3,
        interval: '1s',
        metrics: { want: { source: 'host', type: 'queue_length', key: 'want' } },
        rules: [{ type: 'target', metric: 'want', perWorker: 1 }],
        behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
      },
    });
    await world.client.rpush('want', 'a', 'b', 'c');
    const agent = world.startAgent();
    const base = `http://127.0.0.1:${port}`;
    await waitFor('3 workers serving', async () => (await world.status())?.running === 3 && (await get(base, 2_000)).status === 200, { timeoutMs: 60_000, everyMs: 200 });
    const workers = (await world.status())!.workers.map((w) => w.pid);

    // Act: three 25 s requests occupy the three sync workers; busy counts requests in flight
    const requests = [0, 1, 2].map(() => get(`${base}/slow?s=25`));
    await waitFor('3 requests in flight', async () => (await world.status())?.busy === 3, { timeoutMs: 20_000, everyMs: 100 });
    const logBefore = agent.log().length;
    await world.client.ltrim('want', 0, 1);

    // Assess: the removed worker drains its request; no second SIGTTOU meanwhile
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.pid).sort()).toEqual([...workers].sort());
    await waitFor('2 workers', async () => (await world.status())?.running === 2, { timeoutMs: 30_000, everyMs: 200 });
    const ttou = () => agent.log().slice(logBefore).split('\n').filter((line) => line.includes('"signal":"SIGTTOU"')).length;
    const signals = () => agent.log().split('\n').filter((line) => line.includes('"adjusting gunicorn workers"')).length;
    expect(ttou()).toBe(1);
    // Several more intervals: still 2 (the count confirmed the step), and still one SIGTTOU
    const settled = (await world.status())!;
    await waitFor('a few more agent intervals', async () => {
      const state = readAgentState(join(world.dir, 'state', 'agent.json'));
      return state !== undefined && state.savedAt > Date.now() - 200 && Date.now() - settled.lastDecision!.at > 1_500;
    }, { timeoutMs: 20_000, everyMs: 200 });
    expect((await world.status())?.running).toBe(2);
    expect(ttou()).toBe(1);
    // and nothing but that one signal since the start (3 booting workers are not "too few")
    expect(signals()).toBe(1);
    expect((await get(base, 5_000)).status).toBe(200);
  }, 150_000);

});
