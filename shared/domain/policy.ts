/**
 * The policy model: one zod schema per concept, in one place. Everything that reads a policy
 * (config files, the API, DynamoDB, seed importers) parses through these schemas, so a policy
 * that reaches the engine is always complete and valid.
 *
 * Units after parsing: every duration is in milliseconds, memory in GiB, CPU in percent
 * (0..100), utilization as a ratio (0..1).
 */
import { z } from 'zod';
import { duration } from './duration';

const count = () => z.number().int().min(0);
const positiveCount = () => z.number().int().min(1);
const ratio = () => z.number().min(0).max(1);

/**
 * A plain number every store holds exactly: DynamoDB's document client refuses magnitudes
 * beyond the safe integers (`1e300`), so the schema does, naming the field.
 */
const SAFE = Number.MAX_SAFE_INTEGER;
const safeMessage = `Expected a number between -${SAFE} and ${SAFE}`;
const number = () => z.number().min(-SAFE, safeMessage).max(SAFE, safeMessage);
const positiveNumber = () => number().positive();
const nonNegativeNumber = () => number().min(0);

/**
 * Names JavaScript objects already have (`constructor`, `__proto__`, `toString`, ...). As map
 * keys they are dropped (`__proto__`), break the DynamoDB document client (`constructor`) or
 * find inherited functions instead of values; metric names refuse them.
 */
export const RESERVED_KEYS: readonly string[] = Object.getOwnPropertyNames(Object.prototype).sort();
const reservedKeys = new Set(RESERVED_KEYS);
export const isReservedKey = (key: string): boolean => reservedKeys.has(key);

const metricName = () =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'Expected a metric name of letters, digits, _ . -')
    .refine((name) => !isReservedKey(name), {
      error: (issue) => `Metric name "${String(issue.input)}" is reserved in JavaScript; choose another name (reserved: ${RESERVED_KEYS.join(', ')})`,
    });

/** A map key of free text (CloudWatch dimension names): anything but `__proto__`, which JSON readers drop. */
const mapKey = () =>
  z
    .string()
    .min(1)
    .refine((key) => key !== '__proto__', 'The key "__proto__" cannot be stored: JavaScript object readers drop it');

export const POOL_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const poolId = () =>
  z.string().regex(POOL_ID_PATTERN, 'Expected a pool id of 1-63 lower-case letters, digits, _ or -, starting with a letter or digit');

// ---------------------------------------------------------------------------------------------
// Targets: what a pool scales.
// ---------------------------------------------------------------------------------------------

export const EcsTargetSchema = z.strictObject({
  kind: z.literal('ecs'),
  cluster: z.string().min(1),
  service: z.string().min(1),
  region: z.string().min(1).optional(),
  /** Protect busy tasks from scale-in with ECS task scale-in protection. */
  protectBusyTasks: z.boolean().default(false),
});

export const HostTargetSchema = z.strictObject({
  kind: z.literal('host'),
  /** Host id the agent reports as (its relay identity). */
  host: z.string().min(1),
  /** Worker pool name in the agent's config on that host. */
  pool: z.string().min(1),
});

export const NoneTargetSchema = z.strictObject({ kind: z.literal('none') });

export const TargetSchema = z.discriminatedUnion('kind', [EcsTargetSchema, HostTargetSchema, NoneTargetSchema]);

// ---------------------------------------------------------------------------------------------
// Metric sources: where a named observation comes from. Sources only report numbers.
// ---------------------------------------------------------------------------------------------

export const RedisListLengthSchema = z.strictObject({
  source: z.literal('redis'),
  type: z.literal('list_length'),
  key: z.string().min(1),
});
export const RedisCountKeysSchema = z.strictObject({
  source: z.literal('redis'),
  type: z.literal('count_keys'),
  /** Glob pattern, e.g. `bot_status:*`. */
  pattern: z.string().min(1),
  /** Count only keys whose value (or `field`) equals one of these; all matches when absent. */
  equals: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Read this hash field instead of the string value. */
  field: z.string().min(1).optional(),
});
export const RedisNumberSchema = z.strictObject({
  source: z.literal('redis'),
  type: z.literal('number'),
  key: z.string().min(1),
});
export const RedisHashFieldSchema = z.strictObject({
  source: z.literal('redis'),
  type: z.literal('hash_field'),
  key: z.string().min(1),
  field: z.string().min(1),
});
export const CloudWatchMetricSchema = z.strictObject({
  source: z.literal('cloudwatch'),
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  dimensions: z.record(mapKey(), z.string()).default({}),
  stat: z.string().min(1).default('Average'),
  /** Period of each datapoint (KEDA default 300 s; 60 s suits 1-minute evaluation). */
  period: duration().default(60_000),
  /** How far back to look for datapoints. */
  lookback: duration().default(300_000),
  /** Skip this much of the most recent time: CloudWatch data arrives late. */
  endOffset: duration().default(0),
  region: z.string().min(1).optional(),
});
/** CPU or memory utilization of the pool's own ECS service, out of the box. */
export const EcsUtilizationSchema = z.strictObject({
  source: z.literal('ecs'),
  type: z.enum(['cpu', 'memory']),
  stat: z.string().min(1).default('Average'),
});
/** Reported by the on-host agent in its heartbeat. */
export const HostMetricSchema = z.strictObject({
  source: z.literal('host'),
  type: z.enum(['mem_available_gb', 'mem_total_gb', 'cpu', 'load1', 'workers_rss_gb', 'busy', 'queue_length']),
  /** For `queue_length`: the Redis list the agent reads. */
  key: z.string().min(1).optional(),
});
/** A fixed value: for tests, dry runs and bootstrapping. */
export const StaticMetricSchema = z.strictObject({ source: z.literal('static'), value: number() });

export const MetricSpecSchema = z.union([
  RedisListLengthSchema,
  RedisCountKeysSchema,
  RedisNumberSchema,
  RedisHashFieldSchema,
  CloudWatchMetricSchema,
  EcsUtilizationSchema,
  HostMetricSchema,
  StaticMetricSchema,
]);

// ---------------------------------------------------------------------------------------------
// Rules: each proposes a worker count (or a floor/ceiling) from observations.
// Standard observation names the rules read by default: busy, free, utilization (0..1),
// cpu (0..100), mem_available_gb, pending, queue_length.
// ---------------------------------------------------------------------------------------------

/** Seed 000: keep at least `minFree` free workers, adding `batch` when below. */
export const BufferRuleSchema = z.strictObject({
  type: z.literal('buffer'),
  name: z.string().min(1).optional(),
  minFree: count(),
  batch: positiveCount(),
  /** Scale in idle surplus above this many free workers (the seed's "future improvement"). */
  maxFree: count().optional(),
  /** Workers removed per scale-in step (default: the whole surplus). */
  scaleInStep: positiveCount().optional(),
  /** Observation with the number of busy workers (free = ready - busy) ... */
  busyMetric: metricName().default('busy'),
  /** ... or with the number of free workers directly, preferred when present. */
  freeMetric: metricName().default('free'),
});

/** Seed 001: as many workers as fit in available memory. */
export const MemoryRuleSchema = z.strictObject({
  type: z.literal('memory'),
  name: z.string().min(1).optional(),
  metric: metricName().default('mem_available_gb'),
  /** Memory kept for the system, subtracted first (seed 001: 4 GB). */
  reserveGb: nonNegativeNumber().default(4),
  /** Memory each worker may use (WORKER_MEMORY_LIMIT_GB). */
  perWorkerGb: positiveNumber(),
  /** Below this much available memory, run one worker fewer (MEMORY_THRESHOLD_GB). */
  thresholdGb: nonNegativeNumber().default(0),
  /**
   * `size`: the memory fit is this rule's proposal (seed 001).
   * `limit`: the memory fit is only a ceiling on what other rules propose.
   */
  role: z.enum(['size', 'limit']).default('size'),
});

const StepUpSchema = z.strictObject({ above: number(), workers: positiveCount() });
const StepDownSchema = z.strictObject({ below: number(), workers: count() });

/** Seed 003: metric thresholds mapped to worker counts, each sustained for a duration. */
export const StepsRuleSchema = z.strictObject({
  type: z.literal('steps'),
  name: z.string().min(1).optional(),
  metric: metricName().default('cpu'),
  up: z.array(StepUpSchema).default([]),
  down: z.array(StepDownSchema).default([]),
  /** How long the metric must stay above a step before scaling up (seed 003: 3 min). */
  upFor: duration().default(180_000),
  /** How long the metric must stay below a step before scaling down (seed 003: 15 min). */
  downFor: duration().default(900_000),
  /** Scale up only if each worker would still have this much available memory. */
  memoryPerWorkerGb: positiveNumber().optional(),
  /** With `memoryPerWorkerGb`, when the step's count would leave too little memory per worker: `fit` (scale up to the count that fits) or `hold` (no scaling: seed 003, as its import sets). */
  onShortMemory: z.enum(['hold', 'fit']).default('fit'),
  /** Scale down only while available memory is above this (seed 003: 8 GB). */
  scaleDownMinAvailableGb: nonNegativeNumber().optional(),
  memoryMetric: metricName().default('mem_available_gb'),
});

/** Seed 004 / 002 / HPA: target tracking on utilization or backlog per worker. */
export const TargetRuleSchema = z.strictObject({
  type: z.literal('target'),
  name: z.string().min(1).optional(),
  /** Observation tracked: a utilization ratio (0..1) or, with `perWorker`, a backlog. */
  metric: metricName().default('utilization'),
  /** Target value of `metric` (utilization ratio), or target backlog per worker with `perWorker`. */
  targetValue: positiveNumber().optional(),
  /** Treat `metric` as a backlog (queue length): desired = ceil(backlog / perWorker). */
  perWorker: positiveNumber().optional(),
  /**
   * With `perWorker`: square-root staffing (Halfin-Whitt), desired = ceil(R + beta * sqrt(R)) with
   * R = metric / perWorker, the load in workers. Headroom grows like the square root of the load
   * (the spread of Poisson arrivals) instead of in proportion to it; beta 1 leaves ~22 % of jobs
   * waiting in an M/M/c queue, 1.5 ~9 %, 2 ~3 %. Use `perWorker: 1` with it when the metric is the
   * offered load; absent or 0: ceil(R).
   */
  beta: nonNegativeNumber().optional(),
  /**
   * With `beta`: what the headroom is measured on. `poisson` (default): beta x sqrt(R), the spread
   * of Poisson arrivals. `observed`: beta x the larger of sqrt(R) and the standard deviation of the
   * load's change between evaluations as observed (a running median, robust to single bursts),
   * plus the load's observed rising trend over `lead` (the larger of its median change and, when
   * the last three changes all rose, the smallest of them): traffic burstier than Poisson, or a
   * large pool on a ramp, gets the headroom it needs; Poisson-like load keeps sqrt(R).
   */
  spread: z.enum(['poisson', 'observed']).default('poisson'),
  /**
   * With `spread: observed`: how far ahead the observed rising trend is added, about one interval
   * plus the time a new worker takes to serve. Default: two intervals.
   */
  lead: duration().optional(),
  /** No change while |metric/target - 1| <= tolerance (HPA default 0.1). */
  tolerance: z.number().min(0).max(1).default(0.1),
  /** Threshold style (seed 004): scale up above this utilization ... */
  scaleUpThreshold: ratio().optional(),
  /** ... and down below this one. */
  scaleDownThreshold: ratio().optional(),
  /** Workers added/removed per threshold-style step (seed 002 scaling_increment). */
  increment: positiveCount().default(1),
  /** Scale up only when there is pending work (seed 004: pending tasks > 0). */
  requirePending: z.boolean().default(false),
  pendingMetric: metricName().default('pending'),
  /** Average the metric over this window (seed 004 metrics_window); 0 = latest sample. */
  window: duration().default(0),
});

export const ScheduleWindowSchema = z.strictObject({
  name: z.string().min(1).optional(),
  /** Five-field cron (minute hour day-of-month month day-of-week) when the window opens. */
  cron: z.string().min(1),
  /** How long the window stays open after each cron time; absent: while the cron matches. */
  duration: duration().optional(),
  timezone: z.string().min(1).default('UTC'),
  /** Floor while the window is open. */
  min: count().optional(),
  /** Ceiling while the window is open. */
  max: count().optional(),
});

/** Seed 002: cron windows with an IANA time zone setting floors/ceilings. */
export const ScheduleRuleSchema = z.strictObject({
  type: z.literal('schedule'),
  name: z.string().min(1).optional(),
  windows: z.array(ScheduleWindowSchema).min(1),
});

/** Seed 002: forecast of the next horizon from recorded history. */
export const PredictiveRuleSchema = z.strictObject({
  type: z.literal('predictive'),
  name: z.string().min(1).optional(),
  mode: z.enum(['forecast-only', 'forecast-and-scale']).default('forecast-only'),
  /** Load observation to learn, in busy-worker units (e.g. busy workers). */
  metric: metricName().default('busy'),
  /** Look this far ahead; the proposal covers the peak of the horizon (seed 002: 30 min). */
  horizon: duration().default(1_800_000),
  seasonality: z.enum(['daily', 'weekly']).default('daily'),
  /** Width of one seasonal slot. */
  slot: duration().default(900_000),
  /** Provision for the forecast at this utilization. */
  targetUtilization: ratio().default(0.7),
  /** Act only after this much history has been learnt. */
  minHistory: duration().default(86_400_000),
});

/** Seed 002: above a severe threshold add capacity at once, bypassing cooldowns. */
export const EmergencyRuleSchema = z.strictObject({
  type: z.literal('emergency'),
  name: z.string().min(1).optional(),
  metric: metricName().default('utilization'),
  above: number(),
  /** Workers added at once (seed 002 max_emergency_workers). */
  add: positiveCount(),
  /** Never above this many workers through emergency scaling (default: the pool's max). */
  cap: positiveCount().optional(),
});

export const RuleSchema = z.discriminatedUnion('type', [
  BufferRuleSchema,
  MemoryRuleSchema,
  StepsRuleSchema,
  TargetRuleSchema,
  ScheduleRuleSchema,
  PredictiveRuleSchema,
  EmergencyRuleSchema,
]);

// ---------------------------------------------------------------------------------------------
// Behaviour and the pool.
// ---------------------------------------------------------------------------------------------

export const TEMPLATE_NAMES = ['conservative', 'aggressive', 'cost_optimized', 'high_performance'] as const;
export const TemplateNameSchema = z.enum(TEMPLATE_NAMES);

export const BehaviourSchema = z.strictObject({
  /** Minimum time after a scale-up (with `cooldownUpFrom: any`, after any scaling action) before another scale-up. */
  cooldownUp: duration().default(60_000),
  /** What `cooldownUp` counts from: the last `scale-up` (default), or `any` scaling action (seed 004: a minimum time between scaling operations). */
  cooldownUpFrom: z.enum(['scale-up', 'any']).default('scale-up'),
  /** Minimum time after any scaling action before a scale-down. */
  cooldownDown: duration().default(300_000),
  /** Scale down only to the highest recommendation of this window (HPA: 5 min). */
  stabilizationDown: duration().default(300_000),
  /** Most workers added in one action. */
  maxStepUp: positiveCount().optional(),
  /** Most workers removed in one action. */
  maxStepDown: positiveCount().optional(),
});

export const FallbackSchema = z.strictObject({
  /** Consecutive evaluations with failing/stale metrics before the fallback applies. */
  after: positiveCount().default(3),
  /** `hold` keeps the current count; `set` moves to `count` (never below it for safety). */
  action: z.enum(['hold', 'set']).default('hold'),
  count: count().optional(),
});

export const WorkerResourcesSchema = z.strictObject({
  memoryGb: nonNegativeNumber().default(0),
  cpu: nonNegativeNumber().default(0),
});

export const PoolSchema = z.strictObject({
  id: poolId(),
  description: z.string().optional(),
  target: TargetSchema,
  min: count(),
  max: positiveCount(),
  interval: duration().default(60_000),
  enabled: z.boolean().default(true),
  paused: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  /** Seed 002 template: fills behaviour and rules a pool does not set itself. */
  template: TemplateNameSchema.optional(),
  metrics: z.record(metricName(), MetricSpecSchema).default({}),
  rules: z.array(RuleSchema).default([]),
  behaviour: BehaviourSchema.default(BehaviourSchema.parse({})),
  fallback: FallbackSchema.default(FallbackSchema.parse({})),
  /** A sample older than this is stale and treated as missing. */
  staleAfter: duration().default(300_000),
  /** What one worker costs, for the global budget. */
  resources: WorkerResourcesSchema.default(WorkerResourcesSchema.parse({})),
  /** CloudWatch alarms that trigger an immediate evaluation of this pool. */
  alarms: z.array(z.string().min(1)).default([]),
  /** Relative priority when the budget is short (higher gets capacity first). */
  priority: z.number().int().default(0),
});

export const BudgetSchema = z.strictObject({
  maxWorkers: positiveCount().optional(),
  maxMemoryGb: positiveNumber().optional(),
  maxCpu: positiveNumber().optional(),
});

export const ConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  budget: BudgetSchema.optional(),
  pools: z.array(PoolSchema).min(1),
});

export type EcsTarget = z.output<typeof EcsTargetSchema>;
export type HostTarget = z.output<typeof HostTargetSchema>;
export type Target = z.output<typeof TargetSchema>;
export type MetricSpec = z.output<typeof MetricSpecSchema>;
export type BufferRule = z.output<typeof BufferRuleSchema>;
export type MemoryRule = z.output<typeof MemoryRuleSchema>;
export type StepsRule = z.output<typeof StepsRuleSchema>;
export type TargetRule = z.output<typeof TargetRuleSchema>;
export type ScheduleWindow = z.output<typeof ScheduleWindowSchema>;
export type ScheduleRule = z.output<typeof ScheduleRuleSchema>;
export type PredictiveRule = z.output<typeof PredictiveRuleSchema>;
export type EmergencyRule = z.output<typeof EmergencyRuleSchema>;
export type Rule = z.output<typeof RuleSchema>;
export type RuleType = Rule['type'];
export type TemplateName = z.output<typeof TemplateNameSchema>;
export type Behaviour = z.output<typeof BehaviourSchema>;
export type Fallback = z.output<typeof FallbackSchema>;
export type Policy = z.output<typeof PoolSchema>;
export type PolicyInput = z.input<typeof PoolSchema>;
export type Budget = z.output<typeof BudgetSchema>;
export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
