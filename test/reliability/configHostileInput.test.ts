/**
 * The config loader under hostile input: arbitrary text in every format, arbitrary JSON/YAML
 * values, prototype-pollution keys and deep nesting. `parseConfigText` and `validateConfig`
 * never throw; a result is either a config or a list of problems, each with a path and a
 * message; and a config is only returned when no problem is an error.
 */
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../shared/config/formats';
import { parseConfigText, type ParseResult } from '../../shared/config/parseConfigText';
import { validateConfig } from '../../shared/config/validate';
import type { FieldProblem } from '../../shared/domain/errors';

function expectWellFormed(result: { config?: unknown; problems: FieldProblem[] }, label: string): void {
  expect(Array.isArray(result.problems), label).toBe(true);
  for (const problem of result.problems) {
    // The empty path is the document root (`(root)` in messages), e.g. an array where a mapping belongs.
    expect(typeof problem.path, label).toBe('string');
    expect(typeof problem.message, label).toBe('string');
    expect(problem.message.trim().length, `${label}: ${problem.path}: ${problem.message}`).toBeGreaterThan(0);
    expect(['error', 'warning']).toContain(problem.severity);
  }
  const errors = result.problems.filter((problem) => problem.severity === 'error');
  if (result.config === undefined) expect(errors.length, `${label}: refused without a problem`).toBeGreaterThan(0);
  else expect(errors, label).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/** A label for any value, circular, bigint and symbol included. */
function show(value: unknown): string {
  try {
    return String(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value)).slice(0, 200);
  } catch {
    return typeof value === 'symbol' ? value.toString() : Object.prototype.toString.call(value);
  }
}

function safeParse(text: string, options: Parameters<typeof parseConfigText>[1] = {}): ParseResult {
  let result: ParseResult | undefined;
  expect(() => (result = parseConfigText(text, options)), `threw for ${JSON.stringify(text).slice(0, 200)}`).not.toThrow();
  return result!;
}

const key = fc.constantFrom(
  'pools', 'id', 'target', 'kind', 'min', 'max', 'rules', 'type', 'metrics', 'source', 'interval', 'template', 'budget', 'version',
  'fallback', 'behaviour', 'windows', 'cron', '__proto__', 'constructor', 'prototype', 'minFree', 'batch', 'perWorkerGb', 'value',
);

/** Values shaped a little like a config, so the generator reaches deep into the validator. */
const configish = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom('none', 'ecs', 'host', 'buffer', 'memory', 'steps', 'target', 'schedule', 'static', 'redis', '5m', '0 8 * * *', 'conservative', 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
    fc.dictionary(key, tie('node'), { maxKeys: 5 }),
    fc.array(tie('node'), { maxLength: 3 }),
  ),
})).node;

const nonJsonValue = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, undefined, () => 1, Symbol('x'), 10n, new Date(0), /x/, new Map([['pools', []]]));

describe('Function: parseConfigText / validateConfig (reliability: hostile input)', () => {
  it('arbitrary text in every format: never throws, every problem has a path and a message (property)', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      configish.map((value) => JSON.stringify(value) ?? ''),
      configish.map((value) => toYaml(value)),
      fc.array(fc.tuple(fc.constantFrom('MIN_WORKERS', 'MAX_WORKERS', 'SCALE_UP_THRESHOLD', 'POLL_INTERVAL', 'REDIS_URL', 'X', '__proto__'), fc.string({ maxLength: 20 })), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('\n')),
      fc.constantFrom('\uFEFF', '---\n---\n', '{', '[', '*a', '&a [*a]', '!!js/function "x"', '%YAML 2.0\n---\n', 'pools: !!binary x', 'a: &x [*x]', 'config :poolscale, pools: [', '{"pools": [{"id": "a"'),
    );
    await fc.assert(
      fc.property(text, fc.option(fc.constantFrom(...FORMATS), { nil: undefined }), (input, format) => {
        const result = safeParse(input, format ? { format } : {});
        expectWellFormed(result, `${format ?? 'detect'}: ${JSON.stringify(input).slice(0, 200)}`);
      }),
      { numRuns: 3000 },
    );
  }, 120_000);

  it('arbitrary JSON/YAML values: validateConfig never throws, every problem has a path and a message (property)', () => {
    fc.assert(
      fc.property(fc.oneof(configish, fc.jsonValue({ maxDepth: 5 }), nonJsonValue, fc.record({ pools: fc.array(configish, { maxLength: 3 }) })), (value) => {
        let result: ReturnType<typeof validateConfig> | undefined;
        expect(() => (result = validateConfig(value))).not.toThrow();
        expectWellFormed(result!, show(value));
      }),
      { numRuns: 3000 },
    );
  }, 120_000);

  it.each([
    { case: '__proto__ pool key (JSON)', text: '{"__proto__":{"polluted":1},"pools":[{"id":"a","target":{"kind":"none"},"min":1,"max":2,"__proto__":{"polluted":1}}]}' },
    { case: '__proto__ pool key (YAML)', text: '__proto__:\n  polluted: 1\npools:\n  - id: a\n    target: {kind: none}\n    min: 1\n    max: 2\n    __proto__: {polluted: 1}\n' },
    { case: 'constructor.prototype (YAML)', text: 'constructor:\n  prototype:\n    polluted: 1\npools: []\n' },
    { case: 'YAML merge key from __proto__', text: 'base: &b {__proto__: {polluted: 1}}\npools:\n  - <<: *b\n    id: a\n' },
    { case: 'YAML alias bomb', text: `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\npools: *j\n` },
    { case: 'JSON 100000 deep', text: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
    { case: 'YAML 5000 deep flow', text: `${'['.repeat(5_000)}${']'.repeat(5_000)}` },
    { case: 'YAML 2000 deep block', text: Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') },
    { case: 'pools with 10000 entries of garbage', text: JSON.stringify({ pools: Array.from({ length: 10_000 }, (_, i) => ({ id: `p${i}`, min: 'x' })) }) },
    { case: 'numbers beyond double range', text: '{"pools":[{"id":"a","target":{"kind":"none"},"min":1e400,"max":-1e400,"interval":1e400}]}' },
  ])('$case: no throw, no pollution, every problem named', ({ text }) => {
    const result = safeParse(text);
    expectWellFormed(result, text.slice(0, 100));
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  }, 60_000);

  it.each([
    { case: 'a metric named __proto__ (YAML)', text: 'pools:\n  - id: a\n    target: {kind: none}\n    min: 1\n    max: 2\n    metrics:\n      __proto__: {source: static, value: 1}\n', path: 'pools[0].metrics.__proto__' },
    { case: 'a metric named __proto__ (JSON)', text: '{"pools":[{"id":"a","target":{"kind":"none"},"min":1,"max":2,"metrics":{"__proto__":{"source":"static","value":1}}}]}', path: 'pools[0].metrics.__proto__' },
    { case: 'a metric named constructor (YAML)', text: 'pools:\n  - id: a\n    target: {kind: none}\n    min: 1\n    max: 2\n    metrics:\n      constructor: {source: static, value: 1}\n', path: 'pools[0].metrics.constructor' },
    { case: 'a dimension named __proto__ (YAML)', text: 'pools:\n  - id: a\n    target: {kind: none}\n    min: 1\n    max: 2\n    metrics:\n      q: {source: cloudwatch, namespace: N, metricName: M, dimensions: {__proto__: x}}\n', path: 'pools[0].metrics.q.dimensions.__proto__' },
    { case: 'a 999999999d duration (YAML)', text: 'pools:\n  - id: a\n    target: {kind: none}\n    min: 1\n    max: 2\n    staleAfter: 999999999d\n', path: 'pools[0].staleAfter' },
  ])('$case is refused naming $path, not dropped or passed', ({ text, path }) => {
    const result = safeParse(text);
    expect(result.config).toBeUndefined();
    expect(result.problems.filter((problem) => problem.severity === 'error').map((problem) => problem.path)).toContain(path);
  });
});
