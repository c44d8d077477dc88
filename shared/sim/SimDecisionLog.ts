import type { Decision } from '../domain/types';
import type { DecisionLog, HistoryQuery } from '../ports/DecisionLog';

/**
 * History for the simulator: the timeline built from each tick's outcomes is the record, so
 * this keeps only the last decision of each pool (no copies: decisions are not changed after
 * the tick).
 */
export class SimDecisionLog implements DecisionLog {
  private readonly last = new Map<string, Decision>();

  async append(decision: Decision): Promise<void> {
    this.last.set(decision.poolId, decision);
  }

  async list(poolId: string, query: HistoryQuery = {}): Promise<Decision[]> {
    const decision = this.last.get(poolId);
    return decision && (query.before === undefined || decision.at < query.before) ? [decision] : [];
  }
}
