import type { Policy } from '../../shared/domain/policy';
import type { TargetStatus } from '../../shared/domain/types';
import type { ScaleRequest, ScaleTarget } from '../../shared/ports/ScaleTarget';

/**
 * A scale target for runtime tests: keeps a count per pool, records every scale call, and
 * can be told to fail the next calls or to report a deployment in progress.
 */
export class RecordingTarget implements ScaleTarget {
  readonly kinds = ['none', 'ecs', 'host'] as const;
  readonly calls: { poolId: string; desired: number; reason: string }[] = [];
  readonly counts = new Map<string, number>();
  failures = 0;
  stable = true;

  constructor(private readonly initial: Record<string, number> = {}) {}

  async status(pool: Policy): Promise<TargetStatus> {
    const desired = this.counts.get(pool.id) ?? this.initial[pool.id] ?? pool.min;
    return { desired, ready: desired, pending: 0, stable: this.stable, ...(this.stable ? {} : { note: 'deployment in progress' }) };
  }

  async scale(pool: Policy, request: ScaleRequest): Promise<void> {
    // Yield first, as a network call would, so concurrent ticks interleave.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failures > 0) {
      this.failures--;
      throw new Error('ThrottlingException: Rate exceeded');
    }
    this.calls.push({ poolId: pool.id, desired: request.desired, reason: request.reason });
    this.counts.set(pool.id, request.desired);
  }
}
