import type { EcsTarget } from '../../domain/policy';
import type { PolicyStore } from '../../ports/PolicyStore';

/**
 * The `resolveTarget` of CloudWatchMetricSource for composition roots: the pool's ECS target
 * from the policy store, or anything that reads a policy by id (undefined when the pool is
 * unknown or not an ECS pool).
 *
 * @example
 * new CloudWatchMetricSource({ resolveTarget: ecsTargetResolver(policies) });
 */
export const ecsTargetResolver =
  (policies: Pick<PolicyStore, 'get'>) =>
  async (poolId: string): Promise<EcsTarget | undefined> => {
    const policy = await policies.get(poolId);
    return policy?.target.kind === 'ecs' ? policy.target : undefined;
  };
