import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { toNativeConfig, toYaml } from '../../shared/config/format';
import { validateConfig } from '../../shared/config/validate';

const seconds = fc.integer({ min: 0, max: 7200 }).map((s) => `${s}s`);
const metricName = fc.constantFrom('busy', 'utilization', 'cpu', 'queue_length', 'pending');
const rule = fc.oneof(
  fc.record({ type: fc.constant('buffer'), minFree: fc.integer({ min: 0, max: 5 }), batch: fc.integer({ min: 5, max: 9 }) }),
  fc.record({ type: fc.constant('memory'), perWorkerGb: fc.double({ min: 0.5, max: 8, noNaN: true }), reserveGb: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ type: fc.constant('steps'), up: fc.constant([{ above: 60, workers: 2 }, { above: 80, workers: 4 }]), down: fc.constant([{ below: 30, workers: 1 }]), upFor: seconds }),
  fc.record({ type: fc.constant('target'), metric: metricName, targetValue: fc.double({ min: 0.1, max: 0.9, noNaN: true }), window: seconds }),
  fc.record({ type: fc.constant('schedule'), windows: fc.constant([{ cron: '0 8 * * 1-5', duration: '10h', timezone: 'Europe/Madrid', min: 2 }]) }),
  fc.record({ type: fc.constant('predictive'), horizon: seconds, mode: fc.constantFrom('forecast-only', 'forecast-and-scale') }),
);
const target = fc.oneof(
  fc.constant({ kind: 'none' }),
  fc.record({ kind: fc.constant('ecs'), cluster: fc.constant('prod'), service: fc.constant('api'), protectBusyTasks: fc.boolean() }),
  fc.record({ kind: fc.constant('host'), host: fc.constant('r620'), pool: fc.constant('celery') }),
);
const pool = fc.record(
  {
    target,
    min: fc.integer({ min: 0, max: 3 }),
    max: fc.integer({ min: 4, max: 50 }),
    interval: seconds,
    template: fc.constantFrom('conservative', 'aggressive', 'cost_optimized', 'high_performance'),
    rules: fc.array(rule, { maxLength: 3 }),
    behaviour: fc.record({ cooldownUp: seconds, cooldownDown: seconds, stabilizationDown: seconds }, { requiredKeys: [] }),
    fallback: fc.record({ after: fc.integer({ min: 1, max: 5 }), action: fc.constant('hold') }, { requiredKeys: [] }),
    metrics: fc.constant({ queue_length: { source: 'cloudwatch', namespace: 'App', metricName: 'Backlog', period: '1m' } }),
  },
  { requiredKeys: ['target', 'min', 'max'] },
);

describe('Function: toYaml', () => {
  it('writes YAML that parses back to the same config (property)', () => {
    let valid = 0;
    fc.assert(
      fc.property(fc.array(pool, { minLength: 1, maxLength: 3 }), (pools) => {
        // Prepare
        const input = { pools: pools.map((p, i) => ({ ...p, id: `pool-${i}` })) };
        const first = validateConfig(input).config;
        fc.pre(first !== undefined);
        valid++;
        // Act
        const again = validateConfig(parseYaml(toYaml(first!)));
        // Assess
        expect(again.problems.filter((p) => p.severity === 'error')).toEqual([]);
        expect(again.config).toEqual(first);
      }),
      { numRuns: 150 },
    );
    // Most generated configs must be valid, or the property says little.
    expect(valid).toBeGreaterThan(100);
  });

  it('leaves out defaults and writes durations as strings', () => {
    // Prepare
    const config = validateConfig({ pools: [{ id: 'a', target: { kind: 'none' }, min: 1, max: 3, interval: 90, rules: [{ type: 'target', targetValue: 0.5 }] }] }).config!;
    // Act
    const native = toNativeConfig(config);
    // Assess
    expect(native).toEqual({ version: 1, pools: [{ id: 'a', target: { kind: 'none' }, min: 1, max: 3, interval: '90s', rules: [{ type: 'target', targetValue: 0.5 }] }] });
  });

  it('keeps a template pool explicit cooldown equal to the schema default', () => {
    // Prepare: high_performance would fill 30s if 1m (the schema default) were left out.
    const config = validateConfig({ pools: [{ id: 'a', target: { kind: 'none' }, min: 1, max: 3, template: 'high_performance', behaviour: { cooldownUp: '1m' } }] }).config!;
    // Act
    const again = validateConfig(parseYaml(toYaml(config))).config!;
    // Assess
    expect(again.pools[0]!.behaviour.cooldownUp).toBe(60_000);
  });

  it('adds the header as comment lines', () => {
    // Prepare
    const config = validateConfig({ pools: [{ id: 'a', target: { kind: 'none' }, min: 0, max: 1, rules: [{ type: 'target', targetValue: 0.5 }] }] }).config!;
    // Act
    const yaml = toYaml(config, 'line one\n\nline two');
    // Assess
    expect(yaml.split('\n').slice(0, 3)).toEqual(['# line one', '#', '# line two']);
  });
});
