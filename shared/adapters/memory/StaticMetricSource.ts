import type { MetricReading } from '../../domain/types';
import type { MetricRequest, MetricSource } from '../../ports/MetricSource';

/** Serves `source: 'static'` metrics: the configured value, read now. */
export class StaticMetricSource implements MetricSource {
  readonly sources = ['static'] as const;

  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    const readings = new Map<string, MetricReading>();
    for (const request of requests) {
      if (request.spec.source === 'static') readings.set(request.id, { value: request.spec.value, at: now });
    }
    return readings;
  }
}
