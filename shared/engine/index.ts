/** The pure decision engine: no clock, env, I/O or randomness. */
export { decide } from './decide';
export { applyBudget } from './budget';
export type { BudgetEntry } from './budget';
export { evaluateRule, RULES } from './registry';
export type { RuleContext, RuleOutcome } from './RuleContext';
export { bufferRule } from './rules/buffer';
export { emergencyRule } from './rules/emergency';
export { memoryFit, memoryRule } from './rules/memory';
export { predictiveRule } from './rules/predictive';
export { forecastPeak, learnForecast, seasonLength, slotWidth } from './forecast';
export { describeMetricError, freshValues, metricErrors, recordSample, sampleRetention, sustainedValues, windowAverage, MAX_SAMPLES } from './samples';
export { scheduleRule } from './rules/schedule';
export { stepsRule } from './rules/steps';
export { targetRule } from './rules/target';
export { cronMatches, lastCronFiring, parseCron, zoneOffset } from './cron';
export type { CronSpec } from './cron';
