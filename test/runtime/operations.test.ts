import { describe, expect, it } from 'vitest';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { NotFoundError, ValidationError } from '../../shared/domain/errors';
import { type Policy, PoolSchema } from '../../shared/domain/policy';
import { deletePolicy, getPool, history, listPools, pause, putPolicy, resume, setManual } from '../../shared/runtime/operations';
import { type RuntimeDeps, runTick } from '../../shared/runtime/tick';
import { RecordingTarget } from '../support/recordingTarget';

const workers = (): Policy =>
  PoolSchema.parse({
    id: 'workers',
    target: { kind: 'none' },
    min: 1,
    max: 10,
    metrics: { busy: { source: 'static', value: 0 } },
    rules: [{ type: 'buffer', minFree: 1, batch: 1 }],
  });

function setup() {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const target = new RecordingTarget({ workers: 2 });
  const deps: RuntimeDeps = {
    policies: new MemoryPolicyStore([workers()]),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [new StaticMetricSource()],
    targets: [target],
    clock: { now: () => now },
  };
  return { deps, target, advance: (ms: number) => (now += ms) };
}

describe('Module: operations', () => {
  it('setManual applies the count at once and records who asked and why', async () => {
    const { deps, target } = setup();

    const outcome = await setManual(deps, 'workers', { desired: 6, reason: 'load test', by: 'alice', durationMs: 600_000 });

    expect(outcome).toMatchObject({ acted: true });
    expect(target.calls).toEqual([expect.objectContaining({ desired: 6 })]);
    const view = await getPool(deps, 'workers');
    expect(view.state?.manual).toMatchObject({ desired: 6, reason: 'load test', by: 'alice' });
    expect(view.lastDecision?.trigger).toBe('manual');
  });

  it.each([
    { case: 'above max', desired: 11 },
    { case: 'below min', desired: 0 },
    { case: 'fractional', desired: 2.5 },
  ])('setManual refuses a count $case, naming the field', async ({ desired }) => {
    const { deps } = setup();
    const error = await setManual(deps, 'workers', { desired, reason: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]).toMatchObject({ path: 'desired', value: desired });
  });

  it('pause holds the pool and resume hands control back, both in the history', async () => {
    // Prepare
    const { deps, target, advance } = setup();
    await pause(deps, 'workers', { reason: 'maintenance', by: 'bob' });

    // Act
    await runTick(deps, { force: true });
    const whilePaused = target.calls.length;
    await resume(deps, 'workers', { by: 'bob' });
    advance(60_000);
    await runTick(deps, { force: true });

    // Assess
    expect(whilePaused).toBe(0);
    const codes = (await history(deps, 'workers')).flatMap((d) => d.reasons.map((r) => r.code));
    expect(codes).toEqual(expect.arrayContaining(['operator.pause', 'operator.resume']));
    expect((await getPool(deps, 'workers')).state?.paused).toBeUndefined();
  });

  it('putPolicy validates and stores; deletePolicy removes policy and state', async () => {
    const { deps } = setup();
    await putPolicy(deps, { id: 'api', target: { kind: 'none' }, min: 0, max: 3, rules: [] });
    expect((await listPools(deps)).map((view) => view.policy.id)).toEqual(['api', 'workers']);

    await deletePolicy(deps, 'api');

    await expect(getPool(deps, 'api')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('putPolicy refuses an invalid policy with every problem', async () => {
    const { deps } = setup();
    const error = await putPolicy(deps, { id: 'Bad Id', target: { kind: 'none' }, min: 5, max: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['id']));
  });

  it('operations on an unknown pool throw NotFoundError', async () => {
    const { deps } = setup();
    await expect(pause(deps, 'ghost', { reason: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(history(deps, 'ghost')).rejects.toBeInstanceOf(NotFoundError);
  });
});
