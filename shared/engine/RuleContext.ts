import type { Policy } from '../domain/policy';
import type { ForecastState, PoolState, Proposal, SamplePoint, SpreadState } from '../domain/types';

/**
 * What every rule sees: fresh metric values of this tick (stale or failed readings are absent),
 * the remembered samples (this tick included, oldest first) and the current count.
 */
export interface RuleContext {
  policy: Policy;
  now: number;
  /** Count the decision starts from. */
  current: number;
  /** Workers serving now (target status), else `current`. */
  ready: number;
  /** Fresh values by metric name; a missing or stale metric has no entry. */
  values: Readonly<Record<string, number>>;
  /** Remembered samples including this tick's, oldest first. */
  samples: readonly SamplePoint[];
  /** The predictive forecaster's state after this tick's update. */
  forecast?: ForecastState;
  /** Observed spreads of target rules with `spread: observed`, after this tick's update. */
  spreads?: Readonly<Record<string, SpreadState>>;
  state: PoolState;
}

/** A rule's answer: its proposal, plus the metrics it needed but could not read. */
export interface RuleOutcome {
  proposal: Proposal;
  /** Non-empty when the rule abstained because these metrics were missing or stale. */
  missing?: string[];
  /** Forecast summary, for the predictive rule. */
  forecast?: { peakLoad: number; workers: number; mode: string; horizonMs: number };
}
