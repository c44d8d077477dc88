import type { MemoryRule } from '../../domain/policy';
import { humanCompared } from '../../domain/humanFormat';
import type { RuleContext, RuleOutcome } from '../RuleContext';

/**
 * Seed 001's formula, exactly:
 *   afw = available - reserve; optimal = min(floor(afw / perWorker), max); optimal = max(optimal, min);
 *   if available < threshold: optimal = max(min, optimal - 1)
 * Role `size` proposes it; role `limit` only caps what other rules propose. Either way the fit is a
 * hard ceiling (decide applies it after cooldowns and stabilisation): workers that do not fit go.
 */
export function memoryFit(available: number, rule: MemoryRule, min: number, max: number): number {
  const forWorkers = available - rule.reserveGb;
  let optimal = Math.min(Math.floor(forWorkers / rule.perWorkerGb), max);
  optimal = Math.max(optimal, min);
  if (available < rule.thresholdGb) optimal = Math.max(min, optimal - 1);
  return optimal;
}

export function memoryRule(rule: MemoryRule, ctx: RuleContext): RuleOutcome {
  const available = ctx.values[rule.metric];
  if (available === undefined) {
    return {
      proposal: { rule: 'memory', name: rule.name, reason: { code: 'rule.memory.missing', message: `no fresh ${rule.metric}: abstaining` } },
      missing: [rule.metric],
    };
  }
  const fit = memoryFit(available, rule, ctx.policy.min, ctx.policy.max);
  const low = available < rule.thresholdGb ? `, below threshold ${rule.thresholdGb} GB: one fewer` : '';
  const message =
    `available ${humanCompared(available, rule.thresholdGb)} GB - reserve ${rule.reserveGb} GB fits ${fit} worker(s) of ${rule.perWorkerGb} GB${low}`;
  if (rule.role === 'limit') {
    return { proposal: { rule: 'memory', name: rule.name, ceiling: fit, hard: true, reason: { code: 'rule.memory.limit', message: `${message} (limit)` } } };
  }
  // The fit is both the proposal and a hard ceiling: a worker that does not fit never runs.
  return { proposal: { rule: 'memory', name: rule.name, desired: fit, ceiling: fit, hard: true, reason: { code: 'rule.memory.fit', message } } };
}
