import type { Policy } from '../../domain/policy';
import type { TargetStatus } from '../../domain/types';
import type { ScaleRequest, ScaleTarget } from '../../ports/ScaleTarget';

/**
 * Target kind `none` (dry-run pools): nothing real is scaled; it remembers the last count it
 * was asked for and reports it as ready, so decisions can be followed.
 */
export class NoneTarget implements ScaleTarget {
  readonly kinds = ['none'] as const;
  private readonly counts = new Map<string, number>();

  async status(pool: Policy): Promise<TargetStatus> {
    const desired = this.counts.get(pool.id) ?? pool.min;
    return { desired, ready: desired, pending: 0, stable: true };
  }

  async scale(pool: Policy, request: ScaleRequest): Promise<void> {
    this.counts.set(pool.id, request.desired);
  }
}
