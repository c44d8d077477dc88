import type { PredictiveRule } from '../../domain/policy';
import { formatDuration } from '../../domain/duration';
import { humanCompared, humanDuration, humanNumber, humanPercent } from '../../domain/humanFormat';
import { ACCURACY_GATE, forecastAccuracy, forecastPeak, MIN_SCORED } from '../forecast';
import type { RuleContext, RuleOutcome } from '../RuleContext';

/**
 * Seed 002 predictive scaling. The forecaster (see forecast.ts) learns in decide(); this rule
 * turns the learnt profile into workers = ceil(peak / targetUtilization). `forecast-only` only
 * reports; `forecast-and-scale` sets a floor, so it can add capacity ahead of a peak but never
 * takes away what the live rules need. The floor applies only while the forecaster's own recent
 * forecasts have been accurate (their excess over the real peaks at most ACCURACY_GATE of the
 * load, over at least MIN_SCORED slots): a forecast that keeps predicting load that does not
 * come is reported, not paid for.
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
        reason: { code: 'rule.predictive.learning', message: `learnt ${humanDuration(learnt, 'down')} of ${formatDuration(rule.minHistory)} history: no forecast yet` },
      },
    };
  }
  const peak = forecastPeak(fc, rule, ctx.now);
  const utilization = Math.max(rule.targetUtilization, 0.01);
  const workers = Math.ceil(Math.round((peak / utilization) * 1e6) / 1e6);
  const summary = `forecast peak ${humanNumber(peak)} in the next ${formatDuration(rule.horizon)} at ${humanPercent(utilization)} utilization needs ${workers}`;
  const forecast = { peakLoad: peak, workers, mode: rule.mode, horizonMs: rule.horizon };
  if (rule.mode === 'forecast-only') {
    return { proposal: { rule: 'predictive', name: rule.name, reason: { code: 'rule.predictive.forecast', message: `${summary} (forecast only)` } }, forecast };
  }
  const accuracy = forecastAccuracy(fc);
  if (accuracy.scored < MIN_SCORED || accuracy.overRatio > ACCURACY_GATE) {
    const why =
      accuracy.scored < MIN_SCORED
        ? `only ${accuracy.scored} of ${MIN_SCORED} slots checked against the real load`
        : `recent forecasts exceeded the real peaks by ${humanCompared(accuracy.overRatio * 100, ACCURACY_GATE * 100)}% of the load (> ${humanPercent(ACCURACY_GATE)})`;
    return { proposal: { rule: 'predictive', name: rule.name, reason: { code: 'rule.predictive.gated', message: `${summary}, not applied: ${why}` } }, forecast };
  }
  return { proposal: { rule: 'predictive', name: rule.name, floor: workers, reason: { code: 'rule.predictive.floor', message: `${summary} (recent over-forecast ${humanCompared(accuracy.overRatio * 100, ACCURACY_GATE * 100)}%): floor ${workers}` } }, forecast };
}
