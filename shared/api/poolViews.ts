import type { Policy } from '../domain/policy';
import type { Decision } from '../domain/types';
import type { PoolView } from '../runtime/operations';

/** `ecs:cluster/service`, `host:host/pool` or `none`: enough to recognise the target in a list. */
export function describeTarget(policy: Policy): string {
  const target = policy.target;
  switch (target.kind) {
    case 'ecs':
      return `ecs:${target.cluster}/${target.service}`;
    case 'host':
      return `host:${target.host}/${target.pool}`;
    case 'none':
      return 'none';
  }
}

/** The reasons of a decision as one line, for lists. */
export function summariseReasons(decision: Decision): string {
  return decision.reasons.map((reason) => reason.message).join('; ');
}

/** One row of `GET /pools`: the numbers and the last action with why, not the whole policy. */
export function poolSummary({ policy, state, lastDecision: last }: PoolView, ready?: number) {
  return {
    id: policy.id,
    target: describeTarget(policy),
    min: policy.min,
    max: policy.max,
    desired: state?.desired ?? last?.desired,
    ...(ready === undefined ? {} : { ready }),
    paused: policy.paused || state?.paused !== undefined,
    ...(state?.paused ? { pausedReason: state.paused.reason } : {}),
    ...(state?.manual ? { manual: state.manual } : {}),
    enabled: policy.enabled,
    dryRun: policy.dryRun,
    ...(state?.lastEvaluatedAt === undefined ? {} : { lastEvaluatedAt: state.lastEvaluatedAt }),
    // The error of the last scaling action when it failed (cleared by the next success).
    ...(state?.lastActionError ? { lastActionError: state.lastActionError } : {}),
    ...(last
      ? {
          lastAction: {
            at: last.at,
            action: last.action,
            current: last.current,
            desired: last.desired,
            summary: summariseReasons(last),
            ...(last.metricErrors?.length ? { metricErrors: last.metricErrors } : {}),
          },
        }
      : {}),
  };
}
