import type { Policy, Target } from '../domain/policy';
import type { TargetStatus } from '../domain/types';

export interface ScaleRequest {
  desired: number;
  /** Why, for the target's own logs/events. */
  reason: string;
}

/**
 * Nomad-style target plugin: `status()` and `scale()`. One implementation per target kind
 * (ecs, host, none, simulated). Errors are ScaleTargetError.
 */
export interface ScaleTarget {
  readonly kinds: readonly Target['kind'][];
  status(pool: Policy): Promise<TargetStatus>;
  /**
   * Optional batched status (ECS describes 10 services per call). Per-pool failures are
   * returned as Error values, not thrown.
   */
  statusMany?(pools: readonly Policy[]): Promise<Map<string, TargetStatus | Error>>;
  scale(pool: Policy, request: ScaleRequest): Promise<void>;
}
