import type { Decision } from '../domain/types';

export interface HistoryQuery {
  limit?: number;
  /** Only decisions strictly before this time. */
  before?: number;
  /**
   * Only decisions older than the one this cursor names (`historyCursor(decision)` of the last
   * decision of the previous page). Unlike `before`, it never skips a decision that shares its
   * millisecond with the last one shown. Takes precedence over `before`.
   */
  cursor?: string;
}

export interface DecisionLog {
  append(decision: Decision): Promise<void>;
  /** Newest first; each decision read back carries the `id` its log gave it (see historyCursor). */
  list(poolId: string, query?: HistoryQuery): Promise<Decision[]>;
  /** Removes every decision of a pool (the pool was deleted: a new pool of that id starts with none). */
  deleteAll?(poolId: string): Promise<void>;
}

/** `<at>~<id>`: `at` in epoch ms, `id` the decision's id in its log (letters, digits, `-`, `_`). */
const CURSOR = /^(\d{1,16})~([A-Za-z0-9_-]{1,64})$/;

/**
 * The paging cursor after `decision`: pass it as `HistoryQuery.cursor` to get the older ones.
 * A decision without a log id (a log that does not give ids) falls back to its time, which
 * pages like `before`.
 *
 * @example
 * const page = await log.list('bots', { limit: 50 });
 * const older = await log.list('bots', { limit: 50, cursor: historyCursor(page.at(-1)!) });
 */
export function historyCursor(decision: Pick<Decision, 'at' | 'id'>): string {
  return decision.id === undefined ? String(decision.at) : `${decision.at}~${decision.id}`;
}

/** True for a string `historyCursor` made with a log id (a bare time is not a cursor). */
export function isHistoryCursor(value: string): boolean {
  return CURSOR.test(value);
}

/** The time and id a cursor names, or undefined when `value` is not a cursor. */
export function parseHistoryCursor(value: string): { at: number; id: string } | undefined {
  const match = CURSOR.exec(value);
  return match ? { at: Number(match[1]), id: match[2]! } : undefined;
}
