/**
 * Operator actions shared by the API Lambda, the local API and the CLI: read pools, manual
 * scale, pause/resume, policy changes. They go through the same stores and the same tick as
 * scheduled evaluations, so a manual scale is one more conditional state change, never a
 * side channel around the engine.
 */
import { parsePolicy } from '../config/validate';
import { ConflictError, NotFoundError, ScaleTargetError, StorageError, ValidationError } from '../domain/errors';
import type { Policy } from '../domain/policy';
import type { Decision, ManualOverride, PoolState } from '../domain/types';
import { initialState } from '../domain/types';
import type { HistoryQuery } from '../ports/DecisionLog';
import type { PolicyWriteCondition } from '../ports/PolicyStore';
import type { StateStore } from '../ports/StateStore';
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
  /** The policy's revision (the API's ETag), when read from the store with it. */
  revision?: string;
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
  const stored = await deps.policies.getStored(poolId);
  if (!stored) throw new NotFoundError(`Pool "${poolId}" does not exist`);
  const state = await deps.states.get(poolId);
  return { policy: stored.policy, revision: stored.revision, ...(state ? { state: publicState(state), lastDecision: state.lastDecision } : {}) };
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

/**
 * Times a manual scale records its override and runs its tick when other writers keep changing
 * the pool; each recording retries its own state write a few times. Kept small: under heavy
 * contention a prompt 409 the operator can retry beats a long wait.
 */
const MANUAL_ATTEMPTS = 2;
const MANUAL_WRITE_ATTEMPTS = 3;

/**
 * Sets a manual desired count and applies it at once through a forced tick of the pool.
 * Returns only when this request's own override was decided on, recorded in the history and
 * (unless the pool is in dry-run or already there) applied by the target:
 * @throws ValidationError for a count outside the pool's bounds
 * @throws ConflictError when the pool is paused or disabled, or other writers kept changing it
 * @throws ScaleTargetError when the target refused the change (the override stays recorded and
 *   the next tick retries it; `resume` with `clearManual` cancels it)
 */
export async function setManual(deps: RuntimeDeps, poolId: string, request: ManualScaleRequest): Promise<PoolOutcome> {
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
  const manual: ManualOverride = {
    desired: request.desired,
    reason: request.reason,
    at: now,
    ...(request.durationMs !== undefined ? { until: now + request.durationMs } : {}),
    ...(request.by ? { by: request.by } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    const written = await updateState(deps, poolId, (state) => ({ ...state, manual }), MANUAL_WRITE_ATTEMPTS);
    // The tick may only claim the state this request wrote: had another writer (a second
    // manual scale, a scheduled tick) changed it in between, the tick would decide on that
    // writer's override and this request would answer for a change it did not make.
    const result = await runTick({ ...deps, states: claimOnlyFrom(deps.states, written.version) }, { poolIds: [poolId], force: true, trigger: 'manual' });
    const outcome = result.outcomes.find((candidate) => candidate.poolId === poolId);
    if (outcome?.skipped === 'conflict' && attempt < MANUAL_ATTEMPTS) continue;
    return manualOutcome(policy, manual, outcome, attempt);
  }
}

/** The outcome of a manual scale's tick, or the error that says why it did not apply. */
function manualOutcome(policy: Policy, manual: ManualOverride, outcome: PoolOutcome | undefined, attempts: number): PoolOutcome {
  const pool = `Pool "${policy.id}"`;
  if (!outcome || outcome.skipped === 'not_found') throw new NotFoundError(`${pool} does not exist`);
  if (outcome.skipped === 'conflict') {
    throw new ConflictError(`${pool} was changed by other writers ${attempts} times while scaling to ${manual.desired}; nothing was applied for this request: retry`);
  }
  if (outcome.skipped === 'disabled') {
    throw new ConflictError(`${pool} is disabled (enabled: false): the override to ${manual.desired} is recorded but nothing evaluates the pool`);
  }
  if (outcome.skipped) throw new ConflictError(`${pool} was not evaluated (${outcome.skipped}); nothing was applied: retry`);
  const decision = outcome.decision;
  if (!decision) throw new StorageError(`${pool}: ${outcome.error ?? 'the manual scale was not recorded'}`);
  if (outcome.error) {
    throw new ScaleTargetError(
      `${pool}: scaling to ${decision.desired} failed at the target: ${outcome.error}. The override stays recorded and the next tick retries it; \`resume\` with clearManual cancels it`,
      true,
    );
  }
  if (decision.reasons.some((reason) => reason.code === 'paused')) {
    throw new ConflictError(`${pool} is paused: the override to ${manual.desired} is recorded and applies when the pool is resumed`);
  }
  return outcome;
}

/**
 * The state store as a tick that must decide on exactly `version` sees it: its claim of any
 * other version is a conflict. Writes after the claim (recording a failed action) go through.
 */
function claimOnlyFrom(states: StateStore, version: number): StateStore {
  let claimed = false;
  return {
    get: (poolId) => states.get(poolId),
    getMany: (poolIds) => states.getMany(poolIds),
    delete: (poolId) => states.delete(poolId),
    put: async (state, expectedVersion) => {
      if (!claimed && expectedVersion !== version) {
        throw new ConflictError(`State of pool "${state.poolId}" changed after the manual override was recorded (version ${version}, now ${expectedVersion})`);
      }
      await states.put(state, expectedVersion);
      claimed = true;
    },
  };
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

export interface ResumeRequest {
  by?: string;
  /** Also end a manual override; without it an override stays (an incident scale-up is not cancelled by a resume). */
  clearManual?: boolean;
}

export interface ResumeResult {
  state: PublicState;
  /** The pool was paused through the API before this resume. */
  wasPaused: boolean;
  /** A manual override was ended by this resume. */
  manualCleared: boolean;
  /** The manual override still in force (resume without `clearManual`). */
  manual?: ManualOverride;
}

/**
 * Resumes a paused pool. A manual override stays unless `clearManual` is set: resuming must
 * not silently cancel an operator's scale-up.
 */
export async function resume(deps: RuntimeDeps, poolId: string, request: ResumeRequest = {}): Promise<ResumeResult> {
  const policy = await requirePolicy(deps, poolId);
  let before: PoolState | undefined;
  const state = await updateState(deps, poolId, (current) => {
    before = current;
    const { paused: _paused, manual, ...rest } = current;
    return request.clearManual || !manual ? rest : { ...rest, manual };
  });
  const wasPaused = before?.paused !== undefined;
  const manualCleared = request.clearManual === true && before?.manual !== undefined;
  const kept = state.manual;
  const by = request.by ? ` by ${request.by}` : '';
  const message = [
    wasPaused ? `resumed${by}` : `resume${by}: the pool was not paused`,
    ...(manualCleared ? [`manual override to ${before!.manual!.desired} cleared`] : []),
    ...(kept ? [`manual override to ${kept.desired} stays in force`] : []),
  ].join('; ');
  await recordOperatorAction(deps, policy, state, 'operator.resume', message);
  return { state: publicState(state), wasPaused, manualCleared, ...(kept ? { manual: kept } : {}) };
}

/**
 * Validates and stores a policy; throws ValidationError listing every problem, and
 * PreconditionFailedError when `condition` (If-Match) does not hold.
 */
export async function putPolicy(deps: RuntimeDeps, input: unknown, condition?: PolicyWriteCondition): Promise<{ policy: Policy; revision: string }> {
  const policy = parsePolicy(input);
  const revision = await deps.policies.put(policy, condition);
  // A standing manual override outside the new bounds is brought within them (a manual scale
  // outside them is refused): otherwise it would spring back to its old count when they widen.
  const manual = (await deps.states.get(policy.id))?.manual;
  if (manual && (manual.desired > policy.max || manual.desired < policy.min)) {
    await updateState(
      deps,
      policy.id,
      (state) => (state.manual ? { ...state, manual: { ...state.manual, desired: Math.min(policy.max, Math.max(policy.min, state.manual.desired)) } } : state),
      MANUAL_WRITE_ATTEMPTS,
    );
  }
  return { policy, revision };
}

export async function deletePolicy(deps: RuntimeDeps, poolId: string, condition?: Pick<PolicyWriteCondition, 'revision'>): Promise<void> {
  await deps.policies.delete(poolId, condition);
  await deps.states.delete(poolId);
  // Its history goes too: a pool created again under the same id must not show the old one's
  // decisions. The pool is gone either way: a failure here leaves the rest to expire (TTL).
  try {
    await deps.log.deleteAll?.(poolId);
  } catch (error) {
    deps.logger?.warn('the deleted pool\'s history was not all removed; the rest expires with its TTL', { poolId, error: error instanceof Error ? error.message : String(error) });
  }
}
