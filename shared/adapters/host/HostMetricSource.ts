import type { MetricSpec, Policy } from '../../domain/policy';
import type { HostReport } from '../../ports/HostReport';
import type { MetricReading } from '../../domain/types';
import type { AgentRecord, AgentStore } from '../../ports/AgentStore';
import type { MetricRequest, MetricSource } from '../../ports/MetricSource';
import type { PolicyStore } from '../../ports/PolicyStore';

type HostSpec = Extract<MetricSpec, { source: 'host' }>;

/**
 * One host metric from a report. Shared by the relay (reading the stored report) and the agent
 * (reading its own fresh metrics when it evaluates offline), so both see the same numbers.
 */
export function hostReading(report: HostReport, poolName: string, spec: HostSpec): MetricReading {
  const pool = report.pools[poolName];
  const value = (() => {
    switch (spec.type) {
      case 'mem_available_gb':
        return report.memAvailableGb;
      case 'mem_total_gb':
        return report.memTotalGb;
      case 'cpu':
        return report.cpu;
      case 'load1':
        return report.load1;
      case 'workers_rss_gb':
        return pool?.rssGb;
      case 'busy':
        return pool?.busy;
      case 'queue_length':
        // With `key`: that Redis list, read by the agent; without: the pool's own backlog.
        return spec.key !== undefined ? report.queues?.[spec.key] : pool?.queueLength;
    }
  })();
  if (value === undefined) {
    const what = spec.type === 'queue_length' && spec.key !== undefined ? `queue_length of "${spec.key}"` : spec.type;
    return { error: `host report has no ${what} for pool "${poolName}"`, at: report.at };
  }
  return { value, at: report.at };
}

/**
 * Metric source `host`: the values in the host's last heartbeat. A report older than the
 * pool's `staleAfter` is a failure, so a silent agent never looks like an idle host.
 */
export class HostMetricSource implements MetricSource {
  readonly sources = ['host'] as const;

  constructor(
    private readonly agents: AgentStore,
    private readonly policies: Pick<PolicyStore, 'get'>,
  ) {}

  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    const readings = new Map<string, MetricReading>();
    const policies = new Map<string, Promise<Policy | undefined>>();
    const records = new Map<string, Promise<AgentRecord | undefined>>();
    for (const request of requests) {
      if (request.spec.source !== 'host') continue;
      if (!policies.has(request.poolId)) policies.set(request.poolId, this.policies.get(request.poolId));
      const policy = await policies.get(request.poolId);
      if (!policy || policy.target.kind !== 'host') {
        readings.set(request.id, { error: `pool "${request.poolId}" has no host target for a host metric`, at: now });
        continue;
      }
      const { host, pool } = policy.target;
      if (!records.has(host)) records.set(host, this.agents.get(host));
      const report = (await records.get(host))?.report;
      if (!report) {
        readings.set(request.id, { error: `agent "${host}" has not reported yet`, at: now });
        continue;
      }
      const age = now - report.at;
      if (age > policy.staleAfter) {
        readings.set(request.id, { error: `agent "${host}" last reported ${Math.round(age / 1000)} s ago (stale)`, at: report.at });
        continue;
      }
      readings.set(request.id, hostReading(report, pool, request.spec));
    }
    return readings;
  }
}
