import { ConflictError } from '../domain/errors';
import type { PoolState } from '../domain/types';
import type { StateStore } from '../ports/StateStore';

/**
 * The simulator's pool states: the same conditional-write contract as MemoryStateStore and
 * DynamoDB (a put succeeds only at the expected version), without copying values in and out.
 * Copying was half the cost of a simulated tick; it is safe to skip here because the engine
 * never mutates the state it is given (decide returns a new state) and the simulator holds
 * no other reference.
 */
export class SimStateStore implements StateStore {
  private readonly states = new Map<string, PoolState>();

  async get(poolId: string): Promise<PoolState | undefined> {
    return this.states.get(poolId);
  }

  async getMany(poolIds: readonly string[]): Promise<Map<string, PoolState>> {
    const found = new Map<string, PoolState>();
    for (const id of poolIds) {
      const state = this.states.get(id);
      if (state) found.set(id, state);
    }
    return found;
  }

  async put(state: PoolState, expectedVersion: number): Promise<void> {
    const stored = this.states.get(state.poolId)?.version ?? 0;
    if (stored !== expectedVersion || state.version !== expectedVersion + 1) {
      throw new ConflictError(`State of pool "${state.poolId}" changed concurrently (expected version ${expectedVersion}, found ${stored})`);
    }
    this.states.set(state.poolId, state);
  }

  async delete(poolId: string): Promise<void> {
    this.states.delete(poolId);
  }
}
