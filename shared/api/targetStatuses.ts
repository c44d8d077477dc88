import type { Policy } from '../domain/policy';
import type { TargetStatus } from '../domain/types';
import type { ScaleTarget } from '../ports/ScaleTarget';

/**
 * The live status of each pool's target, for the `ready` column of `GET /pools`: batched per
 * target when it can (ECS: 10 services per DescribeServices). A pool whose target cannot be read
 * is simply absent: a list must not fail because one service is throttled.
 */
export async function targetStatuses(targets: readonly ScaleTarget[], policies: readonly Policy[]): Promise<Map<string, TargetStatus>> {
  const byTarget = new Map<ScaleTarget, Policy[]>();
  for (const policy of policies) {
    const target = targets.find((candidate) => candidate.kinds.includes(policy.target.kind));
    if (!target) continue;
    const batch = byTarget.get(target) ?? [];
    batch.push(policy);
    byTarget.set(target, batch);
  }
  const statuses = new Map<string, TargetStatus>();
  await Promise.all(
    [...byTarget].map(async ([target, batch]) => {
      if (target.statusMany) {
        const found = await target.statusMany(batch).catch(() => new Map<string, TargetStatus | Error>());
        for (const [id, status] of found) if (!(status instanceof Error)) statuses.set(id, status);
        return;
      }
      await Promise.all(
        batch.map(async (policy) => {
          const status = await target.status(policy).catch(() => undefined);
          if (status) statuses.set(policy.id, status);
        }),
      );
    }),
  );
  return statuses;
}
