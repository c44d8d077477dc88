import type { MetricSpec } from '../domain/policy';
import type { MetricReading } from '../domain/types';

/** One metric to read for one pool in this tick. */
export interface MetricRequest {
  /** Unique within the batch, e.g. `${poolId}/${metricName}`. */
  id: string;
  poolId: string;
  name: string;
  spec: MetricSpec;
}

/**
 * Reads many metrics in one batch (one Redis pipeline, one GetMetricData call per 500
 * queries). Never throws for a single metric: a failed one is a `MetricFailure` in the
 * result; it throws only when the whole source is unusable, and the runtime then records a
 * failure for every request of that source.
 */
export interface MetricSource {
  /** The `source` values of MetricSpec this adapter serves (e.g. `['redis']`). */
  readonly sources: readonly MetricSpec['source'][];
  read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>>;
}
