/**
 * Writes a parsed config back as the config a person would write: durations as "5m" strings,
 * values equal to their schema defaults left out. Parsing the output gives the same config.
 */
import { stringify } from 'yaml';
import { formatDuration } from '../domain/duration';
import {
  BehaviourSchema,
  CloudWatchMetricSchema,
  EcsTargetSchema,
  EcsUtilizationSchema,
  FallbackSchema,
  PoolSchema,
  RuleSchema,
  ScheduleWindowSchema,
  WorkerResourcesSchema,
  type Config,
  type Policy,
} from '../domain/policy';

type Plain = Record<string, unknown>;

const POOL_DURATIONS = ['interval', 'staleAfter'];
const BEHAVIOUR_DURATIONS = ['cooldownUp', 'cooldownDown', 'stabilizationDown'];
const METRIC_DURATIONS = ['period', 'lookback', 'endOffset'];
const RULE_DURATIONS = ['upFor', 'downFor', 'window', 'horizon', 'slot', 'minHistory'];
const WINDOW_DURATIONS = ['duration'];

/** The fields a schema fills in itself when given `minimal`, with the values it fills in. */
function defaultsOf(schema: { parse(input: unknown): unknown }, minimal: Plain): Plain {
  const parsed = schema.parse(minimal) as Plain;
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => !(key in minimal)));
}

const POOL_DEFAULTS = defaultsOf(PoolSchema, { id: 'x', target: { kind: 'none' }, min: 0, max: 1 });
const BEHAVIOUR_DEFAULTS = defaultsOf(BehaviourSchema, {});
const FALLBACK_DEFAULTS = defaultsOf(FallbackSchema, {});
const RESOURCES_DEFAULTS = defaultsOf(WorkerResourcesSchema, {});
const WINDOW_DEFAULTS = defaultsOf(ScheduleWindowSchema, { cron: '* * * * *' });
const ECS_TARGET_DEFAULTS = defaultsOf(EcsTargetSchema, { kind: 'ecs', cluster: 'c', service: 's' });
const METRIC_DEFAULTS: Record<string, Plain> = {
  cloudwatch: defaultsOf(CloudWatchMetricSchema, { source: 'cloudwatch', namespace: 'n', metricName: 'm' }),
  ecs: defaultsOf(EcsUtilizationSchema, { source: 'ecs', type: 'cpu' }),
};
const RULE_MINIMAL: Record<string, Plain> = {
  buffer: { type: 'buffer', minFree: 0, batch: 1 },
  memory: { type: 'memory', perWorkerGb: 1 },
  steps: { type: 'steps' },
  target: { type: 'target' },
  schedule: { type: 'schedule', windows: [{ cron: '* * * * *' }] },
  predictive: { type: 'predictive' },
  emergency: { type: 'emergency', above: 0, add: 1 },
};
const RULE_DEFAULTS: Record<string, Plain> = Object.fromEntries(
  Object.entries(RULE_MINIMAL).map(([type, minimal]) => [type, defaultsOf(RuleSchema, minimal)]),
);

/** `0s` reads better than `0ms` for "no cooldown". */
const duration = (ms: number) => (ms === 0 ? '0s' : formatDuration(ms));

const equal = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Drops fields equal to their defaults and turns the listed millisecond fields into strings. */
function tidy(value: Plain, defaults: Plain, durations: readonly string[]): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (key in defaults && equal(v, defaults[key])) continue;
    out[key] = durations.includes(key) && typeof v === 'number' ? duration(v) : v;
  }
  return out;
}

export function toNativePolicy(policy: Policy): Plain {
  const pool = tidy(policy as unknown as Plain, POOL_DEFAULTS, POOL_DURATIONS);
  if (policy.target.kind === 'ecs') pool.target = tidy(policy.target as unknown as Plain, ECS_TARGET_DEFAULTS, []);
  if (pool.metrics) {
    pool.metrics = Object.fromEntries(
      Object.entries(policy.metrics).map(([name, spec]) => [name, tidy(spec as unknown as Plain, METRIC_DEFAULTS[spec.source] ?? {}, METRIC_DURATIONS)]),
    );
  }
  if (pool.rules) {
    pool.rules = policy.rules.map((rule) => {
      const plain = tidy(rule as unknown as Plain, RULE_DEFAULTS[rule.type] ?? {}, RULE_DURATIONS);
      if (rule.type === 'schedule') plain.windows = rule.windows.map((w) => tidy(w as unknown as Plain, WINDOW_DEFAULTS, WINDOW_DURATIONS));
      return plain;
    });
  }
  if (pool.behaviour) {
    // With a template, a cooldown equal to the schema default is still explicit: left out, the
    // template's own cooldown would fill it on the next parse.
    const defaults = policy.template ? { stabilizationDown: BEHAVIOUR_DEFAULTS.stabilizationDown } : BEHAVIOUR_DEFAULTS;
    pool.behaviour = tidy(policy.behaviour as unknown as Plain, defaults, BEHAVIOUR_DURATIONS);
  } else if (policy.template) {
    pool.behaviour = tidy(policy.behaviour as unknown as Plain, { stabilizationDown: BEHAVIOUR_DEFAULTS.stabilizationDown }, BEHAVIOUR_DURATIONS);
  }
  if (pool.fallback) pool.fallback = tidy(policy.fallback as unknown as Plain, FALLBACK_DEFAULTS, []);
  if (pool.resources) pool.resources = tidy(policy.resources as unknown as Plain, RESOURCES_DEFAULTS, []);
  return pool;
}

/** The config as a plain object in the native file shape (for YAML or JSON output). */
export function toNativeConfig(config: Config): Plain {
  const out: Plain = { version: config.version };
  if (config.budget && Object.keys(config.budget).length > 0) out.budget = config.budget;
  out.pools = config.pools.map(toNativePolicy);
  return out;
}

/** Readable YAML of a config; `header` lines become `#` comments at the top. */
export function toYaml(config: Config, header?: string): string {
  const body = stringify(toNativeConfig(config), { lineWidth: 120 });
  if (!header) return body;
  const comment = header
    .split('\n')
    .map((line) => (line ? `# ${line}` : '#'))
    .join('\n');
  return `${comment}\n${body}`;
}
