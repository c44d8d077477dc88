import type { TargetRule } from '../../domain/policy';
import { humanCompared, humanNumber, humanPercent } from '../../domain/humanFormat';
import type { RuleContext, RuleOutcome } from '../RuleContext';
import { windowAverage } from '../samples';
import { observedDeviation, risingTrend, spreadKey } from '../spread';

/**
 * Target tracking (seed 004, seed 002 templates, HPA). Three modes, first match wins:
 *  - backlog (`perWorker`): desired = ceil(backlog / perWorker); with `beta`, square-root
 *    staffing on R = metric / perWorker: ceil(R + beta * sqrt(R)) (see staffing()); with
 *    `spread: observed`, ceil(R + lead x rising trend + beta * max(sqrt(R), observed deviation))
 *    (see spread.ts);
 *  - threshold (`scaleUpThreshold`/`scaleDownThreshold`): above up (with pending work when
 *    `requirePending`) -> current + increment, or the proportional estimate toward
 *    `targetValue` if larger; below down -> current - increment;
 *  - proportional (`targetValue`): HPA's ceil(current * metric / target) outside the tolerance.
 * With `window` the metric is averaged over the samples of the window.
 */
export function targetRule(rule: TargetRule, ctx: RuleContext): RuleOutcome {
  const { current } = ctx;
  if (ctx.values[rule.metric] === undefined) {
    return { proposal: { rule: 'target', name: rule.name, reason: { code: 'rule.target.missing', message: `no fresh ${rule.metric}: abstaining` } }, missing: [rule.metric] };
  }
  const value = rule.window > 0 ? windowAverage(ctx.samples, rule.metric, ctx.now, rule.window)! : ctx.values[rule.metric]!;
  /** The metric as read, shown on the right side of each reference it is compared with. */
  const shown = (...references: (number | undefined)[]) => `${rule.metric} ${humanCompared(value, ...references)}${rule.window > 0 ? ' (window average)' : ''}`;

  if (rule.perWorker !== undefined) {
    const load = exact(Math.max(0, value) / rule.perWorker);
    const beta = rule.beta ?? 0;
    const observed = rule.spread === 'observed' && beta > 0 ? ctx.spreads?.[spreadKey(rule, ctx.policy.rules.indexOf(rule))] : undefined;
    let desired: number;
    let how: string | undefined;
    if (observed) {
      const deviation = observedDeviation(observed);
      const ahead = risingTrend(observed) * ((rule.lead ?? 2 * ctx.policy.interval) / ctx.policy.interval);
      desired = staffingObserved(load, beta, deviation, ahead);
      const spreadText = deviation > Math.sqrt(load) ? `observed spread ${humanNumber(deviation)} (> sqrt(${humanNumber(load)}))` : `sqrt(${humanNumber(load)}) (observed spread ${humanNumber(deviation)})`;
      how = `${humanNumber(load)}${ahead > 0 ? ` + rising ${humanNumber(ahead)}` : ''} + ${beta} x ${spreadText}`;
    } else {
      desired = staffing(load, beta);
      how = beta > 0 ? `${humanNumber(load)} + ${beta} x sqrt(${humanNumber(load)})` : undefined;
    }
    const code = desired > current ? 'rule.target.backlog_up' : desired < current ? 'rule.target.backlog_down' : 'rule.target.backlog_ok';
    return { proposal: { rule: 'target', name: rule.name, desired, reason: { code, message: `${shown()} / ${rule.perWorker} per worker${how ? ` = ${how}` : ''} -> ${desired}` } } };
  }

  if (rule.scaleUpThreshold !== undefined || rule.scaleDownThreshold !== undefined) {
    if (rule.scaleUpThreshold !== undefined && value > rule.scaleUpThreshold) {
      if (rule.requirePending) {
        const pending = ctx.values[rule.pendingMetric];
        if (pending === undefined) {
          return {
            proposal: { rule: 'target', name: rule.name, reason: { code: 'rule.target.missing', message: `${shown(rule.scaleUpThreshold)} > ${rule.scaleUpThreshold} but no fresh ${rule.pendingMetric}: abstaining` } },
            missing: [rule.pendingMetric],
          };
        }
        if (!(pending > 0)) {
          return {
            proposal: { rule: 'target', name: rule.name, desired: current, reason: { code: 'rule.target.no_pending', message: `${shown(rule.scaleUpThreshold)} > ${rule.scaleUpThreshold} but ${rule.pendingMetric} ${humanNumber(pending)}: hold ${current}` } },
          };
        }
      }
      const stepped = current + rule.increment;
      const estimate = rule.targetValue !== undefined ? proportional(current, value, rule.targetValue) : 0;
      const desired = Math.max(stepped, estimate);
      const how = estimate > stepped ? `proportional estimate toward ${rule.targetValue}` : `+${rule.increment}`;
      return { proposal: { rule: 'target', name: rule.name, desired, reason: { code: 'rule.target.above_threshold', message: `${shown(rule.scaleUpThreshold)} > ${rule.scaleUpThreshold}: ${how} -> ${desired}` } } };
    }
    if (rule.scaleDownThreshold !== undefined && value < rule.scaleDownThreshold) {
      const desired = Math.max(0, current - rule.increment);
      return {
        proposal: { rule: 'target', name: rule.name, desired, reason: { code: 'rule.target.below_threshold', message: `${shown(rule.scaleDownThreshold)} < ${rule.scaleDownThreshold}: -${rule.increment} -> ${desired}` } },
      };
    }
    const band = `[${rule.scaleDownThreshold ?? '-'}, ${rule.scaleUpThreshold ?? '-'}]`;
    return { proposal: { rule: 'target', name: rule.name, desired: current, reason: { code: 'rule.target.within_thresholds', message: `${shown(rule.scaleDownThreshold, rule.scaleUpThreshold)} within ${band}: hold ${current}` } } };
  }

  const target = rule.targetValue ?? 1;
  const ratio = value / target;
  if (Math.abs(ratio - 1) <= rule.tolerance) {
    return {
      proposal: {
        rule: 'target', name: rule.name,
        desired: current,
        reason: { code: 'rule.target.within_tolerance', message: `${shown(target)} within ${humanPercent(rule.tolerance)} of target ${target}: hold ${current}` },
      },
    };
  }
  // Workers still starting report no load yet. Like the Kubernetes replica calculator
  // (replica_calculator.go: not-ready pods count at 0 % on a scale-up, are set aside on a
  // scale-down), size from the serving workers only, and never go below what is already
  // ordered on a scale-up: capacity that is starting is not bought a second time.
  const ready = Math.min(ctx.ready, current);
  if (ready < current) {
    if (ready <= 0) {
      return { proposal: { rule: 'target', name: rule.name, desired: current, reason: { code: 'rule.target.starting', message: `${shown(target)}: no worker serving yet (${current} starting): hold ${current}` } } };
    }
    const sized = proportional(ready, value, target);
    const desired = ratio > 1 ? Math.max(current, sized) : Math.min(current, sized);
    const code = desired > current ? 'rule.target.above_target' : desired < current ? 'rule.target.below_target' : 'rule.target.on_target';
    return {
      proposal: {
        rule: 'target', name: rule.name, desired,
        reason: { code, message: `${shown(target)} vs target ${target} over ${ready} serving (${current - ready} starting count at 0): ceil(${ready} x ${humanNumber(ratio)}) = ${sized} -> ${desired}` },
      },
    };
  }
  const desired = proportional(current, value, target);
  const code = desired > current ? 'rule.target.above_target' : desired < current ? 'rule.target.below_target' : 'rule.target.on_target';
  return { proposal: { rule: 'target', name: rule.name, desired, reason: { code, message: `${shown(target)} vs target ${target}: ceil(${current} x ${humanNumber(ratio)}) -> ${desired}` } } };
}

/**
 * Square-root staffing (Halfin-Whitt): ceil(load + beta * sqrt(load)) workers for a load of `load`
 * workers; beta 0 gives ceil(load). Never below the load, nondecreasing in both arguments.
 */
export function staffing(load: number, beta: number): number {
  return staffingObserved(load, beta, 0, 0);
}

/**
 * Square-root staffing on an observed spread: ceil(load + ahead + beta * max(sqrt(load), deviation)),
 * never below staffing(load, beta); nondecreasing in every argument.
 */
export function staffingObserved(load: number, beta: number, deviation: number, ahead: number): number {
  const r = Math.max(0, load);
  const spread = Math.max(Math.sqrt(r), Number.isFinite(deviation) ? deviation : 0);
  return Math.ceil(exact(r + Math.max(0, Number.isFinite(ahead) ? ahead : 0) + Math.max(0, beta) * spread));
}

/** HPA's ceil(current * metric / target); an empty pool with load gets at least one worker. */
function proportional(current: number, value: number, target: number): number {
  const load = Math.max(0, value);
  const desired = Math.ceil(exact((current * load) / target));
  return current === 0 && load > 0 ? Math.max(1, desired) : desired;
}

/** Rounds away float noise (0.7 / 0.1 * 10) before ceil. */
const exact = (n: number) => Math.round(n * 1e9) / 1e9;
