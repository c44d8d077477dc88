import type { Policy, Target } from '../domain/policy';
import { ScaleTargetError } from '../domain/errors';
import type { TargetStatus } from '../domain/types';
import type { ScaleRequest, ScaleTarget } from '../ports/ScaleTarget';
import type { SimModel } from './SimModel';

const ALL_KINDS: readonly Target['kind'][] = ['ecs', 'host', 'none'];

/** ScaleTarget for every target kind: a scale request resizes the pool's simulated workers. */
export class SimTarget implements ScaleTarget {
  readonly kinds = ALL_KINDS;
  /** Scale requests applied, per pool (for scale-event counts). */
  readonly requests = new Map<string, number>();

  constructor(private readonly models: ReadonlyMap<string, SimModel>) {}

  async status(pool: Policy): Promise<TargetStatus> {
    return this.model(pool).status();
  }

  async scale(pool: Policy, request: ScaleRequest): Promise<void> {
    this.model(pool).setDesired(request.desired);
    this.requests.set(pool.id, (this.requests.get(pool.id) ?? 0) + 1);
  }

  private model(pool: Policy): SimModel {
    const model = this.models.get(pool.id);
    if (!model) throw new ScaleTargetError(`no simulated workers for pool "${pool.id}"`, false);
    return model;
  }
}
