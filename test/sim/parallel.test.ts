import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../shared/domain/policy';
import { compare } from '../../shared/sim/compare';
import { runJobs, type SimJob } from '../../shared/sim/parallel';
import { parseTrace } from '../../shared/sim/trace';

const ARRIVALS = Array.from({ length: 60 }, (_, i) => [10, 10, 40, 60, 60, 20, 10, 10][i % 8]!);
const trace = parseTrace(`t_seconds,arrivals\n${ARRIVALS.map((a, i) => `${i * 60},${a}`).join('\n')}\n`);
const config = ConfigSchema.parse({
  pools: [{ id: 'p', target: { kind: 'none' }, min: 1, max: 100, rules: [{ type: 'target', metric: 'utilization', targetValue: 0.7 }, { type: 'target', metric: 'jobs_in_system', perWorker: 2 }] }],
});

describe('Function: compare in worker threads', () => {
  it('gives the same rows, figures and timelines as in one thread', async () => {
    // Act
    const single = await compare(config, config.pools[0]!, trace, { threads: 0, baselineTimelines: true });
    const threaded = await compare(config, config.pools[0]!, trace, { threads: 2, baselineTimelines: true });

    // Assess
    expect(threaded.rows.map((r) => r.name)).toEqual(single.rows.map((r) => r.name));
    for (let i = 0; i < single.rows.length; i += 1) {
      expect(threaded.rows[i]!.summary).toEqual(single.rows[i]!.summary);
      expect(threaded.rows[i]!.run!.timeline).toEqual(single.rows[i]!.run!.timeline);
      expect([...threaded.rows[i]!.supply]).toEqual([...single.rows[i]!.supply]);
    }
  }, 60_000);

  it.each([
    { case: 'in this thread', threads: 0 },
    { case: 'in worker threads', threads: 2 },
  ])('rejects with the error of a job that throws, $case', async ({ threads }) => {
    // Prepare: a policy job without its pool throws inside the simulator.
    const good: SimJob = { kind: 'static', count: 2, interval: 60, options: {} };
    const broken = { kind: 'policy', options: {} } as unknown as SimJob;

    // Act
    const running = runJobs([good, broken], trace, { threads });

    // Assess
    await expect(running).rejects.toThrow(/Cannot read properties of undefined/);
  }, 60_000);
});
