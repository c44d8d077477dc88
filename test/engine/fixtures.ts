import { PoolSchema, type Policy, type PolicyInput } from '../../shared/domain/policy';
import { initialState, type Observations, type PoolState, type TargetStatus } from '../../shared/domain/types';

/** A parsed policy with a `none` target; `rules` and the rest come from `input`. */
export const policyOf = (input: Partial<PolicyInput>): Policy =>
  PoolSchema.parse({ id: 'pool', target: { kind: 'none' }, min: 0, max: 100, ...input });

/** Observations at `now` with fresh metric values. */
export const observe = (now: number, metrics: Record<string, number>, target?: Partial<TargetStatus> & { desired: number }): Observations => ({
  at: now,
  metrics: Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name, { value, at: now }])),
  ...(target ? { target: { ready: target.desired, pending: 0, stable: true, ...target } } : {}),
});

export const stateOf = (extra: Partial<PoolState> = {}): PoolState => ({ ...initialState('pool'), ...extra });

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, 12:00 UTC
export const MINUTE = 60_000;

import type { RuleContext } from '../../shared/engine';
import type { SamplePoint } from '../../shared/domain/types';

/** A rule context at `now` with these fresh values (samples: just this tick unless given). */
export const ctxOf = (policy: Policy, values: Record<string, number>, current: number, extra: Partial<RuleContext> = {}): RuleContext => ({
  policy,
  now: T0,
  current,
  ready: current,
  values,
  samples: [{ t: T0, values }] as SamplePoint[],
  state: stateOf(),
  ...extra,
});
