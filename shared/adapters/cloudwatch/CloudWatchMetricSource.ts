import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { formatDuration } from '../../domain/duration';
import { errorClassOf, safeErrorMessage } from '../../domain/metricErrors';
import type { EcsTarget, MetricSpec } from '../../domain/policy';
import type { MetricReading } from '../../domain/types';
import type { MetricRequest, MetricSource } from '../../ports/MetricSource';
import { createCloudWatchClientFactory, type CloudWatchClientFactory } from './cloudWatchClient';

/** GetMetricData accepts at most 500 queries per call. */
export const MAX_QUERIES_PER_CALL = 500;

/** Fixed reading window of `source: ecs` specs: one-minute datapoints of the last 5 minutes. */
const ECS_PERIOD_MS = 60_000;
const ECS_LOOKBACK_MS = 300_000;

export interface CloudWatchMetricSourceOptions {
  clients?: CloudWatchClientFactory;
  /**
   * The ECS target of a pool, for `source: ecs` specs (which name no service themselves).
   * A function rather than a policy in the request, so the MetricRequest port stays as it is;
   * the composition root passes e.g. `(id) => policiesById.get(id)?.target` (may be async).
   */
  resolveTarget?: (poolId: string) => EcsTarget | undefined | Promise<EcsTarget | undefined>;
}

/** One metric in CloudWatch terms, after `ecs` specs are resolved to AWS/ECS metrics. */
interface ResolvedQuery {
  request: MetricRequest;
  region?: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  periodMs: number;
  lookbackMs: number;
  endOffsetMs: number;
}

const describeQuery = (query: ResolvedQuery): string => {
  const dimensions = Object.entries(query.dimensions)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return `${query.namespace} ${query.metricName}${dimensions ? ` (${dimensions})` : ''}`;
};

const lastSegment = (nameOrArn: string): string => nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1);

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
};

/**
 * Reads CloudWatch metrics (`source: cloudwatch`) and the CPU/memory utilization of a pool's
 * own ECS service (`source: ecs`, in percent 0..100) with GetMetricData: one call per region
 * and time window and 500 queries, following NextToken. The value is the newest datapoint.
 * Failures are per call: a throttled call fails each of its requests, not the whole read.
 */
export class CloudWatchMetricSource implements MetricSource {
  readonly sources = ['cloudwatch', 'ecs'] as const;
  private readonly clients: CloudWatchClientFactory;

  constructor(private readonly options: CloudWatchMetricSourceOptions = {}) {
    this.clients = options.clients ?? createCloudWatchClientFactory();
  }

  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    const readings = new Map<string, MetricReading>();
    const groups = new Map<string, ResolvedQuery[]>();
    // A pool's cpu and memory metrics share one target lookup per read.
    const targets = new Map<string, Promise<EcsTarget | undefined>>();
    for (const request of requests) {
      const resolved = await this.resolve(request, targets);
      if ('error' in resolved) {
        readings.set(request.id, { error: resolved.error, at: now, source: request.spec.source, errorClass: resolved.errorClass });
        continue;
      }
      // Queries of one call share StartTime/EndTime and a region.
      const key = [resolved.region ?? '', resolved.lookbackMs, resolved.endOffsetMs].join('\u0000');
      const group = groups.get(key) ?? [];
      group.push(resolved);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      for (const batch of chunks(group, MAX_QUERIES_PER_CALL)) {
        for (const [id, reading] of await this.readBatch(batch, now)) readings.set(id, reading);
      }
    }
    return readings;
  }

  private async readBatch(batch: ResolvedQuery[], now: number): Promise<Map<string, MetricReading>> {
    const first = batch[0]!;
    const endTime = now - first.endOffsetMs;
    const startTime = endTime - first.lookbackMs;
    // Query ids must match ^[a-z][a-zA-Z0-9_]*$; request ids (`pool/metric`) do not.
    const queries: MetricDataQuery[] = batch.map((query, index) => ({
      Id: `q${index}`,
      MetricStat: {
        Metric: {
          Namespace: query.namespace,
          MetricName: query.metricName,
          Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: Math.max(1, Math.round(query.periodMs / 1000)),
        Stat: query.stat,
      },
      ReturnData: true,
    }));
    const results = new Map<string, MetricDataResult[]>();
    const readings = new Map<string, MetricReading>();
    try {
      const client = this.clients(first.region);
      let nextToken: string | undefined;
      do {
        const response = await client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(startTime),
            EndTime: new Date(endTime),
            ScanBy: 'TimestampDescending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const result of response.MetricDataResults ?? []) {
          if (!result.Id) continue;
          results.set(result.Id, [...(results.get(result.Id) ?? []), result]);
        }
        nextToken = response.NextToken;
      } while (nextToken);
    } catch (error) {
      const errorClass = errorClassOf(error);
      const detail = error instanceof Error ? `${error.name}: ${safeErrorMessage(error)}` : safeErrorMessage(error);
      for (const query of batch) {
        readings.set(query.request.id, {
          error: `CloudWatch GetMetricData failed for ${describeQuery(query)}: ${detail}`,
          at: now,
          source: query.request.spec.source,
          errorClass,
        });
      }
      return readings;
    }
    batch.forEach((query, index) => {
      readings.set(query.request.id, this.newest(query, results.get(`q${index}`) ?? [], now));
    });
    return readings;
  }

  /** The newest datapoint over all pages of one query's results. */
  private newest(query: ResolvedQuery, parts: MetricDataResult[], now: number): MetricReading {
    let best: { value: number; at: number } | undefined;
    for (const part of parts) {
      (part.Timestamps ?? []).forEach((timestamp, index) => {
        const value = part.Values?.[index];
        const at = new Date(timestamp).getTime();
        if (value === undefined || !Number.isFinite(value)) return;
        if (!best || at > best.at) best = { value, at };
      });
    }
    if (best) return best;
    const statuses = [...new Set(parts.map((part) => part.StatusCode).filter((code) => code && code !== 'Complete'))];
    const status = statuses.length > 0 ? ` (status ${statuses.join(', ')})` : '';
    return {
      error: `no datapoints in the last ${formatDuration(query.lookbackMs)} for ${describeQuery(query)}${status}`,
      at: now,
      source: query.request.spec.source,
      errorClass: 'NoData',
    };
  }

  /** A CloudWatch query for the request, or why there is none. */
  private async resolve(
    request: MetricRequest,
    targets: Map<string, Promise<EcsTarget | undefined>>,
  ): Promise<ResolvedQuery | { error: string; errorClass: string }> {
    const spec: MetricSpec = request.spec;
    if (spec.source === 'cloudwatch') {
      return {
        request,
        region: spec.region,
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensions: spec.dimensions,
        stat: spec.stat,
        periodMs: spec.period,
        lookbackMs: spec.lookback,
        endOffsetMs: spec.endOffset,
      };
    }
    if (spec.source === 'ecs') {
      let target: EcsTarget | undefined;
      try {
        let lookup = targets.get(request.poolId);
        if (!lookup) {
          lookup = Promise.resolve().then(() => this.options.resolveTarget?.(request.poolId));
          targets.set(request.poolId, lookup);
        }
        target = await lookup;
      } catch (error) {
        return { error: `could not resolve the ECS service of pool "${request.poolId}": ${safeErrorMessage(error)}`, errorClass: errorClassOf(error) };
      }
      if (!target) {
        const why = this.options.resolveTarget ? 'has no ecs target' : 'cannot be read: no ECS service resolver is configured here';
        return { error: `pool "${request.poolId}" ${why} for its ${spec.type} metric`, errorClass: 'NoTarget' };
      }
      return {
        request,
        region: target.region,
        namespace: 'AWS/ECS',
        metricName: spec.type === 'cpu' ? 'CPUUtilization' : 'MemoryUtilization',
        // Targets may name the cluster and service by ARN; the dimensions want bare names.
        dimensions: { ClusterName: lastSegment(target.cluster), ServiceName: lastSegment(target.service) },
        stat: spec.stat,
        periodMs: ECS_PERIOD_MS,
        lookbackMs: ECS_LOOKBACK_MS,
        endOffsetMs: 0,
      };
    }
    return { error: `source "${spec.source}" is not read by CloudWatch`, errorClass: 'WrongSource' };
  }
}
