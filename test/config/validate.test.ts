import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../shared/domain/errors';
import { parsePolicy, validateConfig, validatePolicy } from '../../shared/config/validate';

/** A valid pool; cases override parts of it. */
const pool = (overrides: Record<string, unknown> = {}) => ({
  id: 'web',
  target: { kind: 'none' },
  min: 1,
  max: 5,
  rules: [{ type: 'target', targetValue: 0.6 }],
  ...overrides,
});
const config = (...pools: unknown[]) => ({ pools: pools.length ? pools : [pool()] });

const errorsOf = (input: unknown) => validateConfig(input).problems.filter((p) => p.severity === 'error');
const warningsOf = (input: unknown) => validateConfig(input).problems.filter((p) => p.severity === 'warning');

describe('Function: validateConfig', () => {
  it('accepts a valid config with no problems', () => {
    // Act
    const result = validateConfig(config());
    // Assess
    expect(result.problems).toEqual([]);
    expect(result.config?.pools[0]?.id).toBe('web');
  });

  it.each([
    { case: 'bad pool id', input: config(pool({ id: 'Web Pool' })), path: 'pools[0].id', value: 'Web Pool', message: /pool id/ },
    { case: 'negative min', input: config(pool({ min: -1 })), path: 'pools[0].min', value: -1, message: />=0/ },
    { case: 'string max', input: config(pool({ max: 'ten' })), path: 'pools[0].max', value: 'ten', message: /Expected number, got a string/ },
    { case: 'missing target', input: config(pool({ target: undefined })), path: 'pools[0].target', value: undefined, message: /Required/ },
    { case: 'unknown target kind', input: config(pool({ target: { kind: 'k8s' } })), path: 'pools[0].target.kind', value: 'k8s', message: /"ecs", "host", "none"/ },
    { case: 'empty ecs service', input: config(pool({ target: { kind: 'ecs', cluster: 'c', service: '' } })), path: 'pools[0].target.service', value: '', message: /Too small/ },
    { case: 'unknown pool field', input: config(pool({ minimum: 2 })), path: 'pools[0].minimum', value: 2, message: /^Unknown field `minimum`$/ },
    { case: 'misspelt field', input: config(pool({ behaviour: { cooldownup: '1m' } })), path: 'pools[0].behaviour.cooldownup', value: '1m', message: /did you mean `cooldownUp`\?/ },
    { case: 'British/American spelling', input: config(pool({ behavior: {} })), path: 'pools[0].behavior', value: {}, message: /did you mean `behaviour`\?/ },
    { case: 'bad duration', input: config(pool({ interval: 'soon' })), path: 'pools[0].interval', value: 'soon', message: /duration/ },
    { case: 'unknown rule type', input: config(pool({ rules: [{ type: 'magic' }] })), path: 'pools[0].rules[0].type', value: 'magic', message: /"buffer"/ },
    { case: 'buffer batch 0', input: config(pool({ rules: [{ type: 'buffer', minFree: 1, batch: 0 }] })), path: 'pools[0].rules[0].batch', value: 0, message: />=1/ },
    { case: 'unknown metric source', input: config(pool({ metrics: { q: { source: 'kafka' } } })), path: 'pools[0].metrics.q.source', value: 'kafka', message: /"redis", "cloudwatch", "ecs", "host", "static"/ },
    { case: 'unknown redis type', input: config(pool({ metrics: { q: { source: 'redis', type: 'zset' } } })), path: 'pools[0].metrics.q.type', value: 'zset', message: /"list_length", "count_keys"/ },
    { case: 'redis list without key', input: config(pool({ metrics: { q: { source: 'redis', type: 'list_length' } } })), path: 'pools[0].metrics.q.key', value: undefined, message: /Required/ },
    { case: 'utilization threshold above 1', input: config(pool({ rules: [{ type: 'target', scaleUpThreshold: 80, scaleDownThreshold: 0.2 }] })), path: 'pools[0].rules[0].scaleUpThreshold', value: 80, message: /<=1/ },
    { case: 'budget zero workers', input: { budget: { maxWorkers: 0 }, pools: [pool()] }, path: 'budget.maxWorkers', value: 0, message: />=1/ },
    { case: 'no pools', input: { pools: [] }, path: 'pools', value: [], message: />=1/ },
    { case: 'not an object', input: 42, path: '', value: 42, message: /Expected object, got number/ },
    { case: 'unknown template', input: config(pool({ template: 'turbo' })), path: 'pools[0].template', value: 'turbo', message: /conservative/ },
  ])('reports a schema problem: $case', ({ input, path, value, message }) => {
    // Act
    const result = validateConfig(input);
    // Assess
    expect(result.config).toBeUndefined();
    const problem = result.problems.find((p) => p.path === path && p.severity === 'error');
    expect(problem, JSON.stringify(result.problems)).toBeDefined();
    expect(problem!.value).toEqual(value);
    expect(problem!.message).toMatch(message);
  });

  it.each([
    { case: 'min above max', input: config(pool({ min: 8, max: 4 })), path: 'pools[0].min', value: 8, message: 'Expected `min` to be at most `max` (got 8 > 4)' },
    { case: 'duplicate pool ids', input: config(pool(), pool()), path: 'pools[1].id', value: 'web', message: /Duplicate pool id "web" \(also pools\[0\]\)/ },
    {
      case: 'up steps not monotonic',
      input: config(pool({ rules: [{ type: 'steps', up: [{ above: 70, workers: 3 }, { above: 80, workers: 2 }] }] })),
      path: 'pools[0].rules[0].up[1].workers',
      value: 2,
      message: /not monotonic/,
    },
    {
      case: 'up steps share a threshold',
      input: config(pool({ rules: [{ type: 'steps', up: [{ above: 70, workers: 2 }, { above: 70, workers: 3 }] }] })),
      path: 'pools[0].rules[0].up[1].above',
      value: 70,
      message: /share the threshold 70/,
    },
    {
      case: 'down steps not monotonic',
      input: config(pool({ rules: [{ type: 'steps', down: [{ below: 20, workers: 3 }, { below: 40, workers: 2 }] }] })),
      path: 'pools[0].rules[0].down[0].workers',
      value: 3,
      message: /not monotonic/,
    },
    {
      case: 'down threshold overlaps the lowest up threshold',
      input: config(pool({ rules: [{ type: 'steps', up: [{ above: 60, workers: 2 }], down: [{ below: 60, workers: 1 }] }] })),
      path: 'pools[0].rules[0].down[0].below',
      value: 60,
      message: /overlaps the lowest up threshold 60/,
    },
    { case: 'target rule without a target', input: config(pool({ rules: [{ type: 'target' }] })), path: 'pools[0].rules[0]', value: { type: 'target' }, message: /needs `targetValue`/ },
    {
      case: 'scale-down threshold not below scale-up',
      input: config(pool({ rules: [{ type: 'target', scaleUpThreshold: 0.5, scaleDownThreshold: 0.5 }] })),
      path: 'pools[0].rules[0].scaleDownThreshold',
      value: 0.5,
      message: /got 0.5 >= 0.5/,
    },
    {
      case: 'cron with four fields',
      input: config(pool({ rules: [{ type: 'schedule', windows: [{ cron: '0 9 * *', min: 2 }] }] })),
      path: 'pools[0].rules[0].windows[0].cron',
      value: '0 9 * *',
      message: /five-field/,
    },
    {
      case: 'cron hour out of range',
      input: config(pool({ rules: [{ type: 'schedule', windows: [{ cron: '0 24 * * *', min: 2 }] }] })),
      path: 'pools[0].rules[0].windows[0].cron',
      value: '0 24 * * *',
      message: /hour 24 is outside 0-23/,
    },
    {
      case: 'unknown time zone',
      input: config(pool({ rules: [{ type: 'schedule', windows: [{ cron: '0 9 * * 1-5', timezone: 'Europe/Atlantis', min: 2 }] }] })),
      path: 'pools[0].rules[0].windows[0].timezone',
      value: 'Europe/Atlantis',
      message: /Unknown IANA time zone/,
    },
    {
      case: 'window min above window max',
      input: config(pool({ rules: [{ type: 'schedule', windows: [{ cron: '0 9 * * *', min: 4, max: 2 }] }] })),
      path: 'pools[0].rules[0].windows[0].min',
      value: 4,
      message: 'Expected `min` to be at most `max` (got 4 > 2)',
    },
    {
      case: 'emergency cap below min',
      input: config(pool({ min: 3, rules: [{ type: 'emergency', above: 0.95, add: 5, cap: 2 }] })),
      path: 'pools[0].rules[0].cap',
      value: 2,
      message: /at least the pool's `min` \(got 2 < 3\)/,
    },
    { case: 'fallback set without count', input: config(pool({ fallback: { action: 'set' } })), path: 'pools[0].fallback.count', value: undefined, message: /needs a `count`/ },
    {
      case: 'ECS service name with spaces',
      input: config(pool({ target: { kind: 'ecs', cluster: 'prod', service: 'my service' } })),
      path: 'pools[0].target.service',
      value: 'my service',
      message: /ECS service name/,
    },
    { case: 'host id with spaces', input: config(pool({ target: { kind: 'host', host: 'r 620', pool: 'celery' } })), path: 'pools[0].target.host', value: 'r 620', message: /without spaces/ },
    {
      case: 'buffer maxFree below minFree',
      input: config(pool({ rules: [{ type: 'buffer', minFree: 5, batch: 5, maxFree: 2 }] })),
      path: 'pools[0].rules[0].maxFree',
      value: 2,
      message: /got 2 < 5/,
    },
  ])('reports a semantic error: $case', ({ input, path, value, message }) => {
    // Act
    const result = validateConfig(input);
    // Assess
    expect(result.config).toBeUndefined();
    const problem = result.problems.find((p) => p.path === path && p.severity === 'error');
    expect(problem, JSON.stringify(result.problems)).toBeDefined();
    expect(problem!.value).toEqual(value);
    if (typeof message === 'string') expect(problem!.message).toBe(message);
    else expect(problem!.message).toMatch(message);
  });

  it.each([
    { case: 'batch below minFree (seed 000 advice)', input: config(pool({ rules: [{ type: 'buffer', minFree: 5, batch: 2 }] })), path: 'pools[0].rules[0].batch', value: 2, message: /batch >= minFree/ },
    { case: 'pool with no rules and no template', input: config(pool({ rules: [] })), path: 'pools[0].rules', value: [], message: /no rules and no template/ },
    {
      case: 'cooldownDown shorter than cooldownUp',
      input: config(pool({ behaviour: { cooldownUp: '5m', cooldownDown: '1m' } })),
      path: 'pools[0].behaviour.cooldownDown',
      value: '1m',
      message: /flapping/,
    },
    {
      case: 'metric neither defined nor standard',
      input: config(pool({ rules: [{ type: 'target', metric: 'backlog', perWorker: 10 }] })),
      path: 'pools[0].rules[0].metric',
      value: 'backlog',
      message: /neither defined in `metrics` nor a standard/,
    },
    {
      case: 'buffer maxFree within one batch of minFree',
      input: config(pool({ rules: [{ type: 'buffer', minFree: 2, batch: 4, maxFree: 3 }] })),
      path: 'pools[0].rules[0].maxFree',
      value: 3,
      message: /flapping/,
    },
    {
      case: 'budget below the sum of minimums',
      input: { budget: { maxWorkers: 3 }, pools: [pool({ id: 'a', min: 2 }), pool({ id: 'b', min: 2 })] },
      path: 'budget.maxWorkers',
      value: 3,
      message: /add up to 4/,
    },
    {
      case: 'memory budget without per-worker memory',
      input: { budget: { maxMemoryGb: 16 }, pools: [pool()] },
      path: 'budget.maxMemoryGb',
      value: 16,
      message: /No pool sets resources.memoryGb/,
    },
    {
      case: 'step above the pool max',
      input: config(pool({ max: 3, rules: [{ type: 'steps', up: [{ above: 80, workers: 6 }] }] })),
      path: 'pools[0].rules[0].up[0].workers',
      value: 6,
      message: /above the pool's max/,
    },
  ])('warns without failing: $case', ({ input, path, value, message }) => {
    // Act
    const result = validateConfig(input);
    // Assess
    expect(result.config).toBeDefined();
    const problem = warningsOf(input).find((p) => p.path === path);
    expect(problem, JSON.stringify(result.problems)).toBeDefined();
    expect(problem!.value).toEqual(value);
    expect(problem!.message).toMatch(message);
  });

  it('accepts a metric defined in `metrics` without a warning', () => {
    // Prepare
    const input = config(pool({ metrics: { backlog: { source: 'redis', type: 'list_length', key: 'q' } }, rules: [{ type: 'target', metric: 'backlog', perWorker: 10 }] }));
    // Act
    const warnings = warningsOf(input);
    // Assess
    expect(warnings).toEqual([]);
  });

  it('lists every problem, not the first: three errors give three problems', () => {
    // Prepare: one schema error, one cross-field error in the same pool, one in another pool.
    const input = config(pool({ id: 'a', interval: 'often', min: 9, max: 3 }), pool({ id: 'b', target: { kind: 'k8s' } }));
    // Act
    const errors = errorsOf(input);
    // Assess
    expect(errors.map((p) => p.path).sort()).toEqual(['pools[0].interval', 'pools[0].min', 'pools[1].target.kind']);
  });

  it('expands a template before the schema defaults apply', () => {
    // Act
    const result = validateConfig(config(pool({ template: 'aggressive', rules: undefined })));
    // Assess
    const policy = result.config!.pools[0]!;
    expect(policy.behaviour.cooldownUp).toBe(60_000);
    expect(policy.behaviour.cooldownDown).toBe(180_000);
    expect(policy.rules.map((r) => r.type)).toEqual(['target', 'predictive']);
  });

  it('never throws on arbitrary input, and every problem has a path and a message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (input) => {
        const result = validateConfig(input);
        for (const problem of result.problems) {
          expect(typeof problem.path).toBe('string');
          expect(problem.message.length).toBeGreaterThan(0);
          expect(['error', 'warning']).toContain(problem.severity);
        }
        expect(result.config === undefined || result.problems.every((p) => p.severity === 'warning')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on pool-shaped input with arbitrary field values', () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom('5m', 'ecs', 'target', 'buffer', 'steps', 'schedule', 'conservative'));
    const rule = fc.record({ type: fc.constantFrom('buffer', 'memory', 'steps', 'target', 'schedule', 'predictive', 'emergency', 'x'), minFree: field, batch: field, up: field, down: field, windows: field, cap: field, scaleUpThreshold: field, scaleDownThreshold: field }, { requiredKeys: ['type'] });
    const arbitraryPool = fc.record({ id: field, target: fc.oneof(field, fc.record({ kind: fc.constantFrom('ecs', 'host', 'none') })), min: field, max: field, template: field, rules: fc.array(rule, { maxLength: 3 }), behaviour: field, fallback: field }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(arbitraryPool, { maxLength: 3 }), (pools) => {
        const result = validateConfig({ pools });
        for (const problem of result.problems) {
          expect(typeof problem.path).toBe('string');
          expect(problem.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Function: parsePolicy', () => {
  it('returns a complete policy with the template expanded', () => {
    // Act
    const policy = parsePolicy({ id: 'gen', target: { kind: 'none' }, min: 1, max: 20, template: 'high_performance' });
    // Assess
    expect(policy.behaviour).toMatchObject({ cooldownUp: 30_000, cooldownDown: 120_000, stabilizationDown: 0 });
    expect(policy.rules).toEqual([
      expect.objectContaining({ type: 'target', metric: 'utilization', scaleUpThreshold: 0.5, scaleDownThreshold: 0.4, increment: 3 }),
      expect.objectContaining({ type: 'emergency', above: 0.95, add: 10 }),
    ]);
  });

  it('throws ValidationError listing every error with paths relative to the pool', () => {
    // Act
    let caught: unknown;
    try {
      parsePolicy({ id: 'x', target: { kind: 'none' }, min: 5, max: 2, interval: 'never' });
    } catch (error) {
      caught = error;
    }
    // Assess
    expect(caught).toBeInstanceOf(ValidationError);
    const errors = (caught as ValidationError).problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => p.path).sort()).toEqual(['interval', 'min']);
  });

  it('keeps warnings in validatePolicy without failing', () => {
    // Act
    const result = validatePolicy({ id: 'x', target: { kind: 'none' }, min: 0, max: 9, rules: [{ type: 'buffer', minFree: 4, batch: 1 }] });
    // Assess
    expect(result.policy).toBeDefined();
    expect(result.problems).toEqual([expect.objectContaining({ path: 'rules[0].batch', severity: 'warning' })]);
  });
});
