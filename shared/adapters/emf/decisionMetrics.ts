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
