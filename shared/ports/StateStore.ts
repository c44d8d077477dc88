import type { PoolState } from '../domain/types';

export interface StateStore {
  get(poolId: string): Promise<PoolState | undefined>;
  /** Many at once (one BatchGetItem per 100 on DynamoDB). Missing pools are absent. */
  getMany(poolIds: readonly string[]): Promise<Map<string, PoolState>>;
  /**
   * Writes `state` only if the stored version still equals `expectedVersion` (0 = must not
   * exist yet); `state.version` must be `expectedVersion + 1`. Throws ConflictError otherwise.
   */
  put(state: PoolState, expectedVersion: number): Promise<void>;
  delete(poolId: string): Promise<void>;
}
