import type { StepsRule } from '../../domain/policy';
import { formatDuration } from '../../domain/duration';
import { humanCompared, humanNumber } from '../../domain/humanFormat';
import type { RuleContext, RuleOutcome } from '../RuleContext';
import { sustainedValues } from '../samples';

/**
 * Seed 003: metric thresholds mapped to worker counts, each sustained for a duration.
 * Up: the highest step whose `above` was exceeded for the whole `upFor` (a window not yet
 * covered by samples does not trigger), then the memory check per worker. Down: the lowest
 * `workers` among steps whose metric stayed below `below` for the whole `downFor`, only while
 * available memory is above `scaleDownMinAvailableGb`. Steps may come in any order.
 */
export function stepsRule(rule: StepsRule, ctx: RuleContext): RuleOutcome {
  const { current, now } = ctx;
  if (ctx.values[rule.metric] === undefined) {
    return { proposal: { rule: 'steps', name: rule.name, reason: { code: 'rule.steps.missing', message: `no fresh ${rule.metric}: abstaining` } }, missing: [rule.metric] };
  }
  const gap = ctx.policy.staleAfter;

  if (rule.up.length > 0) {
    const window = sustainedValues(ctx.samples, rule.metric, now, rule.upFor, gap);
    if (window) {
      const lowest = Math.min(...window);
      let step: { above: number; workers: number } | undefined;
      for (const s of rule.up) if (lowest > s.above && (!step || s.above > step.above)) step = s;
      if (step && step.workers > current) {
        const trigger = `${rule.metric} > ${step.above} for ${formatDuration(rule.upFor)} (lowest ${humanCompared(lowest, step.above)})`;
        if (rule.memoryPerWorkerGb === undefined) {
          return { proposal: { rule: 'steps', name: rule.name, desired: step.workers, reason: { code: 'rule.steps.up', message: `${trigger}: ${step.workers} workers` } } };
        }
        const memory = ctx.values[rule.memoryMetric];
        if (memory === undefined) {
          return {
            proposal: { rule: 'steps', name: rule.name, reason: { code: 'rule.steps.missing', message: `${trigger}, but no fresh ${rule.memoryMetric} for the memory check: abstaining` } },
            missing: [rule.memoryMetric],
          };
        }
        if (memory / step.workers >= rule.memoryPerWorkerGb) {
          return {
            proposal: {
              rule: 'steps', name: rule.name,
              desired: step.workers,
              reason: { code: 'rule.steps.up', message: `${trigger}; ${humanNumber(memory)} GB / ${step.workers} = ${humanCompared(memory / step.workers, rule.memoryPerWorkerGb)} GB per worker >= ${rule.memoryPerWorkerGb}: ${step.workers} workers` },
            },
          };
        }
        const fits = Math.floor(memory / rule.memoryPerWorkerGb + 1e-9);
        if (rule.onShortMemory === 'hold') {
          return {
            proposal: {
              rule: 'steps', name: rule.name,
              desired: current,
              reason: {
                code: 'rule.steps.memory_short',
                message: `${trigger}, but ${humanNumber(memory)} GB / ${step.workers} < ${rule.memoryPerWorkerGb} GB per worker: hold ${current} (memory fits ${fits}; onShortMemory: fit would scale to it)`,
              },
            },
          };
        }
        const desired = Math.max(current, Math.min(fits, step.workers));
        return {
          proposal: {
            rule: 'steps', name: rule.name,
            desired,
            reason: {
              code: 'rule.steps.memory_limited',
              message: `${trigger}, but ${humanNumber(memory)} GB / ${step.workers} < ${rule.memoryPerWorkerGb} GB per worker: ${desired} (memory fits ${fits})`,
            },
          },
        };
      }
    }
  }

  if (rule.down.length > 0) {
    const window = sustainedValues(ctx.samples, rule.metric, now, rule.downFor, gap);
    if (window) {
      const highest = Math.max(...window);
      let step: { below: number; workers: number } | undefined;
      for (const s of rule.down) if (highest < s.below && (!step || s.workers < step.workers)) step = s;
      if (step && step.workers < current) {
        const trigger = `${rule.metric} < ${step.below} for ${formatDuration(rule.downFor)} (highest ${humanCompared(highest, step.below)})`;
        if (rule.scaleDownMinAvailableGb !== undefined) {
          const memory = ctx.values[rule.memoryMetric];
          if (memory === undefined) {
            return {
              proposal: { rule: 'steps', name: rule.name, reason: { code: 'rule.steps.missing', message: `${trigger}, but no fresh ${rule.memoryMetric}: abstaining` } },
              missing: [rule.memoryMetric],
            };
          }
          if (!(memory > rule.scaleDownMinAvailableGb)) {
            return {
              proposal: {
                rule: 'steps', name: rule.name,
                desired: current,
                reason: { code: 'rule.steps.down_memory', message: `${trigger}, but available ${humanCompared(memory, rule.scaleDownMinAvailableGb)} GB <= ${rule.scaleDownMinAvailableGb} GB: hold ${current}` },
              },
            };
          }
        }
        return { proposal: { rule: 'steps', name: rule.name, desired: step.workers, reason: { code: 'rule.steps.down', message: `${trigger}: ${step.workers} workers` } } };
      }
    }
  }

  const value = ctx.values[rule.metric];
  return { proposal: { rule: 'steps', name: rule.name, desired: current, reason: { code: 'rule.steps.hold', message: `${rule.metric} ${humanNumber(value!)}: no step sustained, hold ${current}` } } };
}
