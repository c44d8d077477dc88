import { describe, expect, it } from 'vitest';
import { expandTemplate, expandTemplates } from '../../shared/config/templates';

const base = { id: 'p', target: { kind: 'none' }, min: 1, max: 10 };

describe('Function: expandTemplate', () => {
  it.each([
    { case: 'conservative', template: 'conservative', types: ['target'], cooldowns: ['5m', '10m'], target: { scaleUpThreshold: 0.8, scaleDownThreshold: 0.3, increment: 1 } },
    { case: 'aggressive', template: 'aggressive', types: ['target', 'predictive'], cooldowns: ['1m', '3m'], target: { scaleUpThreshold: 0.6, scaleDownThreshold: 0.2, increment: 2 } },
    { case: 'cost_optimized', template: 'cost_optimized', types: ['target', 'predictive'], cooldowns: ['3m', '5m'], target: { scaleUpThreshold: 0.9, scaleDownThreshold: 0.1, increment: 1 } },
    { case: 'high_performance', template: 'high_performance', types: ['target', 'emergency'], cooldowns: ['30s', '2m'], target: { scaleUpThreshold: 0.5, scaleDownThreshold: 0.4, increment: 3 } },
  ])('fills rules and cooldowns from $case', ({ template, types, cooldowns, target }) => {
    // Act
    const pool = expandTemplate({ ...base, template }) as { rules: Record<string, unknown>[]; behaviour: Record<string, unknown> };
    // Assess
    expect(pool.rules.map((r) => r.type)).toEqual(types);
    expect(pool.rules[0]).toMatchObject({ metric: 'utilization', ...target });
    // `scaling_increment` per scaling event: no targetValue, whose proportional estimate would add more
    expect(pool.rules[0]!.targetValue).toBeUndefined();
    expect([pool.behaviour.cooldownUp, pool.behaviour.cooldownDown]).toEqual(cooldowns);
    // The seed scales down when its cooldown has passed: no stabilisation window
    expect(pool.behaviour.stabilizationDown).toBe('0s');
  });

  it('adds a forecast-only predictive rule and a 0.95/+10 emergency rule', () => {
    // Act
    const aggressive = expandTemplate({ ...base, template: 'aggressive' }) as { rules: Record<string, unknown>[] };
    const fast = expandTemplate({ ...base, template: 'high_performance' }) as { rules: Record<string, unknown>[] };
    // Assess
    expect(aggressive.rules[1]).toMatchObject({ type: 'predictive', mode: 'forecast-only' });
    expect(fast.rules[1]).toMatchObject({ type: 'emergency', above: 0.95, add: 10 });
  });

  it('lets explicit pool settings win over the template', () => {
    // Prepare
    const own = { type: 'target', metric: 'queue_length', perWorker: 5 };
    // Act
    const pool = expandTemplate({ ...base, template: 'aggressive', behaviour: { cooldownUp: '10s' }, rules: [own] }) as {
      rules: Record<string, unknown>[];
      behaviour: Record<string, unknown>;
    };
    // Assess
    expect(pool.behaviour).toEqual({ cooldownUp: '10s', cooldownDown: '3m', stabilizationDown: '0s' });
    expect(pool.rules).toEqual([own, expect.objectContaining({ type: 'predictive' })]);
  });

  it('is idempotent', () => {
    // Act
    const once = expandTemplate({ ...base, template: 'high_performance' });
    // Assess
    expect(expandTemplate(once)).toEqual(once);
  });

  it.each([
    { case: 'no template', input: { ...base } },
    { case: 'unknown template', input: { ...base, template: 'turbo' } },
    { case: 'not an object', input: 'pool' },
    { case: 'rules not a list', input: { ...base, template: 'conservative', rules: 'none' } },
  ])('leaves input it cannot expand for the schema to report: $case', ({ input }) => {
    // Act
    const out = expandTemplate(input) as Record<string, unknown>;
    // Assess
    if (typeof input === 'object' && 'rules' in input) expect(out.rules).toBe('none');
    else expect(out).toEqual(input);
  });

  it('expands every pool of a config', () => {
    // Act
    const out = expandTemplates({ pools: [{ ...base, template: 'conservative' }, { ...base, id: 'q' }] }) as { pools: Record<string, unknown>[] };
    // Assess
    expect(out.pools[0]!.rules).toHaveLength(1);
    expect(out.pools[1]!.rules).toBeUndefined();
  });
});
