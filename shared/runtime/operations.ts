/**
 * Operator actions shared by the API Lambda, the local API and the CLI: read pools, manual
 * scale, pause/resume, policy changes. They go through the same stores and the same tick as
 * scheduled evaluations, so a manual scale is one more conditional state change, never a
 * side channel around the engine.
 */
import { parsePolicy } from '../config/validate';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import type { Policy } from '../domain/policy';
import type { Decision, PoolState } from '../domain/types';
import { initialState } from '../domain/types';
import type { HistoryQuery } from '../ports/DecisionLog';
import type { PoolOutcome, RuntimeDeps } from './tick';
import { runTick } from './tick';

/** State as shown to operators: without the bulky learning data. */
export type PublicState = Omit<PoolState, 'samples' | 'recommendations' | 'forecast' | 'lastDecision' | 'handledEvents'> & {
  forecastLearntSlots?: number;
};

export interface PoolView {
  policy: Policy;
  state?: PublicState;
  lastDecision?: Decision;
}

export function publicState(state: PoolState): PublicState {
  const { samples: _samples, recommendations: _recommendations, forecast, lastDecision: _last, handledEvents: _events, ...rest } = state;
  return forecast ? { ...rest, forecastLearntSlots: forecast.slots } : rest;
}

async function requirePolicy(deps: RuntimeDeps, poolId: string): Promise<Policy> {
  const policy = await deps.policies.get(poolId);
  if (!policy) throw new NotFoundError(`Pool "${poolId}" does not exist`);
  return policy;
}

export async function listPools(deps: RuntimeDeps): Promise<PoolView[]> {
  const policies = await deps.policies.list();
  const states = await deps.states.getMany(policies.map((policy) => policy.id));
  return policies
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((policy) => {
      const state = states.get(policy.id);
      return { policy, ...(state ? { state: publicState(state), lastDecision: state.lastDecision } : {}) };
    });
}

export async function getPool(deps: RuntimeDeps, poolId: string): Promise<PoolView> {
  const policy = await requirePolicy(deps, poolId);
  const state = await deps.states.get(poolId);
  return { policy, ...(state ? { state: publicState(state), lastDecision: state.lastDecision } : {}) };
}

export async function history(deps: RuntimeDeps, poolId: string, query: HistoryQuery = {}): Promise<Decision[]> {
  await requirePolicy(deps, poolId);
  return deps.log.list(poolId, query);
}

/**
 * Read-modify-write of a pool's state under its version, retried when a tick wins the race.
 */
export async function updateState(deps: RuntimeDeps, poolId: string, change: (state: PoolState) => PoolState, attempts = 8): Promise<PoolState> {
  for (let attempt = 1; ; attempt++) {
    const current = (await deps.states.get(poolId)) ?? initialState(poolId);
    const next = { ...change(structuredClone(current)), version: current.version + 1 };
    try {
      await deps.states.put(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
  }
}

/** An operator action recorded in the decision history, for the audit trail. */
async function recordOperatorAction(deps: RuntimeDeps, policy: Policy, state: PoolState, code: string, message: string): Promise<void> {
  const current = state.desired ?? policy.min;
  await deps.log.append({
    poolId: policy.id,
    at: deps.clock.now(),
    current,
    desired: current,
    action: 'none',
    dryRun: policy.dryRun,
    reasons: [{ code, message }],
    proposals: [],
    trigger: 'operator',
  });
}

export interface ManualScaleRequest {
  desired: number;
  reason: string;
  /** Policy resumes after this long; absent = until resumed with `clearManual`. */
  durationMs?: number;
  by?: string;
}

/** Sets a manual desired count and applies it at once through a forced tick of the pool. */
export async function setManual(deps: RuntimeDeps, poolId: string, request: ManualScaleRequest): Promise<PoolOutcome | undefined> {
  const policy = await requirePolicy(deps, poolId);
  if (!Number.isInteger(request.desired) || request.desired < policy.min || request.desired > policy.max) {
    throw new ValidationError([
      {
        path: 'desired',
        message: `Expected \`desired\` to be a whole number within the pool's bounds [${policy.min}, ${policy.max}] (got ${request.desired})`,
        value: request.desired,
        severity: 'error',
      },
    ]);
  }
  const now = deps.clock.now();
  await updateState(deps, poolId, (state) => ({
    ...state,
    manual: {
      desired: request.desired,
      reason: request.reason,
      at: now,
      ...(request.durationMs !== undefined ? { until: now + request.durationMs } : {}),
      ...(request.by ? { by: request.by } : {}),
    },
  }));
  const result = await runTick(deps, { poolIds: [poolId], force: true, trigger: 'manual' });
  return result.outcomes.find((outcome) => outcome.poolId === poolId);
}

/** Ends a manual override; the policy decides again from the next tick. */
export async function clearManual(deps: RuntimeDeps, poolId: string, by?: string): Promise<void> {
  const policy = await requirePolicy(deps, poolId);
  const state = await updateState(deps, poolId, ({ manual: _manual, ...state }) => state);
  await recordOperatorAction(deps, policy, state, 'operator.manual_cleared', `manual override cleared${by ? ` by ${by}` : ''}`);
}

export async function pause(deps: RuntimeDeps, poolId: string, request: { reason: string; by?: string }): Promise<PublicState> {
  const policy = await requirePolicy(deps, poolId);
  const now = deps.clock.now();
  const state = await updateState(deps, poolId, (current) => ({
    ...current,
    paused: { reason: request.reason, at: now, ...(request.by ? { by: request.by } : {}) },
  }));
  await recordOperatorAction(deps, policy, state, 'operator.pause', `paused${request.by ? ` by ${request.by}` : ''}: ${request.reason}`);
  return publicState(state);
}

/** Resumes a paused pool and clears any manual override, handing control back to the policy. */
export async function resume(deps: RuntimeDeps, poolId: string, request: { by?: string } = {}): Promise<PublicState> {
  const policy = await requirePolicy(deps, poolId);
  const state = await updateState(deps, poolId, ({ paused: _paused, manual: _manual, ...current }) => current);
  await recordOperatorAction(deps, policy, state, 'operator.resume', `resumed${request.by ? ` by ${request.by}` : ''}`);
  return publicState(state);
}

/** Validates and stores a policy; throws ValidationError listing every problem. */
export async function putPolicy(deps: RuntimeDeps, input: unknown): Promise<Policy> {
  const policy = parsePolicy(input);
  await deps.policies.put(policy);
  return policy;
}

export async function deletePolicy(deps: RuntimeDeps, poolId: string): Promise<void> {
  await deps.policies.delete(poolId);
  await deps.states.delete(poolId);
}
