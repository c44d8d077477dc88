import { ConflictError, NotFoundError } from '../../domain/errors';
import type { AgentRecord, AgentStore } from '../../ports/AgentStore';

/**
 * Read-modify-write of one agent record with its version as the condition, retried when
 * another writer (a heartbeat, the evaluator's scale call) got there first.
 */
export async function updateAgentRecord(
  agents: AgentStore,
  hostId: string,
  change: (record: AgentRecord) => AgentRecord,
  attempts = 8,
): Promise<AgentRecord> {
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
  }
}
