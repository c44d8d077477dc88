import type { Decision } from '../../domain/types';
import { parseHistoryCursor, type DecisionLog, type HistoryQuery } from '../../ports/DecisionLog';

/**
 * Decision history per pool, oldest first internally; `limitPerPool` bounds memory. Each
 * stored decision gets a sequence number as `id` (zero-padded, so ids sort as they were
 * appended), which the history cursor uses.
 */
export class MemoryDecisionLog implements DecisionLog {
  private readonly byPool = new Map<string, Decision[]>();
  private sequence = 0;

  constructor(private readonly limitPerPool = 10_000) {}

  async append(decision: Decision): Promise<void> {
    let list = this.byPool.get(decision.poolId);
    if (!list) {
      list = [];
      this.byPool.set(decision.poolId, list);
    }
    list.push({ ...structuredClone(decision), id: String(++this.sequence).padStart(12, '0') });
    if (list.length > this.limitPerPool) list.splice(0, list.length - this.limitPerPool);
  }

  async list(poolId: string, query: HistoryQuery = {}): Promise<Decision[]> {
    const list = this.byPool.get(poolId) ?? [];
    const limit = query.limit ?? 50;
    const cursor = query.cursor === undefined ? undefined : parseHistoryCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new RangeError(`Expected \`cursor\` to be a history cursor (got ${JSON.stringify(query.cursor)})`);
    const result: Decision[] = [];
    for (let i = list.length - 1; i >= 0 && result.length < limit; i--) {
      const decision = list[i]!;
      const older = cursor ? decision.id! < cursor.id : query.before === undefined || decision.at < query.before;
      if (older) result.push(structuredClone(decision));
    }
    return result;
  }

  async deleteAll(poolId: string): Promise<void> {
    this.byPool.delete(poolId);
  }

  /** Every decision of a pool, oldest first (simulator and tests). */
  all(poolId: string): readonly Decision[] {
    return this.byPool.get(poolId) ?? [];
  }
}
