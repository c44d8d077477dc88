import type { EmergencyRule } from '../../domain/policy';
import { humanCompared } from '../../domain/humanFormat';
import type { RuleContext, RuleOutcome } from '../RuleContext';

/** Seed 002 emergency scaling: above a severe threshold add `add` workers at once, bypassing cooldowns. */
export function emergencyRule(rule: EmergencyRule, ctx: RuleContext): RuleOutcome {
  const value = ctx.values[rule.metric];
  if (value === undefined) {
    return {
      proposal: { rule: 'emergency', name: rule.name, reason: { code: 'rule.emergency.missing', message: `no fresh ${rule.metric}: abstaining` } },
      missing: [rule.metric],
    };
  }
  if (!(value > rule.above)) {
    return { proposal: { rule: 'emergency', name: rule.name, reason: { code: 'rule.emergency.calm', message: `${rule.metric} ${humanCompared(value, rule.above)} <= ${rule.above}: no emergency` } } };
  }
  const cap = rule.cap ?? ctx.policy.max;
  const desired = Math.max(ctx.current, Math.min(ctx.current + rule.add, cap));
  return {
    proposal: {
      rule: 'emergency', name: rule.name,
      desired,
      urgent: true,
      reason: { code: 'rule.emergency.triggered', message: `${rule.metric} ${humanCompared(value, rule.above)} > ${rule.above}: emergency +${rule.add} (cap ${cap}) -> ${desired}` },
    },
  };
}
