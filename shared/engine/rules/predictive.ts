import type { PredictiveRule } from '../../domain/policy';
import { formatDuration } from '../../domain/duration';
import { forecastPeak } from '../forecast';
import type { RuleContext, RuleOutcome } from '../RuleContext';

/**
 * Seed 002 predictive scaling. The forecaster (see forecast.ts) learns in decide(); this rule
 * turns the learnt profile into workers = ceil(peak / targetUtilization). `forecast-only` only
 * reports; `forecast-and-scale` sets a floor, so it can add capacity ahead of a peak but never
 * takes away what the live rules need.
 */
export function predictiveRule(rule: PredictiveRule, ctx: RuleContext): RuleOutcome {
  if (ctx.values[rule.metric] === undefined) {
    return { proposal: { rule: 'predictive', name: rule.name, reason: { code: 'rule.predictive.missing', message: `no fresh ${rule.metric}: abstaining` } }, missing: [rule.metric] };
  }
  const fc = ctx.forecast;
  const learnt = fc ? ctx.now - fc.since : 0;
  if (!fc || learnt < rule.minHistory) {
    return {
      proposal: {
        rule: 'predictive', name: rule.name,
        reason: { code: 'rule.predictive.learning', message: `learnt ${formatDuration(learnt)} of ${formatDuration(rule.minHistory)} history: no forecast yet` },
      },
    };
  }
  const peak = forecastPeak(fc, rule, ctx.now);
  const utilization = Math.max(rule.targetUtilization, 0.01);
  const workers = Math.ceil(Math.round((peak / utilization) * 1e6) / 1e6);
  const summary = `forecast peak ${peak.toFixed(2)} in the next ${formatDuration(rule.horizon)} at ${utilization} utilization needs ${workers}`;
  const forecast = { peakLoad: peak, workers, mode: rule.mode, horizonMs: rule.horizon };
  if (rule.mode === 'forecast-only') {
    return { proposal: { rule: 'predictive', name: rule.name, reason: { code: 'rule.predictive.forecast', message: `${summary} (forecast only)` } }, forecast };
  }
  return { proposal: { rule: 'predictive', name: rule.name, floor: workers, reason: { code: 'rule.predictive.floor', message: `${summary}: floor ${workers}` } }, forecast };
}
