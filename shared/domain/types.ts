/**
 * Plain data passed between the runtime, the engine and the stores. Times are epoch
 * milliseconds; the engine never reads a clock, it is given `now`.
 */
import type { RuleType } from './policy';

/** One reading of a named metric. */
export interface Sample {
  value: number;
  /** When the value was true (for CloudWatch: the datapoint's timestamp). */
  at: number;
}

/** A metric that could not be read this time. */
export interface MetricFailure {
  error: string;
  at: number;
  /** The metric's `source` (redis, cloudwatch, ecs, host, static), when known. */
  source?: string;
  /** Error class or code (`ECONNREFUSED`, `AccessDeniedException`, `NoData`, ...), when known. */
  errorClass?: string;
}

/** Why one metric of a decision had no fresh value: carried into history, API, dashboard, CLI. */
export interface MetricError {
  metric: string;
  source: string;
  /** Error class or code; `stale` or `missing` when the source answered without a fresh value. */
  errorClass: string;
  /** Human message, credentials redacted. */
  message: string;
}

export type MetricReading = Sample | MetricFailure;

export const isSample = (reading: MetricReading | undefined): reading is Sample =>
  reading !== undefined && 'value' in reading;

/** What the scale target reports about itself. */
export interface TargetStatus {
  /** Count the target is currently asked to run. */
  desired: number;
  /** Workers serving now. */
  ready: number;
  /** Workers starting. */
  pending: number;
  /**
   * False while the target is changing on its own (an ECS deployment in progress, an agent
   * that has not yet applied a count): no scale-in then.
   */
  stable: boolean;
  /** Why it is not stable, for the decision's reasons. */
  note?: string;
}

/** Everything gathered for one pool in one tick. */
export interface Observations {
  /** When the observations were gathered. */
  at: number;
  /** The target's own report; undefined if it could not be read. */
  target?: TargetStatus;
  targetError?: string;
  /** Readings by the pool's metric names. */
  metrics: Record<string, MetricReading>;
}

/** One remembered set of metric values, for sustained-threshold and window rules. */
export interface SamplePoint {
  t: number;
  values: Record<string, number>;
}

/**
 * What a target rule with `spread: observed` has learnt of its load (engine/spread.ts): the last
 * fresh load (metric / perWorker) and when, and running medians of its |change| and its signed
 * change between evaluations.
 */
export interface SpreadState {
  at: number;
  load: number;
  spread: number;
  trend: number;
  /** The last changes of the load between evaluations, newest last (at most RISE_RUN): a sustained rise. */
  recent?: number[];
}

/**
 * What the predictive rule has learnt (bounded size). The common part is here; the forecaster
 * (shared/engine/forecast.ts) adds its own fields: `history`, a ring of quantized slot peaks
 * changed once an hour (stored by DynamoStateStore in an item of its own), `historyAt` (the ring
 * holds the slots before it), `pending` (slots closed since, written every evaluation) and
 * `upcoming` (the forecasts of the current and next slots, computed when a slot closes).
 */
export interface ForecastState {
  /** Smoothed level (busy-worker units). */
  level: number;
  /** Smoothed trend per slot. */
  trend: number;
  /** Former per-slot seasonal factors; unused by the forecaster since the ring (kept empty). */
  seasonal?: (number | null)[];
  /** Slot index of the last update and its start time. */
  slotStart: number;
  /** Peak load observed in the current slot so far. */
  slotPeak: number;
  /** First time anything was learnt. */
  since: number;
  /** Number of completed slots learnt. */
  slots: number;
}

/** Operator override through the API or CLI. */
export interface ManualOverride {
  desired: number;
  reason: string;
  at: number;
  /** Policy resumes after this time; absent = until cleared. */
  until?: number;
  by?: string;
}

/** Persistent per-pool state. `version` guards conditional writes. */
export interface PoolState {
  poolId: string;
  version: number;
  /** Count poolscale last asked the target for. */
  desired?: number;
  lastEvaluatedAt?: number;
  lastScaleUpAt?: number;
  lastScaleDownAt?: number;
  /** Consecutive evaluations whose required metrics were missing or stale. */
  consecutiveFailures: number;
  /** Recent metric values, trimmed to the longest window any rule needs. */
  samples: SamplePoint[];
  /** Recent recommendations, for scale-down stabilisation. */
  recommendations: { t: number; desired: number }[];
  forecast?: ForecastState;
  /** Target rules with `spread: observed`, by rule name (or `#index`): the load's observed spread and trend. */
  spreads?: Record<string, SpreadState>;
  manual?: ManualOverride;
  /** Operator pause through the API (the policy's own `paused` flag also pauses). */
  paused?: { reason: string; at: number; by?: string };
  /** Ids of events already handled (duplicate EventBridge deliveries), newest last, bounded. */
  handledEvents?: string[];
  /** The last action failed at the target; it is retried from fresh status next tick. */
  lastActionError?: string;
  /** The latest decision, without its proposals (the history keeps whole decisions). */
  lastDecision?: Decision;
  /**
   * When the runtime last recorded a decision of this pool in the history, and a short hash of
   * what a person would see change (action, counts, reason codes, metric errors): a routine
   * "no change" decision with the same hash is not recorded again before the heartbeat.
   */
  historyMark?: { at: number; signature: string };
}

export const initialState = (poolId: string): PoolState => ({
  poolId,
  version: 0,
  consecutiveFailures: 0,
  samples: [],
  recommendations: [],
});

export type Action = 'scale_up' | 'scale_down' | 'none';

/**
 * One readable reason. `code` is stable for machines (`rule.buffer.below_min_free`,
 * `cap.max`, `cooldown.up`, ...); `message` is for people.
 */
export interface Reason {
  code: string;
  message: string;
}

/** What one rule proposed before the combination. */
export interface Proposal {
  rule: RuleType | 'manual' | 'fallback';
  name?: string;
  /** Proposed worker count; undefined when the rule abstains (no data, forecast-only, ...). */
  desired?: number;
  /** Upper limit this rule imposes (memory fit as a limit, schedule ceilings). */
  ceiling?: number;
  /** Lower limit this rule imposes (schedule floors, predictive pre-scaling). */
  floor?: number;
  /** The rule asks to bypass cooldowns (emergency). */
  urgent?: boolean;
  /**
   * The ceiling is physical (workers that do not fit in memory): it applies after cooldowns and
   * stabilisation too, so workers that no longer fit are shed at once.
   */
  hard?: boolean;
  reason: Reason;
}

export interface Decision {
  poolId: string;
  at: number;
  /**
   * Unique among the pool's decisions, given by the decision log when it stores the decision
   * (absent before that). With `at` it makes the history cursor (`historyCursor`), so paging
   * never drops one of two decisions of the same millisecond.
   */
  id?: string;
  /** Count the decision started from (target's desired, else the last known). */
  current: number;
  /** Count asked for after this decision. */
  desired: number;
  action: Action;
  /** The action is not applied: the pool is in dry-run, paused, or the decision holds. */
  dryRun: boolean;
  reasons: Reason[];
  proposals: Proposal[];
  /** Forecast of the coming horizon, when a predictive rule is configured. */
  forecast?: { at: number; horizonMs: number; peakLoad: number; workers: number; mode: string };
  /** What triggered the evaluation: `schedule`, `alarm:NAME`, `manual`, `simulation`, ... */
  trigger?: string;
  /** Metric values this decision saw (recorded by the runtime), for history and charts. */
  observed?: Record<string, number>;
  /** Workers serving when the decision was made, if the target reported it. */
  ready?: number;
  /** Metrics this decision wanted but did not get fresh, with why (absent when none failed). */
  metricErrors?: MetricError[];
}

/** The engine's output: the decision and the state to persist. */
export interface DecideResult {
  decision: Decision;
  state: PoolState;
}
