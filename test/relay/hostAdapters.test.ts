import { describe, expect, it } from 'vitest';
import { HostMetricSource } from '../../shared/adapters/host/HostMetricSource';
import { HostScaleTarget } from '../../shared/adapters/host/HostScaleTarget';
import { MemoryAgentStore, MemoryPolicyStore } from '../../shared/adapters/memory';
import { ScaleTargetError } from '../../shared/domain/errors';
import { isSample } from '../../shared/domain/types';
import { memoryPolicy, report } from './relayFixtures';

const NOW = 1_700_000_000_000;
const policy = memoryPolicy('a-web', 'a', 'web', {
  metrics: {
    mem: { source: 'host', type: 'mem_available_gb' },
    queue: { source: 'host', type: 'queue_length' },
    busy: { source: 'host', type: 'busy' },
    rss: { source: 'host', type: 'workers_rss_gb' },
  },
  rules: [{ type: 'memory', perWorkerGb: 6, metric: 'mem' }],
});

async function world(reportAt: number | undefined, desired: Record<string, number> = {}) {
  const agents = new MemoryAgentStore(() => NOW);
  await agents.put(
    {
      hostId: 'a',
      secret: 'x'.repeat(20),
      poolIds: ['a-web'],
      desired,
      version: 1,
      ...(reportAt !== undefined ? { report: report(30, { web: { running: 3, busy: 2, rssGb: 1.5, queueLength: 17 } }, reportAt) } : {}),
    },
    0,
  );
  return { agents, policies: new MemoryPolicyStore([policy]) };
}

const requests = ['mem', 'queue', 'busy', 'rss'].map((name) => ({ id: `a-web/${name}`, poolId: 'a-web', name, spec: policy.metrics[name]! }));

describe('Class: HostMetricSource', () => {
  it('reads every host metric from the last report', async () => {
    const { agents, policies } = await world(NOW - 10_000);
    const readings = await new HostMetricSource(agents, policies).read(requests, NOW);
    expect([...readings.values()].map((r) => (isSample(r) ? r.value : r.error))).toEqual([30, 17, 2, 1.5]);
  });

  it.each([
    { case: 'a stale report', at: NOW - 301_000, error: /stale/ },
    { case: 'no report yet', at: undefined, error: /not reported/ },
  ])('fails every metric for $case, never reporting zeros', async ({ at, error }) => {
    const { agents, policies } = await world(at);
    const readings = await new HostMetricSource(agents, policies).read(requests, NOW);
    for (const reading of readings.values()) {
      expect(isSample(reading)).toBe(false);
      expect((reading as { error: string }).error).toMatch(error);
    }
  });
});

describe('Class: HostScaleTarget', () => {
  it.each([
    { case: 'agent runs what was asked', desired: { web: 3 }, expected: { desired: 3, ready: 3, pending: 0, stable: true } },
    { case: 'agent lags the desired count', desired: { web: 5 }, expected: { desired: 5, ready: 3, pending: 2, stable: false } },
    { case: 'nothing asked yet', desired: {} as Record<string, number>, expected: { desired: 3, ready: 3, pending: 0, stable: true } },
  ])('reports status when $case', async ({ desired, expected }) => {
    const { agents } = await world(NOW, desired);
    expect(await new HostScaleTarget(agents).status(policy)).toMatchObject(expected);
  });

  it('writes the desired count on the agent record with a conditional write', async () => {
    const { agents } = await world(NOW);
    await new HostScaleTarget(agents).scale(policy, { desired: 6, reason: 'test' });
    const record = await agents.get('a');
    expect(record?.desired).toEqual({ web: 6 });
    expect(record?.version).toBe(2);
  });

  it('survives concurrent writers (every one retried until it lands)', async () => {
    const { agents } = await world(NOW);
    const target = new HostScaleTarget(agents);
    await Promise.all([1, 2, 3, 4].map((n) => target.scale(policy, { desired: n, reason: 'race' })));
    expect((await agents.get('a'))?.version).toBe(5);
  });

  it('refuses an unregistered host', async () => {
    const agents = new MemoryAgentStore();
    await expect(new HostScaleTarget(agents).status(policy)).rejects.toBeInstanceOf(ScaleTargetError);
  });
});
