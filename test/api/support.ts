import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import type { ApiDeps, ApiRequest } from '../../shared/api';
import { PoolSchema, type Policy, type PolicyInput } from '../../shared/domain/policy';

export const NOW = Date.parse('2026-11-23T12:00:00Z');

export const policy = (input: Partial<PolicyInput> & { id: string }): Policy =>
  PoolSchema.parse({ target: { kind: 'none' }, min: 1, max: 10, metrics: { busy: { source: 'static', value: 2 } }, ...input });

/** In-memory deps with a NoneTarget and a settable clock. */
export function memoryDeps(policies: Policy[] = [policy({ id: 'bots' })]) {
  const clock = { at: NOW, now() { return this.at; } };
  const errors: unknown[] = [];
  const deps: ApiDeps = {
    policies: new MemoryPolicyStore(policies),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [new StaticMetricSource()],
    targets: [new NoneTarget()],
    clock,
    reportError: (error) => errors.push(error),
  };
  return { deps, clock, errors };
}

export const request = (method: string, path: string, extra: Partial<ApiRequest> = {}): ApiRequest => ({
  method,
  path,
  query: {},
  headers: {},
  ...extra,
});

export const jsonRequest = (method: string, path: string, body: unknown, extra: Partial<ApiRequest> = {}): ApiRequest =>
  request(method, path, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), ...extra });
