import type { MetricSpec } from '../domain/policy';
import type { MetricReading } from '../domain/types';
import type { MetricRequest, MetricSource } from '../ports/MetricSource';
import type { SimModel } from './SimModel';

const ALL_SOURCES: readonly MetricSpec['source'][] = ['redis', 'cloudwatch', 'ecs', 'host', 'static'];

/**
 * A metric's value in the model when its name is not one the model knows: the spec often says
 * what it measures (a host `mem_available_gb`, an ECS `cpu`, a Redis list = the queue, Redis
 * keys counted by a "waiting"/"free"/"idle" state = free workers, other states = busy ones).
 */
function aliasOf(spec: MetricSpec): string | undefined {
  switch (spec.source) {
    case 'host':
      return spec.type;
    case 'ecs':
      return spec.type === 'cpu' ? 'cpu' : undefined;
    case 'redis':
      if (spec.type === 'list_length') return 'queue_length';
      if (spec.type === 'count_keys') {
        const states = [spec.equals ?? []].flat().map((s) => s.toLowerCase());
        if (states.some((s) => ['waiting', 'free', 'idle', 'ready'].includes(s))) return 'free';
        return 'busy';
      }
      return undefined;
    case 'cloudwatch': {
      const name = spec.metricName.toLowerCase();
      if (name.includes('cpu')) return 'cpu';
      if (name.includes('queue') || name.includes('backlog') || name.includes('visible')) return 'queue_length';
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * MetricSource for every source kind, answering each metric by NAME from the pool's model
 * (its trace column or its queue state), then by what the spec measures, and for `static`
 * specs the configured value. Unknown metrics are read failures, as a broken source would be.
 */
export class SimMetricSource implements MetricSource {
  readonly sources = ALL_SOURCES;

  /**
   * @param supplied request ids (`pool/name`) the simulator added for undeclared rule metrics:
   *   their placeholder static value is never used; a missing model value is a read failure.
   */
  constructor(
    private readonly models: ReadonlyMap<string, SimModel>,
    private readonly supplied: ReadonlySet<string> = new Set(),
  ) {}

  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    const result = new Map<string, MetricReading>();
    for (const request of requests) {
      const model = this.models.get(request.poolId);
      let value = model?.observe(request.name);
      if (value === undefined && model) {
        const alias = aliasOf(request.spec);
        if (alias) value = model.observe(alias);
      }
      if (value === undefined && request.spec.source === 'static' && !this.supplied.has(request.id)) value = request.spec.value;
      result.set(
        request.id,
        value === undefined ? { error: `the simulation has no value for metric "${request.name}" (not a trace column or model metric)`, at: now } : { value, at: now },
      );
    }
    return result;
  }
}
