import type { Decision } from '../domain/types';

export interface HistoryQuery {
  limit?: number;
  /** Only decisions strictly before this time (for paging back). */
  before?: number;
}

export interface DecisionLog {
  append(decision: Decision): Promise<void>;
  /** Newest first. */
  list(poolId: string, query?: HistoryQuery): Promise<Decision[]>;
}
