/**
 * One evaluation tick for many pools. The same function runs in the evaluate Lambda, in the
 * local runner (`poolscale up`) and in the simulator (with a simulated clock and target):
 *
 *   load policies -> pick due pools -> read every metric in one batch per source and every
 *   target status -> decide (pure) -> apply the global budget -> claim each pool's state with a
 *   conditional write -> act only if the claim won -> record the decision.
 *
 * The claim-before-act order is what makes overlapping ticks safe: EventBridge delivers at
 * least once and an alarm can fire with the schedule, but only one evaluation of a pool can
 * move its state from version v to v+1, and only that one calls the target.
 *
 * Writes per evaluated pool: the claim (one small conditional write, also what `isDue` reads
 * back), plus a history record when historyPolicy.ts says a person would want it (always for
 * actions, alarms and manual scales; routine "no change" only on a change or at the heartbeat).
 */
import { applyBudget, decide } from '../engine';
import { ConflictError } from '../domain/errors';
import { errorClassOf, errorClassOfMessage, safeErrorMessage } from '../domain/metricErrors';
import type { Policy } from '../domain/policy';
import type { Decision, MetricReading, Observations, PoolState, TargetStatus } from '../domain/types';
import { initialState } from '../domain/types';
import type { Clock } from '../ports/Clock';
import type { DecisionLog } from '../ports/DecisionLog';
import type { MetricRequest, MetricSource } from '../ports/MetricSource';
import type { PolicyStore } from '../ports/PolicyStore';
import type { ScaleTarget } from '../ports/ScaleTarget';
import type { StateStore } from '../ports/StateStore';
import { decisionSignature, DEFAULT_HISTORY_HEARTBEAT_MS, eventKey, handledEvent, shouldRecord, stateDecision } from './historyPolicy';
import { mapLimit } from './mapLimit';

export interface RuntimeLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface RuntimeDeps {
  policies: PolicyStore;
  states: StateStore;
  log: DecisionLog;
  metrics: MetricSource[];
  targets: ScaleTarget[];
  clock: Clock;
  logger?: RuntimeLogger;
  /** Called once per recorded decision (poolscale's own metrics, live status lines). */
  onDecision?: (decision: Decision, policy: Policy, status?: TargetStatus) => void;
  /** Parallel state writes and scale calls (default 32). */
  concurrency?: number;
  /**
   * A routine "no change" decision (schedule, host heartbeat) whose action, counts, reason
   * codes and metric errors equal the pool's last recorded one is recorded in the history only
   * once this long has passed since that record (default 15 min; 0 records every decision,
   * Infinity only changes). `historyHeartbeatMs(process.env.HISTORY_HEARTBEAT)` reads the
   * setting. See historyPolicy.ts.
   */
  historyHeartbeatMs?: number;
}

export interface TickOptions {
  /** Evaluate only these pools (alarm, manual scale). Default: every pool. */
  poolIds?: readonly string[];
  /** Evaluate even if the pool's interval has not elapsed. */
  force?: boolean;
  /** What triggered this tick, copied into each decision (`schedule`, `alarm:NAME`, ...). */
  trigger?: string;
  /** Id of the triggering event: a pool that already handled it skips it (duplicate delivery). */
  eventId?: string;
  /** Use these policies instead of loading them (the simulator's hot loop). */
  policies?: readonly Policy[];
}

export type SkipReason = 'not_due' | 'disabled' | 'conflict' | 'duplicate_event' | 'not_found';

export interface PoolOutcome {
  poolId: string;
  decision?: Decision;
  /** The target was asked to change. */
  acted: boolean;
  skipped?: SkipReason;
  error?: string;
}

export interface TickResult {
  at: number;
  outcomes: PoolOutcome[];
}

/** A pool is due when its interval has elapsed, less a little slack for scheduler jitter. */
export function isDue(policy: Policy, state: PoolState | undefined, now: number): boolean {
  if (state?.lastEvaluatedAt === undefined) return true;
  const slack = Math.min(5_000, policy.interval * 0.1);
  return now - state.lastEvaluatedAt >= policy.interval - slack;
}

/**
 * Handled event ids kept per pool. EventBridge redelivers within minutes, and a redelivered
 * schedule event is also not due any more; eight keeps the state item within one write unit.
 */
export const HANDLED_EVENTS_KEPT = 8;

export async function runTick(deps: RuntimeDeps, options: TickOptions = {}): Promise<TickResult> {
  const now = deps.clock.now();
  const outcomes: PoolOutcome[] = [];
  const all = options.policies ?? (await deps.policies.list());
  let selected: readonly Policy[] = all;
  if (options.poolIds) {
    const wanted = new Set(options.poolIds);
    selected = all.filter((policy) => wanted.has(policy.id));
    for (const id of wanted) {
      if (!selected.some((policy) => policy.id === id)) outcomes.push({ poolId: id, acted: false, skipped: 'not_found' });
    }
  }
  if (selected.length === 0) return { at: now, outcomes };

  const states = await deps.states.getMany(selected.map((policy) => policy.id));
  const due: Policy[] = [];
  for (const policy of selected) {
    const state = states.get(policy.id);
    if (!policy.enabled) outcomes.push({ poolId: policy.id, acted: false, skipped: 'disabled' });
    else if (options.eventId && handledEvent(state, options.eventId)) {
      outcomes.push({ poolId: policy.id, acted: false, skipped: 'duplicate_event' });
    } else if (!options.force && !isDue(policy, state, now)) outcomes.push({ poolId: policy.id, acted: false, skipped: 'not_due' });
    else due.push(policy);
  }
  if (due.length === 0) return { at: now, outcomes };

  const [readings, statuses, budget] = await Promise.all([
    readMetrics(deps, due, now),
    readStatuses(deps, due),
    options.policies ? undefined : deps.policies.getBudget(),
  ]);

  const entries = due.map((policy) => {
    const observations: Observations = { at: now, metrics: {} };
    for (const name of Object.keys(policy.metrics)) {
      observations.metrics[name] = readings.get(requestId(policy.id, name)) ?? { error: 'not read', at: now, source: policy.metrics[name]!.source, errorClass: 'NotRead' };
    }
    const status = statuses.get(policy.id);
    if (status instanceof Error) observations.targetError = status.message;
    else if (status) observations.target = status;
    const previous = states.get(policy.id) ?? initialState(policy.id);
    const result = decide(policy, observations, previous, now, options.trigger);
    result.decision.observed = observedValues(observations);
    if (observations.target) result.decision.ready = observations.target.ready;
    return { policy, previous, result };
  });
  const budgeted = applyBudget(
    entries.map(({ policy, result }) => ({ policy, result })),
    budget,
  );

  const committed = await mapLimit(entries, deps.concurrency ?? 32, async ({ policy, previous }, index) =>
    commit(deps, policy, previous, budgeted[index]!.decision, budgeted[index]!.state, statuses.get(policy.id), options),
  );
  outcomes.push(...committed);
  return { at: now, outcomes };
}

const requestId = (poolId: string, name: string) => `${poolId}/${name}`;

function observedValues(observations: Observations): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [name, reading] of Object.entries(observations.metrics)) {
    if ('value' in reading) values[name] = reading.value;
  }
  return values;
}

/** Every metric of every due pool, one batch per source adapter. */
async function readMetrics(deps: RuntimeDeps, pools: readonly Policy[], now: number): Promise<Map<string, MetricReading>> {
  const bySource = new Map<MetricSource, MetricRequest[]>();
  const readings = new Map<string, MetricReading>();
  for (const policy of pools) {
    for (const [name, spec] of Object.entries(policy.metrics)) {
      const id = requestId(policy.id, name);
      const source = deps.metrics.find((candidate) => candidate.sources.includes(spec.source));
      if (!source) {
        readings.set(id, { error: `no metric source for "${spec.source}" is configured here`, at: now, source: spec.source, errorClass: 'NoSource' });
        continue;
      }
      let batch = bySource.get(source);
      if (!batch) bySource.set(source, (batch = []));
      batch.push({ id, poolId: policy.id, name, spec });
    }
  }
  await Promise.all(
    [...bySource].map(async ([source, requests]) => {
      try {
        const result = await source.read(requests, now);
        for (const request of requests) {
          const reading = result.get(request.id) ?? { error: `${request.spec.source} returned no value`, at: now, errorClass: 'NoValue' };
          // Every failure says where and what: the source of its spec, and a class when the adapter gave none.
          if (!('value' in reading) && (reading.source === undefined || reading.errorClass === undefined)) {
            readings.set(request.id, { ...reading, source: reading.source ?? request.spec.source, errorClass: reading.errorClass ?? errorClassOfMessage(reading.error) });
          } else readings.set(request.id, reading);
        }
      } catch (error) {
        const message = safeErrorMessage(error);
        const errorClass = errorClassOf(error);
        deps.logger?.warn('metric source failed', { sources: source.sources, errorClass, error: message, poolIds: [...new Set(requests.map((r) => r.poolId))] });
        for (const request of requests) readings.set(request.id, { error: message, at: now, source: request.spec.source, errorClass });
      }
    }),
  );
  return readings;
}

/** Every due pool's target status, batched per adapter when it supports it. */
async function readStatuses(deps: RuntimeDeps, pools: readonly Policy[]): Promise<Map<string, TargetStatus | Error>> {
  const byTarget = new Map<ScaleTarget, Policy[]>();
  const statuses = new Map<string, TargetStatus | Error>();
  for (const policy of pools) {
    const target = findTarget(deps, policy);
    if (!target) {
      statuses.set(policy.id, new Error(`no scale target for kind "${policy.target.kind}" is configured here`));
      continue;
    }
    let batch = byTarget.get(target);
    if (!batch) byTarget.set(target, (batch = []));
    batch.push(policy);
  }
  await Promise.all(
    [...byTarget].map(async ([target, batch]) => {
      if (target.statusMany) {
        try {
          for (const [id, status] of await target.statusMany(batch)) statuses.set(id, status);
        } catch (error) {
          for (const policy of batch) statuses.set(policy.id, toError(error));
        }
        return;
      }
      await mapLimit(batch, deps.concurrency ?? 32, async (policy) => {
        try {
          statuses.set(policy.id, await target.status(policy));
        } catch (error) {
          statuses.set(policy.id, toError(error));
        }
      });
    }),
  );
  return statuses;
}

function findTarget(deps: RuntimeDeps, policy: Policy): ScaleTarget | undefined {
  return deps.targets.find((target) => target.kinds.includes(policy.target.kind));
}

const toError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** Claims the pool's next state version, acts if the claim won, and records the decision. */
async function commit(
  deps: RuntimeDeps,
  policy: Policy,
  previous: PoolState,
  decision: Decision,
  decided: PoolState,
  status: TargetStatus | Error | undefined,
  options: TickOptions,
): Promise<PoolOutcome> {
  const handledEvents = options.eventId
    ? [...(previous.handledEvents ?? []), eventKey(options.eventId)].slice(-HANDLED_EVENTS_KEPT)
    : previous.handledEvents;
  // Decided before the claim, so the claim carries the history mark of what it will record.
  const record = shouldRecord(decision, previous.historyMark, decision.at, deps.historyHeartbeatMs ?? DEFAULT_HISTORY_HEARTBEAT_MS, options.trigger);
  const next: PoolState = {
    ...decided,
    version: previous.version + 1,
    handledEvents,
    lastActionError: undefined,
    lastDecision: stateDecision(decision),
    ...(record ? { historyMark: { at: decision.at, signature: decisionSignature(decision) } } : {}),
  };
  try {
    await deps.states.put(next, previous.version);
  } catch (error) {
    if (error instanceof ConflictError) {
      // Another evaluation of this pool won the claim: it acts and records; we do nothing.
      return { poolId: policy.id, acted: false, skipped: 'conflict' };
    }
    deps.logger?.error('state write failed', { poolId: policy.id, error: toError(error).message });
    return { poolId: policy.id, acted: false, error: `state write failed: ${toError(error).message}` };
  }

  let acted = false;
  let actionError: string | undefined;
  if (decision.action !== 'none' && !decision.dryRun) {
    const target = findTarget(deps, policy);
    try {
      if (!target) throw new Error(`no scale target for kind "${policy.target.kind}"`);
      await target.scale(policy, { desired: decision.desired, reason: decision.reasons.map((r) => r.message).join('; ') });
      acted = true;
    } catch (error) {
      actionError = toError(error).message;
      decision.reasons.push({ code: 'action.failed', message: `scaling to ${decision.desired} failed: ${actionError}; retried from fresh status next tick` });
      // The state claimed a count the target did not take: record that, so the next tick
      // starts from the target's real count and cooldowns do not count a change that never happened.
      const reverted: PoolState = {
        ...next,
        version: next.version + 1,
        desired: previous.desired,
        lastScaleUpAt: previous.lastScaleUpAt,
        lastScaleDownAt: previous.lastScaleDownAt,
        lastActionError: actionError,
        lastDecision: stateDecision(decision),
      };
      await deps.states.put(reverted, next.version).catch((writeError: unknown) => {
        deps.logger?.warn('could not record failed action', { poolId: policy.id, error: toError(writeError).message });
      });
    }
  }

  if (decision.metricErrors) {
    // One line per pool, with its id, so a pool that stopped scaling can be found by its logs.
    deps.logger?.warn('metrics not fresh', { poolId: policy.id, metricErrors: decision.metricErrors });
  }
  if (record) await appendWithRetry(deps, decision);
  deps.onDecision?.(decision, policy, status instanceof Error ? undefined : status);
  return { poolId: policy.id, decision, acted, ...(actionError ? { error: actionError } : {}) };
}

/** History is the audit trail: a transient store error must not drop a record. */
async function appendWithRetry(deps: RuntimeDeps, decision: Decision, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.log.append(decision);
      return;
    } catch (error) {
      if (attempt >= attempts) {
        deps.logger?.error('decision history write failed', { poolId: decision.poolId, error: toError(error).message, decision });
        return;
      }
    }
  }
}
