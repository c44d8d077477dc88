import type { Rule, RuleType } from '../domain/policy';
import type { RuleContext, RuleOutcome } from './RuleContext';
import { bufferRule } from './rules/buffer';
import { emergencyRule } from './rules/emergency';
import { memoryRule } from './rules/memory';
import { predictiveRule } from './rules/predictive';
import { scheduleRule } from './rules/schedule';
import { stepsRule } from './rules/steps';
import { targetRule } from './rules/target';

type RuleFunction<T extends RuleType> = (rule: Extract<Rule, { type: T }>, ctx: RuleContext) => RuleOutcome;

/** One pure function per rule type, sorted by name. */
export const RULES: { [T in RuleType]: RuleFunction<T> } = {
  buffer: bufferRule,
  emergency: emergencyRule,
  memory: memoryRule,
  predictive: predictiveRule,
  schedule: scheduleRule,
  steps: stepsRule,
  target: targetRule,
};

/** Runs one rule through the registry. */
export function evaluateRule(rule: Rule, ctx: RuleContext): RuleOutcome {
  const fn = RULES[rule.type] as RuleFunction<typeof rule.type> | undefined;
  if (!fn) {
    return { proposal: { rule: rule.type, name: rule.name, reason: { code: 'rule.unsupported', message: `rule ${rule.type} is not supported yet: abstaining` } } };
  }
  return fn(rule as never, ctx);
}
