import { ConflictError, NotFoundError } from '../../domain/errors';
import type { AgentRecord, AgentStore } from '../../ports/AgentStore';

export interface UpdateRetryOptions {
  attempts?: number;
  /** First backoff; doubled each attempt, capped at `maxDelayMs`, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected in tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Read-modify-write of a whole agent record with its version as the condition, for the rare
 * writes that change more than one field (enrolment, secret rotation, its pool list). Retried
 * when another writer got there first, after an exponential backoff with full jitter, so
 * writers that collided do not collide again in lockstep.
 *
 * Frequent writes do not come here: a heartbeat's report (`recordReport`) and each pool's
 * desired count (`setDesired`) are merging writes of their own attributes that never conflict.
 */
export async function updateAgentRecord(
  agents: AgentStore,
  hostId: string,
  change: (record: AgentRecord) => AgentRecord,
  options: UpdateRetryOptions = {},
): Promise<AgentRecord> {
  const attempts = options.attempts ?? 10;
  const base = options.baseDelayMs ?? 10;
  const cap = options.maxDelayMs ?? 1_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const current = await agents.get(hostId);
    if (!current) throw new NotFoundError(`Agent "${hostId}" is not registered`);
    const next = { ...change(structuredClone(current)), hostId, version: current.version + 1 };
    try {
      await agents.put(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
    await sleep(Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1))));
  }
}
