import type { Decision } from '../../domain/types';
import type { DecisionLog, HistoryQuery } from '../../ports/DecisionLog';

/** Decision history per pool, oldest first internally; `limitPerPool` bounds memory. */
export class MemoryDecisionLog implements DecisionLog {
  private readonly byPool = new Map<string, Decision[]>();

  constructor(private readonly limitPerPool = 10_000) {}

  async append(decision: Decision): Promise<void> {
    let list = this.byPool.get(decision.poolId);
    if (!list) {
      list = [];
      this.byPool.set(decision.poolId, list);
    }
    list.push(structuredClone(decision));
    if (list.length > this.limitPerPool) list.splice(0, list.length - this.limitPerPool);
  }

  async list(poolId: string, query: HistoryQuery = {}): Promise<Decision[]> {
    const list = this.byPool.get(poolId) ?? [];
    const limit = query.limit ?? 50;
    const result: Decision[] = [];
    for (let i = list.length - 1; i >= 0 && result.length < limit; i--) {
      const decision = list[i]!;
      if (query.before === undefined || decision.at < query.before) result.push(structuredClone(decision));
    }
    return result;
  }

  /** Every decision of a pool, oldest first (simulator and tests). */
  all(poolId: string): readonly Decision[] {
    return this.byPool.get(poolId) ?? [];
  }
}
