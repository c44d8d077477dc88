import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Decision, TargetStatus } from '../../domain/types';

/** CloudWatch namespace of poolscale's own metrics. */
export const METRICS_NAMESPACE = 'poolscale';

/** A Powertools Metrics instance for decision metrics (EMF lines on stdout). */
export function createDecisionMetrics(serviceName = 'poolscale'): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

/**
 * Adds one decision's metrics with the dimension PoolId: Desired and Ready (counts), Decisions
 * (1 per decision) and ScaleActions (1 when the decision changes the target, else 0, so the
 * sum over time counts actions). The caller flushes with `metrics.publishStoredMetrics()`.
 *
 * Metrics the decision could not read are counted at once, on their own lines, as
 * MetricFailures with the dimension Source (`redis`, `cloudwatch`, ...): one alarm on a source
 * covers every pool, and the count does not multiply custom metrics by pools.
 *
 * An EMF line has one set of dimension values, so flush after each pool: recording two pools
 * before one flush would merge them under the second PoolId. `publishDecisions` does that.
 *
 * @example
 * recordDecision(metrics, result.decision, status);
 * metrics.publishStoredMetrics();
 */
export function recordDecision(metrics: Metrics, decision: Decision, status?: TargetStatus): void {
  metrics.addDimension('PoolId', decision.poolId);
  metrics.addMetadata('action', decision.dryRun ? `${decision.action} (dry run)` : decision.action);
  metrics.addMetric('Desired', MetricUnit.Count, decision.desired);
  if (status) metrics.addMetric('Ready', MetricUnit.Count, status.ready);
  metrics.addMetric('Decisions', MetricUnit.Count, 1);
  metrics.addMetric('ScaleActions', MetricUnit.Count, decision.action !== 'none' && !decision.dryRun ? 1 : 0);
  if (decision.metricErrors) recordMetricFailures(metrics, decision);
}

/** One EMF line per failing source: MetricFailures (count of the decision's unread metrics) by Source. */
export function recordMetricFailures(metrics: Metrics, decision: Decision): void {
  const bySource = new Map<string, { count: number; classes: Set<string> }>();
  for (const error of decision.metricErrors ?? []) {
    const entry = bySource.get(error.source) ?? { count: 0, classes: new Set<string>() };
    entry.count++;
    entry.classes.add(error.errorClass);
    bySource.set(error.source, entry);
  }
  for (const [source, { count, classes }] of bySource) {
    // singleMetric: its own line with its own dimensions, flushed by addMetric.
    const line = metrics.singleMetric();
    line.addDimension('Source', source);
    line.addMetadata('poolId', decision.poolId);
    line.addMetadata('errorClasses', [...classes].sort().join(','));
    line.addMetric('MetricFailures', MetricUnit.Count, count);
  }
}

/** Records and flushes each decision on its own EMF line (one PoolId per line). */
export function publishDecisions(
  metrics: Metrics,
  entries: readonly { decision: Decision; status?: TargetStatus }[],
): void {
  for (const { decision, status } of entries) {
    recordDecision(metrics, decision, status);
    metrics.publishStoredMetrics();
  }
}
