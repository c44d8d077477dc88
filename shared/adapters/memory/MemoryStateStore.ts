import { ConflictError } from '../../domain/errors';
import type { PoolState } from '../../domain/types';
import type { StateStore } from '../../ports/StateStore';

/**
 * Pool states with the same conditional-write contract as DynamoDB: a put succeeds only if
 * the stored version equals `expectedVersion`. Values are cloned in and out, as a real store
 * would, so callers cannot change stored state by mutation.
 */
export class MemoryStateStore implements StateStore {
  private readonly states = new Map<string, PoolState>();

  async get(poolId: string): Promise<PoolState | undefined> {
    const state = this.states.get(poolId);
    return state && structuredClone(state);
  }

  async getMany(poolIds: readonly string[]): Promise<Map<string, PoolState>> {
    const found = new Map<string, PoolState>();
    for (const id of poolIds) {
      const state = this.states.get(id);
      if (state) found.set(id, structuredClone(state));
    }
    return found;
  }

  async put(state: PoolState, expectedVersion: number): Promise<void> {
    const storedVersion = this.states.get(state.poolId)?.version ?? 0;
    if (storedVersion !== expectedVersion) {
      throw new ConflictError(
        `State of pool "${state.poolId}" changed concurrently (expected version ${expectedVersion}, found ${storedVersion})`,
      );
    }
    if (state.version !== expectedVersion + 1) {
      throw new ConflictError(`State version must be ${expectedVersion + 1} (got ${state.version})`);
    }
    this.states.set(state.poolId, structuredClone(state));
  }

  async delete(poolId: string): Promise<void> {
    this.states.delete(poolId);
  }
}
