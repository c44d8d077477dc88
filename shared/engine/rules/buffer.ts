import type { BufferRule } from '../../domain/policy';
import { humanCompared, humanNumber } from '../../domain/humanFormat';
import type { RuleContext, RuleOutcome } from '../RuleContext';

/**
 * Seed 000: keep at least `minFree` free workers, adding `batch` when below; with `maxFree`,
 * release the idle surplus (`scaleInStep` at a time).
 *
 * @example 10 bots, 8 busy: free 2 < minFree 3 -> +5 -> 15 (free 7)
 */
export function bufferRule(rule: BufferRule, ctx: RuleContext): RuleOutcome {
  const { current } = ctx;
  let free = ctx.values[rule.freeMetric];
  let how = `${rule.freeMetric} metric`;
  if (free === undefined) {
    const busy = ctx.values[rule.busyMetric];
    if (busy === undefined) {
      return {
        proposal: { rule: 'buffer', name: rule.name, reason: { code: 'rule.buffer.missing', message: `no fresh ${rule.freeMetric} or ${rule.busyMetric} metric: abstaining` } },
        missing: [rule.busyMetric],
      };
    }
    free = Math.max(0, ctx.ready - busy);
    how = `${ctx.ready} ready - ${humanNumber(busy)} busy`;
  }
  // A count of workers: float noise of an averaged busy reading (1 - 1e-16) is no fraction of a
  // worker, and must not trigger a batch (nor print as 0.9999999999999999).
  free = Math.round(free * 1e6) / 1e6;
  // Workers ordered and still starting will be free when they come up: a batch is not ordered
  // again while the last one starts (seed 000: one batch refills the pool). They are never
  // surplus to release, though: maxFree looks at ready workers only.
  const starting = Math.max(0, current - ctx.ready);
  if (free + starting < rule.minFree) {
    if (starting > 0) how += ` + ${starting} starting`;
    const desired = current + rule.batch;
    return {
      proposal: {
        rule: 'buffer', name: rule.name,
        desired,
        reason: { code: 'rule.buffer.below_min_free', message: `free ${humanCompared(free + starting, rule.minFree)} (${how}) < minFree ${rule.minFree}: +${rule.batch} (batch) -> ${desired}` },
      },
    };
  }
  // Only whole idle workers are surplus: a fractional busy reading (an average) must not turn
  // into a fractional count (6 - 0.9999 = 5.0000001 workers).
  if (rule.maxFree !== undefined && Math.floor(free - rule.maxFree) >= 1) {
    const surplus = Math.floor(free - rule.maxFree);
    const remove = Math.min(rule.scaleInStep ?? surplus, surplus, current);
    const desired = current - remove;
    return {
      proposal: {
        rule: 'buffer', name: rule.name,
        desired,
        reason: { code: 'rule.buffer.above_max_free', message: `free ${humanCompared(free, rule.maxFree)} (${how}) > maxFree ${rule.maxFree}: -${remove} -> ${desired}` },
      },
    };
  }
  const band = rule.maxFree === undefined ? `>= minFree ${rule.minFree}` : `within [${rule.minFree}, ${rule.maxFree}]`;
  const counted = starting > 0 ? `${humanNumber(free)} (${how}) + ${starting} starting` : `${humanCompared(free, rule.minFree, rule.maxFree)} (${how})`;
  return {
    proposal: { rule: 'buffer', name: rule.name, desired: current, reason: { code: 'rule.buffer.ok', message: `free ${counted} ${band}: hold ${current}` } },
  };
}
