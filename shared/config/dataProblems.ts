/**
 * Pools whose rules can never receive data. The engine sees only the metrics a pool defines in
 * `metrics:` (the buffer rule alone derives `free` from `busy`); a rule reading anything else
 * abstains on every tick and the pool holds forever. `validate`, `import` and `apply` report it:
 * an error, or a warning for a pool with target `none` (it only records decisions). A metric
 * name that is not even a standard one (`queue_lenght`) is an error whatever the target.
 *
 * Not part of `validateConfig`: a simulation's trace supplies metrics without a `metrics:` block.
 */
import type { FieldProblem } from '../domain/errors';
import type { Config, Policy } from '../domain/policy';
import { closest } from './closest';
import { fieldPath } from './fieldPath';
import { STANDARD_METRICS } from './semanticProblems';

type Rule = Policy['rules'][number];

/** The metric names a rule reads, each with the field that names it; a buffer reads one of two. */
function metricsRead(rule: Rule): { field: string; names: string[] }[] {
  switch (rule.type) {
    case 'buffer':
      return [{ field: 'busyMetric', names: [rule.busyMetric, rule.freeMetric] }];
    case 'memory':
    case 'predictive':
    case 'emergency':
      return [{ field: 'metric', names: [rule.metric] }];
    case 'steps':
      return [
        { field: 'metric', names: [rule.metric] },
        ...(rule.memoryPerWorkerGb !== undefined || rule.scaleDownMinAvailableGb !== undefined ? [{ field: 'memoryMetric', names: [rule.memoryMetric] }] : []),
      ];
    case 'target':
      return [{ field: 'metric', names: [rule.metric] }, ...(rule.requirePending ? [{ field: 'pendingMetric', names: [rule.pendingMetric] }] : [])];
    default:
      return [];
  }
}

/** The metrics a pool's rules read that its `metrics:` block does not define (first name of each need). */
export function undefinedMetrics(pool: Policy): { rule: number; field: string; name: string }[] {
  const out: { rule: number; field: string; name: string }[] = [];
  pool.rules.forEach((rule, j) => {
    for (const need of metricsRead(rule)) {
      if (!need.names.some((name) => Object.hasOwn(pool.metrics, name))) out.push({ rule: j, field: need.field, name: need.names[0]! });
    }
  });
  return out;
}

export function dataProblems(config: Config): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const standard: readonly string[] = STANDARD_METRICS;
  config.pools.forEach((pool, i) => {
    const defined = Object.keys(pool.metrics);
    for (const { rule, field, name } of undefinedMetrics(pool)) {
      const path = fieldPath(['pools', i, 'rules', rule, field]);
      if (!standard.includes(name)) {
        const suggestion = closest(name, [...defined, ...standard]);
        problems.push({
          path,
          severity: 'error',
          value: name,
          message: `Metric "${name}" is not defined in \`metrics\`${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: this rule never receives a value`,
        });
        continue;
      }
      const dryRun = pool.target.kind === 'none';
      problems.push({
        path,
        severity: dryRun ? 'warning' : 'error',
        message:
          `The rule reads "${name}" but ${fieldPath(['pools', i])} ${defined.length === 0 ? 'has no `metrics:` block' : `does not define \`metrics.${name}\``}: ` +
          `nothing sends it a value, so the pool never scales. Define \`metrics.${name}\` (a redis, cloudwatch, ecs, host or static source; ` +
          `\`poolscale import\` leaves a commented block to fill in)${dryRun ? '. Only a warning: target `none` acts on nothing' : ''}`,
      });
    }
  });
  return problems;
}

/**
 * A loaded config with `dataProblems` added; the schema's weaker "neither defined nor standard"
 * warnings it supersedes are dropped. With any error the config is left out, as for other errors.
 */
export function withDataProblems<T extends { config?: Config; problems: FieldProblem[] }>(result: T): T {
  if (!result.config) return result;
  const extra = dataProblems(result.config);
  if (extra.length === 0) return result;
  const problems = [...result.problems.filter((p) => !(p.severity === 'warning' && /^Metric ".*" is neither defined in `metrics`/.test(p.message))), ...extra];
  const { config, ...rest } = result;
  return (problems.some((p) => p.severity === 'error') ? { ...rest, problems } : { ...rest, config, problems }) as T;
}

/** A sample source per standard metric, for the block `import` leaves to fill in. */
const SAMPLE_SOURCES: Record<string, string[]> = {
  utilization: ['source: cloudwatch        # busy / workers, 0..1; or redis, ecs, host, static', 'namespace: MyApp', 'metricName: Utilization'],
  pending: ['source: redis             # jobs waiting', 'type: list_length', 'key: jobs'],
  queue_length: ['source: redis             # jobs waiting', 'type: list_length', 'key: jobs'],
  busy: ['source: redis             # workers busy now', 'type: count_keys', 'pattern: worker_status:*', 'equals: BUSY'],
  free: ['source: redis             # idle workers', 'type: number', 'key: workers_free'],
  cpu: ['source: host              # CPU % reported by the agent', 'type: cpu'],
  mem_available_gb: ['source: host', 'type: mem_available_gb'],
};

/**
 * The commented `metrics:` block to insert in a pool of `poolscale import`'s YAML (indented for a
 * pool's fields), or undefined when the pool's rules have every metric they read.
 */
export function metricsTodo(pool: Policy): string[] | undefined {
  const missing = [...new Set(undefinedMetrics(pool).map((m) => m.name))];
  if (missing.length === 0) return undefined;
  const hasBlock = Object.keys(pool.metrics).length > 0;
  const lines = [
    `TODO: the rules read ${missing.join(', ')}, and nothing says where ${missing.length === 1 ? 'it comes' : 'they come'} from:`,
    'until defined the pool never scales (validate reports it). Uncomment and fill in:',
    ...(hasBlock ? ['(add under the metrics: block above)'] : ['metrics:']),
  ];
  for (const name of missing) {
    lines.push(`  ${name}:`);
    for (const line of SAMPLE_SOURCES[name] ?? ['source: static', 'value: 0']) lines.push(`    ${line}`);
  }
  return lines.map((line) => `    # ${line}`);
}

/** Inserts `metricsTodo` blocks into `poolscale import`'s YAML, before each pool's `rules:`. */
export function withMetricsTodos(yaml: string, config: Config): string {
  const lines = yaml.split('\n');
  const starts = lines.flatMap((line, index) => (/^  - /.test(line) ? [index] : []));
  const poolsAt = lines.findIndex((line) => line === 'pools:');
  const poolStarts = starts.filter((index) => index > poolsAt);
  // Back to front, so earlier indexes stay valid.
  for (let i = Math.min(poolStarts.length, config.pools.length) - 1; i >= 0; i--) {
    const todo = metricsTodo(config.pools[i]!);
    if (!todo) continue;
    const end = poolStarts[i + 1] ?? lines.length;
    const rulesAt = lines.findIndex((line, index) => index > poolStarts[i]! && index < end && line === '    rules:');
    lines.splice(rulesAt === -1 ? end : rulesAt, 0, ...todo);
  }
  return lines.join('\n');
}
