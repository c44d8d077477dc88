import type { Policy, TargetRule } from '../domain/policy';
import type { SpreadState } from '../domain/types';

/**
 * Observed spread and trend of a load, for square-root staffing with `spread: observed`.
 *
 * Square-root staffing assumes Poisson arrivals: the load R moves from one evaluation to the next
 * by about sqrt(R). Real traffic often moves more (requests come in bursts of one page or one
 * user; a trace summed from many sources keeps its sources' bursts), and a large pool on a rising
 * daily slope falls behind by the slope times the time new workers take to serve. Both are
 * measured here from the load itself, with O(1) state (a whole window of samples would cost a
 * DynamoDB write unit per KB every evaluation):
 *  - `spread`: a running median of |change| between consecutive evaluations. Each evaluation
 *    moves it by a factor e^(+-SPREAD_RATE) towards the new |change| (the stochastic-approximation
 *    median: it settles where half the changes are above it). One burst moves it by 5 %, not by
 *    the burst's size, so batch bursts do not inflate the headroom of the hours after them;
 *    a lasting change of regime is followed in about 15 evaluations per doubling;
 *  - `trend`: a running median of the signed change, moved each evaluation by SPREAD_RATE x
 *    spread towards it: the slope of a steady ramp, again unmoved by one jump;
 *  - `recent`: the last RISE_RUN changes. The median trend takes tens of evaluations to reach a
 *    ramp's slope, too slow for a large pool whose load starts climbing at once (a spike spread
 *    over half an hour, the morning slope): when each of the last RISE_RUN changes rose, the
 *    smallest of them is the slope provisioned ahead (`risingTrend`). One jump is not a rise of
 *    RISE_RUN changes, and noise rarely rises three times running (1 in 24 for white noise:
 *    four values in increasing order), and then by the smallest of the three.
 * The spread starts at the Poisson value (median |change| 0.674 sqrt(R)), so an idle or Poisson
 * load keeps the plain sqrt(R) headroom. A gap longer than `maxGap` between two fresh values (an
 * outage, a paused pool) starts the estimates again.
 */
export const SPREAD_RATE = 0.05;
/** How many consecutive rising changes make a sustained rise. */
export const RISE_RUN = 3;
/** Median of |N(0, 1)|: a normal change of standard deviation s has median |change| 0.674 s. */
export const MEDIAN_ABS_NORMAL = 0.6744897501960817;
const TINY = 1e-9;

/** The state key of a target rule with `spread: observed` (its name, else its position). */
export function spreadKey(rule: TargetRule, index: number): string {
  return rule.name ?? `#${index}`;
}

/** Load in workers the rule reads: metric / perWorker (at least 0). */
function loadOf(rule: TargetRule, value: number): number {
  return Math.max(0, value) / (rule.perWorker ?? 1);
}

/** One evaluation's update of a rule's spread and trend, from its fresh metric value. */
export function updateSpread(previous: SpreadState | undefined, load: number, at: number, maxGap: number): SpreadState {
  if (!previous || !(at > previous.at) || at - previous.at > maxGap || !Number.isFinite(previous.spread) || !Number.isFinite(previous.trend)) {
    return { at, load, spread: MEDIAN_ABS_NORMAL * Math.sqrt(load), trend: 0 };
  }
  const change = load - previous.load;
  const magnitude = Math.abs(change);
  const spread = Math.max(TINY, magnitude > previous.spread ? previous.spread * Math.exp(SPREAD_RATE) : previous.spread * Math.exp(-SPREAD_RATE));
  const step = SPREAD_RATE * Math.max(previous.spread, TINY);
  const trend = change > previous.trend ? previous.trend + step : change < previous.trend ? previous.trend - step : previous.trend;
  const recent = [...(Array.isArray(previous.recent) ? previous.recent : []), change].slice(-RISE_RUN);
  return { at, load, spread, trend, recent };
}

/**
 * The rising slope to provision ahead for, per evaluation: the larger of the median trend and,
 * when each of the last RISE_RUN changes rose, the smallest of them (0 when neither rises).
 */
export function risingTrend(state: SpreadState): number {
  const recent = Array.isArray(state.recent) ? state.recent : [];
  const sustained = recent.length >= RISE_RUN ? Math.min(...recent.slice(-RISE_RUN)) : 0;
  return Math.max(0, Number.isFinite(state.trend) ? state.trend : 0, Number.isFinite(sustained) ? sustained : 0);
}

/** Standard deviation of the change between evaluations that the running median implies. */
export function observedDeviation(state: SpreadState): number {
  return state.spread / MEDIAN_ABS_NORMAL;
}

/**
 * This tick's spreads of every target rule with `spread: observed` that has a fresh value;
 * rules without one keep their previous state (their next fresh value is compared with the
 * last one, or starts again after `maxGap`). Undefined when no rule observes its spread.
 */
export function learnSpreads(policy: Policy, previous: Readonly<Record<string, SpreadState>> | undefined, values: Readonly<Record<string, number>>, now: number): Record<string, SpreadState> | undefined {
  let next: Record<string, SpreadState> | undefined;
  const maxGap = Math.max(3 * policy.interval, policy.staleAfter);
  policy.rules.forEach((rule, index) => {
    if (rule.type !== 'target' || rule.spread !== 'observed') return;
    const key = spreadKey(rule, index);
    const value = values[rule.metric];
    const before = previous?.[key];
    const state = value === undefined ? before : updateSpread(before, loadOf(rule, value), now, maxGap);
    if (state) (next ??= {})[key] = state;
  });
  return next;
}
